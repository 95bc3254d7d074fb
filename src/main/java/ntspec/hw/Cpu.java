package ntspec.hw;

/** The architectural state of one logical processor that the MMU uses: CR3 and the TLB. */
public final class Cpu {
    public final int number;
    private long cr3Pfn;
    public final Tlb tlb = new Tlb();

    public Cpu(int number, long cr3Pfn) {
        this.number = number;
        this.cr3Pfn = cr3Pfn;
    }

    public long cr3() {
        return cr3Pfn;
    }

    /** MOV CR3: switches address space and, without PCIDs, flushes the non-global TLB entries. */
    public void loadCr3(long pml4Pfn) {
        if (pml4Pfn != cr3Pfn) {
            cr3Pfn = pml4Pfn;
            tlb.flushNonGlobal();
        }
    }
}
