package ntspec.mm;

import java.util.BitSet;
import ntspec.hw.Pte;
import ntspec.trace.Trace;

/**
 * The system PTE pool: a finite run of PTEs in system space from which MDL mappings take
 * contiguous ranges (MiReserveSystemPtes / MiReleaseSystemPtes). First fit, deterministic.
 */
public final class SystemPtes {
    private final Mm mm;
    public final long base;
    private final long total;
    private final BitSet used = new BitSet();
    private long inUse;

    SystemPtes(Mm mm, long base, long total) {
        if (total <= 0 || total > MmLayout.REGION_SIZE >>> 12) {
            throw new IllegalArgumentException("system PTE count must be between 1 and " + (MmLayout.REGION_SIZE >>> 12) + ": " + total);
        }
        this.mm = mm;
        this.base = base;
        this.total = total;
    }

    public long total() {
        return total;
    }

    public long inUse() {
        return inUse;
    }

    public long free() {
        return total - inUse;
    }

    public boolean contains(long va) {
        return Long.compareUnsigned(va, base) >= 0 && Long.compareUnsigned(va, base + (total << 12)) < 0;
    }

    public boolean isReserved(long va) {
        return contains(va) && used.get((int) ((va - base) >>> 12));
    }

    /** Reserves {@code count} contiguous PTEs; returns the VA they map, or 0 if no run is free. */
    long reserve(long count) {
        int start = 0;
        while (true) {
            int i = used.nextClearBit(start);
            if (i + count > total) return 0;
            int j = used.nextSetBit(i);
            if (j < 0 || j - i >= count) {
                used.set(i, (int) (i + count));
                inUse += count;
                long va = base + ((long) i << 12);
                mm.trace.add(Trace.Kind.NOTE, "reserved system PTEs (va, count)", va, count);
                return va;
            }
            start = j;
        }
    }

    /** Fills a reserved PTE with a valid kernel mapping of {@code pfn} (global, as system PTEs are). */
    void map(long va, long pfn, boolean writable, boolean noExecute, long cacheBits) {
        long pte = Pte.valid(pfn, writable, false, true, noExecute) | cacheBits;
        mm.mmu.writePte(mm.systemDirectoryTableBase, va, pte, mm.tableAllocator());
    }

    /** Zeroes the PTEs, shoots the translations down on every processor and frees the range. */
    void release(long va, long count) {
        for (long i = 0; i < count; i++) {
            long pageVa = va + (i << 12);
            long ptePa = mm.mmu.walk(mm.systemDirectoryTableBase, pageVa, null);
            if (ptePa >= 0) mm.mmu.writePteAt(ptePa, pageVa, 0);
            mm.flushTlb(pageVa);
        }
        int first = (int) ((va - base) >>> 12);
        used.clear(first, (int) (first + count));
        inUse -= count;
        mm.trace.add(Trace.Kind.NOTE, "released system PTEs (va, count)", va, count);
    }
}
