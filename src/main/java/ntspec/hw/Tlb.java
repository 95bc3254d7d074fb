package ntspec.hw;

/**
 * A processor's translation lookaside buffer: direct-mapped, {@value #ENTRIES} entries. It caches
 * the result of a page walk (frame and the combined rights of all four levels) and is only
 * invalidated explicitly ({@code INVLPG}, a CR3 load for non-global entries, a full flush), so a
 * PTE changed without a flush is still used by this processor: the stale-entry bug is observable.
 */
public final class Tlb {
    public static final int ENTRIES = 64;

    private final long[] tag = new long[ENTRIES];    // vpn + 1 (0 = empty)
    private final long[] entry = new long[ENTRIES];  // pfn << 12 | combined RW/US/NX/D/G bits
    private long hits;
    private long misses;

    private static int slot(long vpn) {
        return (int) (vpn & (ENTRIES - 1));
    }

    /** The cached entry for vpn, or 0 if none. */
    long lookup(long vpn) {
        int s = slot(vpn);
        if (tag[s] == vpn + 1) {
            hits++;
            return entry[s];
        }
        misses++;
        return 0;
    }

    void fill(long vpn, long value) {
        int s = slot(vpn);
        tag[s] = vpn + 1;
        entry[s] = value;
    }

    /** True if a translation for the page is cached (used by tests and the debugger view). */
    public boolean contains(long va) {
        long vpn = va >>> PhysicalMemory.PAGE_SHIFT;
        return tag[slot(vpn)] == vpn + 1;
    }

    /** INVLPG: drops the page's entry, global or not. */
    public void invalidate(long va) {
        long vpn = va >>> PhysicalMemory.PAGE_SHIFT;
        int s = slot(vpn);
        if (tag[s] == vpn + 1) tag[s] = 0;
    }

    /** A CR3 load without PCIDs: drops every entry except global ones. */
    public void flushNonGlobal() {
        for (int i = 0; i < ENTRIES; i++) {
            if ((entry[i] & Pte.G) == 0) tag[i] = 0;
        }
    }

    /** Drops everything, global entries included (a CR4.PGE toggle). */
    public void flushAll() {
        java.util.Arrays.fill(tag, 0);
    }

    public long hits() {
        return hits;
    }

    public long misses() {
        return misses;
    }
}
