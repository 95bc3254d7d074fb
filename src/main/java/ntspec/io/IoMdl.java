package ntspec.io;

import ntspec.ke.BugCheckCode;
import ntspec.mm.Mdl;
import ntspec.mm.MdlRoutines;
import ntspec.mm.Mm;
import ntspec.mm.MmLayout;

/** The I/O manager's MDL routines: IoAllocateMdl, IoFreeMdl, IoBuildPartialMdl (mdl-and-io-semantics.md B.2-B.4). */
public final class IoMdl {
    /** Windows 7 and later accept up to 4 GB - PAGE_SIZE (MS IoAllocateMdl; ReactOS encodes the NT 5.2 limit). */
    public static final long MAX_LENGTH = 0x1_0000_0000L - MmLayout.PAGE_SIZE;

    private final Mm mm;

    public IoMdl(Mm mm) {
        this.mm = mm;
    }

    /**
     * IoAllocateMdl: NULL beyond the current Windows limit; spans of up to 23 pages come from the
     * fixed-size lookaside (MDL_ALLOCATED_FIXED_SIZE). With an IRP, a primary MDL replaces
     * Irp->MdlAddress and a secondary one is appended to the chain (ReactOS iomdl.c). The PFN
     * array, Process and MappedSystemVa are not initialised.
     */
    public Mdl IoAllocateMdl(long virtualAddress, long length, boolean secondaryBuffer, boolean chargeQuota, Irp irp) {
        length &= 0xFFFFFFFFL;
        if (length == 0 || length > MAX_LENGTH) return null;
        long span = MmLayout.spanPages(virtualAddress, length);
        boolean fixed = span <= Mdl.FIXED_SIZE_PAGES;
        Mdl mdl = mm.mdl.allocate((int) (fixed ? Mdl.FIXED_SIZE_PAGES : span));
        MdlRoutines.MmInitializeMdl(mdl, virtualAddress, length);
        if (fixed) mdl.MdlFlags |= Mdl.MDL_ALLOCATED_FIXED_SIZE;
        if (irp != null) {
            if (secondaryBuffer) {
                Mdl tail = irp.MdlAddress;
                if (tail == null) {
                    irp.MdlAddress = mdl;
                } else {
                    while (tail.Next != null) tail = tail.Next;
                    tail.Next = mdl;
                }
            } else {
                irp.MdlAddress = mdl;
            }
        }
        return mdl;
    }

    /**
     * IoFreeMdl: MmPrepareMdlForReuse (a partial MDL's own mapping is released), then the storage
     * is freed. It neither unlocks pages nor unmaps a non-partial MDL's mapping, nor follows Next.
     */
    public void IoFreeMdl(Mdl mdl) {
        mm.mdl.MmPrepareMdlForReuse(mdl);
        mm.mdl.free(mdl);
    }

    /**
     * IoBuildPartialMdl (B.4, with Microsoft's TARGET_MDL_TOO_SMALL check that ReactOS lacks).
     */
    public void IoBuildPartialMdl(Mdl source, Mdl target, long virtualAddress, long length) {
        long offset = virtualAddress - source.virtualAddress();
        if (length == 0) length = source.ByteCount - offset;
        long span = MmLayout.spanPages(virtualAddress, length);
        if (span > target.capacity()) {
            throw mm.kernel().KeBugCheckEx(BugCheckCode.TARGET_MDL_TOO_SMALL, 0, 0, 0, 0);
        }
        target.Process = source.Process;
        target.StartVa = MmLayout.pageAlign(virtualAddress);
        target.ByteCount = length & 0xFFFFFFFFL;
        target.ByteOffset = MmLayout.byteOffset(virtualAddress);
        target.Size = (short) MdlRoutines.MmSizeOfMdl(virtualAddress, length);
        int keep = target.MdlFlags & (Mdl.MDL_ALLOCATED_FIXED_SIZE | Mdl.MDL_ALLOCATED_MUST_SUCCEED);
        int inherit = source.MdlFlags & (Mdl.MDL_IO_PAGE_READ | Mdl.MDL_SOURCE_IS_NONPAGED_POOL
                | Mdl.MDL_MAPPED_TO_SYSTEM_VA | Mdl.MDL_IO_SPACE);
        target.MdlFlags = (short) (keep | inherit | Mdl.MDL_PARTIAL);
        target.MappedSystemVa = source.MappedSystemVa + offset;
        int first = (int) ((target.StartVa - source.StartVa) >>> 12);
        for (int i = 0; i < span; i++) {
            int slot = first + i;
            target.setPfn(i, slot >= 0 && slot < source.capacity() ? source.pfn(slot) : 0);
        }
    }
}
