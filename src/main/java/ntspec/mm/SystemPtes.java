package ntspec.mm;

import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;
import ntspec.hw.Pte;
import ntspec.trace.Trace;

/**
 * The system PTE space: a run of PTEs in system space from which MDL mappings take contiguous
 * ranges (MiReserveSystemPtes / MiReleaseSystemPtes). On x64 Windows this is part of a dynamic
 * system VA region measured in terabytes, so the default machine gives it the whole 128 GiB region
 * (32 Mi PTEs); small counts are configuration for exhaustion scenarios. First fit, deterministic.
 *
 * <p>Releasing counts only PTEs that were reserved, so a double or wrong release never drives the
 * in-use count negative; without PTE tracking (the free build's default) such a release is not
 * detected here, it just frees whatever the range held. With TrackPtes each reservation has a
 * tracking entry in nonpaged pool, which SYSTEM_PTE_MISUSE names
 * (https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xda--system-pte-misuse).
 */
public final class SystemPtes {
    /** What a reservation's tracking entry recorded (TrackPtes): its pool address and the mapped MDL's identity. */
    record Tracker(long address, long count, long mdl, long firstPfn, long startVa, String owner) {
    }

    private final Mm mm;
    public final long base;
    private final long total;
    private final BitSet used = new BitSet();
    /** Reservations by first index: their length. */
    private final TreeMap<Long, Long> runs = new TreeMap<>();
    /** TrackPtes: tracking entries by the reservation's VA. */
    private final Map<Long, Tracker> trackers = new TreeMap<>();
    private long inUse;
    private int trackPtes;

    SystemPtes(Mm mm, long base, long total) {
        if (total <= 0 || total > MmLayout.REGION_SIZE >>> 12) {
            throw new IllegalArgumentException("system PTE count must be between 1 and " + (MmLayout.REGION_SIZE >>> 12) + ": " + total);
        }
        this.mm = mm;
        this.base = base;
        this.total = total;
    }

    /** The TrackPtes registry value (0 none, 1 owners, 3 owners and validated frees). */
    public int trackPtes() {
        return trackPtes;
    }

    public void setTrackPtes(int value) {
        this.trackPtes = value;
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

    /** Reserved PTEs counted from the bitmap (an invariant: equals {@link #inUse()}). */
    public long reservedByBitmap() {
        return used.cardinality();
    }

    /** Reserves {@code count} contiguous PTEs; returns the VA they map, or 0 if no run is free. */
    long reserve(long count) {
        if (count <= 0 || count > total) return 0;
        int start = 0;
        while (true) {
            int i = used.nextClearBit(start);
            if (i + count > total) return 0;
            int j = used.nextSetBit(i);
            if (j < 0 || j - i >= count) {
                used.set(i, (int) (i + count));
                runs.put((long) i, count);
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

    /** Writes a raw value into a PTE of the system PTE space (an invalid PTE carrying information, or 0). */
    void writeRaw(long va, long value) {
        mm.mmu.writePte(mm.systemDirectoryTableBase, va, value, mm.tableAllocator());
    }

    /** The PTE that maps va in system space (0 when no page table holds it). */
    long read(long va) {
        return mm.mmu.readPte(mm.systemDirectoryTableBase, va);
    }

    /**
     * Zeroes the PTEs of [va, va + count pages) and flushes every processor's whole TB
     * (KeFlushEntireTb(TRUE, TRUE)), keeping the PTEs reserved: what MmUnmapReservedMapping does.
     */
    void invalidate(long va, long count) {
        for (long i = 0; i < count; i++) {
            long pageVa = va + (i << 12);
            long ptePa = mm.mmu.walk(mm.systemDirectoryTableBase, pageVa, null);
            if (ptePa >= 0 && mm.memory().readQword(ptePa) != 0) mm.mmu.writePteAt(ptePa, pageVa, 0);
        }
        mm.flushEntireTb();
    }

    /** TrackPtes: records who holds the reservation at va (a pool block, as the tracker is). */
    void track(long va, long count, long mdl, long firstPfn, long startVa) {
        if (trackPtes == 0) return;
        long entry = mm.pool.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, 0x40, Pool.tag("SysP"));
        var caller = mm.kernel.callersImage();
        trackers.put(va, new Tracker(entry, count, mdl, firstPfn, startVa, caller == null ? "nt" : caller.name()));
    }

    /** Driver names for DRIVER_USED_EXCESSIVE_PTES: a UNICODE_STRING in pool per owner, made once. */
    private final Map<String, Long> ownerNames = new java.util.HashMap<>();

    /**
     * TrackPtes: the driver holding the most system PTEs, as DRIVER_USED_EXCESSIVE_PTES names it:
     * {address of its name (UNICODE_STRING), PTEs it holds}; {0, 0} when nothing is tracked.
     */
    long[] heaviestOwner() {
        Map<String, Long> used = new java.util.TreeMap<>();
        for (Tracker t : trackers.values()) used.merge(t.owner, t.count, Long::sum);
        String top = null;
        for (var e : used.entrySet()) if (top == null || e.getValue() > used.get(top)) top = e.getKey();
        if (top == null) return new long[] {0, 0};
        String name = top;
        long address = ownerNames.computeIfAbsent(name, n -> mm.allocateUnicodeString(n, Pool.tag("SysP")));
        return new long[] {address, used.get(top)};
    }

    /** The tracking entry of the reservation at va, or null. */
    Tracker tracker(long va) {
        return trackers.get(va);
    }

    void untrack(long va) {
        Tracker t = trackers.remove(va);
        if (t != null && t.address != 0) mm.pool.ExFreePoolWithTag(t.address, Pool.tag("SysP"));
    }

    /**
     * Zeroes the PTEs of [va, va + count pages), shoots the translations down on every processor and
     * returns those of them that were reserved to the pool. PTEs outside the system PTE space are
     * zeroed too (a wrong address given to MmUnmapLockedPages unmaps whatever it names).
     */
    void release(long va, long count) {
        long released = 0;
        boolean singly = count <= Mm.MAXIMUM_FLUSH_COUNT;
        for (long i = 0; i < count; i++) {
            long pageVa = va + (i << 12);
            long ptePa = mm.mmu.walk(mm.systemDirectoryTableBase, pageVa, null);
            if (ptePa >= 0 && mm.memory().readQword(ptePa) != 0) mm.mmu.writePteAt(ptePa, pageVa, 0);
            if (singly) mm.flushTlb(pageVa);
            if (contains(pageVa)) {
                int index = (int) ((pageVa - base) >>> 12);
                if (used.get(index)) {
                    used.clear(index);
                    released++;
                }
            }
        }
        if (!singly) mm.flushEntireTb();
        inUse -= released;
        trimRuns(va, count);
        mm.trace.add(Trace.Kind.NOTE, "released system PTEs (va, count, reserved ones)", va, count, released);
    }

    private void trimRuns(long va, long count) {
        long from = (va - base) >> 12;
        long to = from + count;
        if (to <= 0 || from >= total) return;
        Long first = runs.floorKey(from);
        for (Map.Entry<Long, Long> e : new java.util.ArrayList<>(runs.subMap(first == null ? from : first, true, to, false).entrySet())) {
            long s = e.getKey();
            long end = s + e.getValue();
            if (end <= from) continue;
            runs.remove(s);
            if (s < from) runs.put(s, from - s);
            if (end > to) runs.put(to, end - to);
        }
    }

    /** The reservation that starts at va: its PTE count, or 0 when none starts there. */
    long reservationAt(long va) {
        if (!contains(va)) return 0;
        Long n = runs.get((va - base) >>> 12);
        return n == null ? 0 : n;
    }
}
