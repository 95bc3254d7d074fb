package ntspec.wdm;

import ntspec.mm.Mdl;

/**
 * What MmGetMdlPfnArray returns: a pointer to the PFN array just past the MDL header ("mdl + 1").
 * Indexing reads the slot from memory when it is indexed, as C does; its value as a number is the
 * array's address.
 */
public record PfnArray(Mdl mdl) {
    public long address() {
        return mdl.address + Mdl.HEADER_SIZE;
    }

    /** MmGetMdlPfnArray(mdl)[index]: a kernel-mode read of that slot. */
    public long get(long index) {
        return mdl.pfn(index);
    }

    @Override
    public String toString() {
        return String.format("PFN array at 0x%X", address());
    }
}
