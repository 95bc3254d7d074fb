package ntspec.hw;

import ntspec.trace.Trace;

/**
 * The x64 MMU: four-level page tables stored in simulated physical frames (Intel SDM vol. 3A
 * ch. 4), one page-walk routine ({@link #walk}) used by translation, mapping and unmapping, like
 * xv6's {@code walk(pagetable, va, alloc)}, and translation that honours the TLB, sets the A and D
 * bits and raises {@link PageFault} with the real error code.
 */
public final class Mmu {
    public static final int PAGE_SHIFT = PhysicalMemory.PAGE_SHIFT;

    /** Supplies a zeroed frame for a missing paging structure (the memory manager owns frames). */
    public interface TableAllocator {
        long newTable(int level, long va);
    }

    private final PhysicalMemory mem;
    private final Trace trace;

    // Paging-structure cache: the page-table frame that maps the last 2 MiB region walked.
    private long cachedCr3 = -1;
    private long cachedRegion;
    private long cachedPtPfn;

    // Translation's paging-structure cache (Intel SDM 3A 4.10.3, the PDE cache): for the last 2 MiB
    // region translated, the page-table frame and the rights the three upper levels grant. Upper
    // entries only change when paging structures are freed, which calls invalidateWalkCache().
    private long pdeCacheCr3 = -1;
    private long pdeCacheRegion;
    private long pdeCachePtPfn;
    private long pdeCacheRights;

    public Mmu(PhysicalMemory mem, Trace trace) {
        this.mem = mem;
        this.trace = trace;
    }

    public PhysicalMemory memory() {
        return mem;
    }

    public static int index(long va, int level) {
        return (int) ((va >>> (PAGE_SHIFT + 9 * (level - 1))) & 511);
    }

    public static boolean isCanonical(long va) {
        long top = va >> 47;
        return top == 0 || top == -1;
    }

    public static boolean isUserHalf(long va) {
        return va >= 0 && va < 0x0000_8000_0000_0000L;
    }

    /**
     * Walks the paging structures for {@code va} and returns the physical address of the leaf PTE.
     * A missing table is allocated through {@code alloc}; with a null allocator the result is
     * {@code -level} of the first entry that is not present (4 = PML4E, 3 = PDPTE, 2 = PDE).
     */
    public long walk(long cr3Pfn, long va, TableAllocator alloc) {
        long region = va >>> 21;
        if (cr3Pfn == cachedCr3 && region == cachedRegion) {
            return (cachedPtPfn << PAGE_SHIFT) | ((long) index(va, 1) << 3);
        }
        long table = cr3Pfn;
        for (int level = 4; level > 1; level--) {
            long ea = (table << PAGE_SHIFT) | ((long) index(va, level) << 3);
            long e = mem.readQword(ea);
            if (!Pte.isValid(e)) {
                if (alloc == null) return -level;
                long pfn = alloc.newTable(level - 1, va);
                e = (pfn << PAGE_SHIFT) | Pte.P | Pte.RW | (isUserHalf(va) ? Pte.US : 0);
                mem.writeQword(ea, e);
                trace.pteWrite(ea, va, e);
            }
            table = Pte.pfn(e);
        }
        cachedCr3 = cr3Pfn;
        cachedRegion = region;
        cachedPtPfn = table;
        return (table << PAGE_SHIFT) | ((long) index(va, 1) << 3);
    }

    /** Forgets cached walks; called whenever a paging structure is freed. */
    public void invalidateWalkCache() {
        cachedCr3 = -1;
        pdeCacheCr3 = -1;
    }

    /** The leaf PTE for va, or 0 if a paging structure above it is missing. */
    public long readPte(long cr3Pfn, long va) {
        long pa = walk(cr3Pfn, va, null);
        return pa < 0 ? 0 : mem.readQword(pa);
    }

    /** Writes the leaf PTE for va, creating paging structures as needed. Does not touch any TLB. */
    public void writePte(long cr3Pfn, long va, long value, TableAllocator alloc) {
        long pa = walk(cr3Pfn, va, alloc);
        mem.writeQword(pa, value);
        trace.pteWrite(pa, va, value);
    }

    /** Writes a PTE whose physical address a previous {@link #walk} returned. */
    public void writePteAt(long ptePa, long va, long value) {
        mem.writeQword(ptePa, value);
        trace.pteWrite(ptePa, va, value);
    }

    /**
     * Translates va for an access from user or kernel mode on {@code cpu}, using and filling its
     * TLB. Sets A (and D for a write) in the leaf entry on a walk. Throws {@link PageFault}.
     * Kernel-mode writes honour R/W (CR0.WP = 1, as Windows runs).
     */
    public long translate(Cpu cpu, long va, Access access, boolean userMode) {
        if (!isCanonical(va)) {
            throw new PageFault(va, errorBits(access, userMode), true, 0);
        }
        long vpn = va >>> PAGE_SHIFT;
        long cached = cpu.tlb.lookup(vpn);
        if (cached != 0 && rightsAllow(cached, access, userMode)
                && (access != Access.WRITE || (cached & Pte.D) != 0)) {
            return (cached & Pte.PFN_MASK) | (va & (PhysicalMemory.PAGE_SIZE - 1));
        }
        // TLB miss (or a write to a page cached as clean): walk the tables.
        long table = cpu.cr3();
        long rights = Pte.RW | Pte.US;
        long nx = 0;
        long ea;
        long e;
        long region = va >>> 21;
        if (table == pdeCacheCr3 && region == pdeCacheRegion) {
            rights = pdeCacheRights & (Pte.RW | Pte.US);
            nx = pdeCacheRights & Pte.NX;
            table = pdeCachePtPfn;
        } else {
            for (int level = 4; level > 1; level--) {
                ea = (table << PAGE_SHIFT) | ((long) index(va, level) << 3);
                e = mem.readQword(ea);
                if (!Pte.isValid(e)) {
                    throw new PageFault(va, errorBits(access, userMode), false, level);
                }
                rights &= e;
                nx |= e & Pte.NX;
                if ((e & Pte.A) == 0) mem.writeQword(ea, e | Pte.A);
                table = Pte.pfn(e);
            }
            pdeCacheCr3 = cpu.cr3();
            pdeCacheRegion = region;
            pdeCachePtPfn = table;
            pdeCacheRights = rights | nx;
        }
        ea = (table << PAGE_SHIFT) | ((long) index(va, 1) << 3);
        e = mem.readQword(ea);
        if (!Pte.isValid(e)) {
            throw new PageFault(va, errorBits(access, userMode), false, 1);
        }
        rights &= e;
        nx |= e & Pte.NX;
        long combined = (e & (Pte.PFN_MASK | Pte.G)) | rights | nx;
        if (!rightsAllow(combined | Pte.D, access, userMode)) {
            throw new PageFault(va, errorBits(access, userMode) | PageFault.ERR_PRESENT, false, 0);
        }
        long updated = e | Pte.A | (access == Access.WRITE ? Pte.D : 0);
        if (updated != e) mem.writeQword(ea, updated);
        combined |= updated & Pte.D;
        cpu.tlb.fill(vpn, combined);
        return (e & Pte.PFN_MASK) | (va & (PhysicalMemory.PAGE_SIZE - 1));
    }

    private static boolean rightsAllow(long entry, Access access, boolean userMode) {
        if (userMode && (entry & Pte.US) == 0) return false;
        // SMEP (CR4.SMEP, set by Windows 8 and later): supervisor code never executes from a user page.
        if (!userMode && access == Access.EXECUTE && (entry & Pte.US) != 0) return false;
        if (access == Access.WRITE && (entry & Pte.RW) == 0) return false;
        return access != Access.EXECUTE || (entry & Pte.NX) == 0;
    }

    private static int errorBits(Access access, boolean userMode) {
        int err = 0;
        if (access == Access.WRITE) err |= PageFault.ERR_WRITE;
        if (access == Access.EXECUTE) err |= PageFault.ERR_INSTRUCTION;
        if (userMode) err |= PageFault.ERR_USER;
        return err;
    }
}
