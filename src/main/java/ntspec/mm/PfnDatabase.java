package ntspec.mm;

import java.util.Arrays;

/**
 * The PFN database and its page lists (ReactOS MMPFN, https://github.com/reactos/reactos/blob/master/ntoskrnl/include/internal/mm.h), kept as primitive arrays in chunks of
 * 1024 frames: one array per MMPFN member, so the per-page paths touch a few cache lines and no
 * objects. Sparse: a chunk exists once one of its frames has been handed out; frames never handed
 * out form the tail of the zeroed list implicitly (they read as zeros), so a 64 GiB machine costs
 * nothing until it uses memory.
 */
public final class PfnDatabase {
    static final int CHUNK_SHIFT = 10;
    static final int CHUNK = 1 << CHUNK_SHIFT;
    static final int CHUNK_MASK = CHUNK - 1;

    // flags bits
    private static final byte F_EXISTS = 1;
    private static final byte F_PAGE_TABLE = 2;
    private static final byte F_MODIFIED = 4;
    private static final byte F_LINKED = 8;
    /** u3.e1.StartOfAllocation / EndOfAllocation: the first and last frame of a contiguous allocation. */
    private static final byte F_START_OF_ALLOCATION = 16;
    private static final byte F_END_OF_ALLOCATION = 32;

    /** One chunk's MMPFN members, one array each. */
    static final class Chunk {
        final int[] referenceCount = new int[CHUNK];
        final int[] shareCount = new int[CHUNK];
        final byte[] location = new byte[CHUNK];
        final byte[] flags = new byte[CHUNK];
        final byte[] protection = new byte[CHUNK];
        final byte[] cacheAttribute = new byte[CHUNK];
        final long[] pteAddress = new long[CHUNK];
        final long[] va = new long[CHUNK];
        final long[] pageFileSlot = new long[CHUNK];
        final long[] pteFrame = new long[CHUNK];
        final long[] flink = new long[CHUNK];
        final long[] blink = new long[CHUNK];

        Chunk() {
            Arrays.fill(pteAddress, -1);
            Arrays.fill(pageFileSlot, -1);
            Arrays.fill(flink, -1);
            Arrays.fill(blink, -1);
            Arrays.fill(cacheAttribute, Pfn.MI_CACHED);
        }
    }

    private final long frameCount;
    private final long firstUsable;
    private final Chunk[] chunks;
    /** Frames never handed out, as [start, end) runs: zeroed, with no entry yet. */
    /**
     * Never-used frames as runs keyed by where each run began, value {first fresh frame, end}:
     * taking the first frame of a run (the common case) moves value[0] without touching the tree.
     */
    private final java.util.TreeMap<Long, long[]> fresh = new java.util.TreeMap<>();
    private long freshCount;
    // Heads, tails and counts of the explicit lists, indexed by MMLISTS value.
    private final long[] head = {-1, -1, -1, -1, -1, -1};
    private final long[] tail = {-1, -1, -1, -1, -1, -1};
    private final long[] count = new long[6];

    public PfnDatabase(long frameCount, long firstUsable) {
        this.frameCount = frameCount;
        this.firstUsable = firstUsable;
        if (frameCount > firstUsable) {
            fresh.put(firstUsable, new long[] {firstUsable, frameCount});
            freshCount = frameCount - firstUsable;
        }
        this.chunks = new Chunk[(int) ((frameCount + CHUNK_MASK) >>> CHUNK_SHIFT)];
    }

    public long frameCount() {
        return frameCount;
    }

    /** MmHighestPhysicalPage. */
    public long highestPhysicalPage() {
        return frameCount - 1;
    }

    /** True for frames of RAM the memory manager manages (a PFN entry can exist). */
    public boolean isRam(long pfn) {
        return pfn >= firstUsable && pfn < frameCount;
    }

    /** True once the frame has been handed out (it has an MMPFN entry in use or on a list). */
    public boolean exists(long pfn) {
        if (pfn < 0 || pfn >= frameCount) return false;
        Chunk c = chunks[(int) (pfn >>> CHUNK_SHIFT)];
        return c != null && (c.flags[(int) (pfn & CHUNK_MASK)] & F_EXISTS) != 0;
    }

    /** The chunk of an existing entry (callers check {@link #exists} or own the frame). */
    Chunk chunk(long pfn) {
        return chunks[(int) (pfn >>> CHUNK_SHIFT)];
    }

    private Chunk create(long pfn) {
        int ci = (int) (pfn >>> CHUNK_SHIFT);
        Chunk c = chunks[ci];
        if (c == null) c = chunks[ci] = new Chunk();
        c.flags[(int) (pfn & CHUNK_MASK)] |= F_EXISTS;
        return c;
    }

    /** A live read-only view of one entry (what !pfn shows), for tests and dumps. */
    public final class Entry {
        public final long pfn;

        Entry(long pfn) {
            this.pfn = pfn;
        }

        public int referenceCount() {
            return PfnDatabase.this.referenceCount(pfn);
        }

        public int shareCount() {
            return PfnDatabase.this.shareCount(pfn);
        }

        public int lockCount() {
            return PfnDatabase.this.lockCount(pfn);
        }

        public byte location() {
            return PfnDatabase.this.location(pfn);
        }

        public long pteAddress() {
            return PfnDatabase.this.pteAddress(pfn);
        }

        public long pageFileSlot() {
            return PfnDatabase.this.pageFileSlot(pfn);
        }

        public long pteFrame() {
            return PfnDatabase.this.pteFrame(pfn);
        }

        public boolean exists() {
            return PfnDatabase.this.exists(pfn);
        }

        @Override
        public String toString() {
            return String.format("PFN %X ref %d share %d %s", pfn, referenceCount(), shareCount(), Pfn.locationName(location()));
        }
    }

    /** Calls action for every frame that has an entry (chunks never touched are skipped). */
    public void forEachEntry(java.util.function.LongConsumer action) {
        for (int ci = 0; ci < chunks.length; ci++) {
            Chunk c = chunks[ci];
            if (c == null) continue;
            for (int i = 0; i < CHUNK; i++) {
                if ((c.flags[i] & F_EXISTS) != 0) action.accept(((long) ci << CHUNK_SHIFT) | i);
            }
        }
    }

    /** The live view of entry pfn. */
    public Entry view(long pfn) {
        return new Entry(pfn);
    }

    // ------------------------------------------------------------------ members

    public int referenceCount(long pfn) {
        return exists(pfn) ? chunk(pfn).referenceCount[(int) (pfn & CHUNK_MASK)] : 0;
    }

    void setReferenceCount(long pfn, int v) {
        chunk(pfn).referenceCount[(int) (pfn & CHUNK_MASK)] = v;
    }

    /** Adds delta to the reference count; returns the new count. */
    int addReference(long pfn, int delta) {
        return chunk(pfn).referenceCount[(int) (pfn & CHUNK_MASK)] += delta;
    }

    public int shareCount(long pfn) {
        return exists(pfn) ? chunk(pfn).shareCount[(int) (pfn & CHUNK_MASK)] : 0;
    }

    void setShareCount(long pfn, int v) {
        chunk(pfn).shareCount[(int) (pfn & CHUNK_MASK)] = v;
    }

    int addShare(long pfn, int delta) {
        return chunk(pfn).shareCount[(int) (pfn & CHUNK_MASK)] += delta;
    }

    /** MDL locks on the page: references beyond the one its mappings hold. */
    public int lockCount(long pfn) {
        if (!exists(pfn)) return 0;
        Chunk c = chunk(pfn);
        int i = (int) (pfn & CHUNK_MASK);
        return c.referenceCount[i] - (c.shareCount[i] > 0 ? 1 : 0);
    }

    public byte location(long pfn) {
        return exists(pfn) ? chunk(pfn).location[(int) (pfn & CHUNK_MASK)] : Pfn.ZERO_PAGE_LIST;
    }

    void setLocation(long pfn, byte location) {
        chunk(pfn).location[(int) (pfn & CHUNK_MASK)] = location;
    }

    /** Physical address of the PTE that maps (or last mapped) the page; -1 for none. */
    public long pteAddress(long pfn) {
        return exists(pfn) ? chunk(pfn).pteAddress[(int) (pfn & CHUNK_MASK)] : -1;
    }

    void setPteAddress(long pfn, long pa) {
        chunk(pfn).pteAddress[(int) (pfn & CHUNK_MASK)] = pa;
    }

    /** The VA that PTE maps, for TLB invalidation and dumps. */
    public long va(long pfn) {
        return exists(pfn) ? chunk(pfn).va[(int) (pfn & CHUNK_MASK)] : 0;
    }

    void setVa(long pfn, long va) {
        chunk(pfn).va[(int) (pfn & CHUNK_MASK)] = va;
    }

    /** The protection to restore when the page leaves memory (OriginalPte's Protection). */
    public int protection(long pfn) {
        return exists(pfn) ? chunk(pfn).protection[(int) (pfn & CHUNK_MASK)] : 0;
    }

    void setProtection(long pfn, int protection) {
        chunk(pfn).protection[(int) (pfn & CHUNK_MASK)] = (byte) protection;
    }

    /** Paging-file slot holding a copy of the contents, -1 for none. */
    public long pageFileSlot(long pfn) {
        return exists(pfn) ? chunk(pfn).pageFileSlot[(int) (pfn & CHUNK_MASK)] : -1;
    }

    void setPageFileSlot(long pfn, long slot) {
        chunk(pfn).pageFileSlot[(int) (pfn & CHUNK_MASK)] = slot;
    }

    /** u4.PteFrame: PFN of the page table holding the PTE, or a marker. */
    public long pteFrame(long pfn) {
        return exists(pfn) ? chunk(pfn).pteFrame[(int) (pfn & CHUNK_MASK)] : 0;
    }

    void setPteFrame(long pfn, long frame) {
        chunk(pfn).pteFrame[(int) (pfn & CHUNK_MASK)] = frame;
    }

    public int cacheAttribute(long pfn) {
        return exists(pfn) ? chunk(pfn).cacheAttribute[(int) (pfn & CHUNK_MASK)] : Pfn.MI_CACHED;
    }

    void setCacheAttribute(long pfn, int attribute) {
        chunk(pfn).cacheAttribute[(int) (pfn & CHUNK_MASK)] = (byte) attribute;
    }

    public boolean isPageTable(long pfn) {
        return flag(pfn, F_PAGE_TABLE);
    }

    void setPageTable(long pfn, boolean on) {
        setFlag(pfn, F_PAGE_TABLE, on);
    }

    /** u3.e1.Modified: contents differ from any paging-file copy (set by a write MDL's unlock too). */
    public boolean isModified(long pfn) {
        return flag(pfn, F_MODIFIED);
    }

    void setModified(long pfn, boolean on) {
        setFlag(pfn, F_MODIFIED, on);
    }

    /** u3.e1.StartOfAllocation: the first frame of a contiguous-memory allocation. */
    public boolean isStartOfAllocation(long pfn) {
        return flag(pfn, F_START_OF_ALLOCATION);
    }

    void setStartOfAllocation(long pfn, boolean on) {
        setFlag(pfn, F_START_OF_ALLOCATION, on);
    }

    /** u3.e1.EndOfAllocation: the last frame of a contiguous-memory allocation. */
    public boolean isEndOfAllocation(long pfn) {
        return flag(pfn, F_END_OF_ALLOCATION);
    }

    void setEndOfAllocation(long pfn, boolean on) {
        setFlag(pfn, F_END_OF_ALLOCATION, on);
    }

    /**
     * MiIsPfnInUse's opposite: the frame is RAM on the zeroed or free list, or was never handed out
     * (a never-used frame is the implicit tail of the zeroed list).
     */
    public boolean isFreeOrZeroed(long pfn) {
        if (!isRam(pfn)) return false;
        if (!exists(pfn)) return true;
        int i = (int) (pfn & CHUNK_MASK);
        Chunk c = chunk(pfn);
        return (c.flags[i] & F_LINKED) != 0 && (c.location[i] == Pfn.ZERO_PAGE_LIST || c.location[i] == Pfn.FREE_PAGE_LIST);
    }

    /**
     * MiFindContiguousPages' scan: the lowest run of {@code count} consecutive free or zeroed frames
     * in [lowest, highest] that does not cross a multiple of {@code boundaryPfn} (0: no boundary).
     * Returns its first frame, or -1. Looks only: nothing is taken.
     */
    public long findFreeRun(long lowest, long highest, long count, long boundaryPfn) {
        if (count <= 0) return -1;
        long boundaryMask = boundaryPfn == 0 ? 0 : ~(boundaryPfn - 1);
        long low = Math.max(lowest, firstUsable);
        long high = Math.min(highest, highestPhysicalPage());
        long length = 0;
        for (long page = low; page <= high; page++) {
            if (!isFreeOrZeroed(page)) {
                length = 0;
                continue;
            }
            if (length == 0 && boundaryPfn != 0 && ((page ^ (page + count - 1)) & boundaryMask) != 0) continue;
            if (++length == count) return page - count + 1;
        }
        return -1;
    }

    /** Takes a free or zeroed frame (or a never-used one) off its list, for a caller that chose it by number. */
    void takeChosen(long pfn) {
        if (!exists(pfn)) {
            takeFresh(pfn);
        } else {
            unlink(pfn);
        }
    }

    // The MDL routines' per-page steps, each one access to the entry (the paths the benchmark
    // measures; the plain accessors above check existence on every call).

    /** One more reference for a lock on an existing entry; true when the page was not locked before. */
    boolean lockReference(long pfn) {
        Chunk c = chunk(pfn);
        int i = (int) (pfn & CHUNK_MASK);
        int before = c.referenceCount[i]++ - (c.shareCount[i] > 0 ? 1 : 0);
        return before == 0;
    }

    /** The lock count of the entry, or -1 when the frame has no entry. */
    int lockCountOrMinus(long pfn) {
        if (pfn < 0 || pfn >= frameCount) return -1;
        Chunk c = chunks[(int) (pfn >>> CHUNK_SHIFT)];
        int i = (int) (pfn & CHUNK_MASK);
        if (c == null || (c.flags[i] & F_EXISTS) == 0) return -1;
        return c.referenceCount[i] - (c.shareCount[i] > 0 ? 1 : 0);
    }

    /** Marks an existing entry modified and takes its paging-file slot away (returned, -1 for none). */
    long markModified(long pfn) {
        Chunk c = chunk(pfn);
        int i = (int) (pfn & CHUNK_MASK);
        c.flags[i] |= F_MODIFIED;
        long slot = c.pageFileSlot[i];
        if (slot >= 0) c.pageFileSlot[i] = -1;
        return slot;
    }

    /** The cache attribute of an existing RAM entry, or -1 when the frame has none. */
    int cacheAttributeOrMinus(long pfn) {
        if (pfn < firstUsable || pfn >= frameCount) return -1;
        Chunk c = chunks[(int) (pfn >>> CHUNK_SHIFT)];
        int i = (int) (pfn & CHUNK_MASK);
        if (c == null || (c.flags[i] & F_EXISTS) == 0) return -1;
        return c.cacheAttribute[i];
    }

    private boolean flag(long pfn, byte bit) {
        return exists(pfn) && (chunk(pfn).flags[(int) (pfn & CHUNK_MASK)] & bit) != 0;
    }

    private void setFlag(long pfn, byte bit, boolean on) {
        Chunk c = chunk(pfn);
        int i = (int) (pfn & CHUNK_MASK);
        c.flags[i] = (byte) (on ? c.flags[i] | bit : c.flags[i] & ~bit);
    }

    /** Resets an entry that is about to be used (MiInitializePfn's clean slate). */
    void reset(long pfn) {
        Chunk c = chunk(pfn);
        int i = (int) (pfn & CHUNK_MASK);
        c.referenceCount[i] = 0;
        c.shareCount[i] = 0;
        c.location[i] = Pfn.ACTIVE_AND_VALID;
        c.flags[i] = (byte) (c.flags[i] & (F_EXISTS | F_LINKED));
        c.protection[i] = 0;
        c.cacheAttribute[i] = Pfn.MI_CACHED;
        c.pteAddress[i] = -1;
        c.va[i] = 0;
        c.pageFileSlot[i] = -1;
        c.pteFrame[i] = 0;
    }

    // ------------------------------------------------------------------ lists

    /** Pages on a list; the zeroed count includes never-used frames. */
    public long count(byte list) {
        return list == Pfn.ZERO_PAGE_LIST ? count[list] + freshCount : count[list];
    }

    /** Pages that can be had without writing anything: zeroed + free + standby. */
    public long availablePages() {
        return count(Pfn.ZERO_PAGE_LIST) + count[Pfn.FREE_PAGE_LIST] + count[Pfn.STANDBY_PAGE_LIST];
    }

    /** Frames handed out at least once (the rest were never touched). */
    public long framesEverUsed() {
        return frameCount - firstUsable - freshCount;
    }

    /** Takes a page off the zeroed list (or a never-used frame); -1 if none. */
    long takeZeroed() {
        if (head[Pfn.ZERO_PAGE_LIST] >= 0) return removeHead(Pfn.ZERO_PAGE_LIST);
        return fresh.isEmpty() ? -1 : takeFresh(fresh.firstEntry().getValue()[0]);
    }

    /** The lowest never-used frame in [low, high], taken; -1 if none. */
    long takeFreshInRange(long low, long high) {
        java.util.Map.Entry<Long, long[]> run = fresh.floorEntry(low);
        long pfn;
        if (run != null && run.getValue()[1] > low) {
            pfn = Math.max(low, run.getValue()[0]);
        } else {
            java.util.Map.Entry<Long, long[]> next = fresh.higherEntry(low);
            if (next == null) return -1;
            pfn = next.getValue()[0];
        }
        return pfn <= high ? takeFresh(pfn) : -1;
    }

    private long takeFresh(long pfn) {
        java.util.Map.Entry<Long, long[]> entry = fresh.floorEntry(pfn);
        long[] run = entry.getValue();
        if (pfn == run[0]) {
            if (++run[0] == run[1]) fresh.remove(entry.getKey());
        } else {
            if (pfn + 1 < run[1]) fresh.put(pfn + 1, new long[] {pfn + 1, run[1]});
            run[1] = pfn;
        }
        freshCount--;
        Chunk c = create(pfn);
        c.location[(int) (pfn & CHUNK_MASK)] = Pfn.ACTIVE_AND_VALID;
        return pfn;
    }

    /** The first page on a list that lies in [low, high], taken off it; -1 if none (a walk of the list). */
    long takeFromInRange(byte list, long low, long high) {
        for (long pfn = head[list]; pfn >= 0; pfn = next(pfn)) {
            if (pfn >= low && pfn <= high) {
                unlink(pfn);
                return pfn;
            }
        }
        return -1;
    }

    long takeFrom(byte list) {
        return head[list] >= 0 ? removeHead(list) : -1;
    }

    /** The first page on a list, -1 when the list is empty. */
    public long head(byte list) {
        return head[list];
    }

    /** The page after pfn on its list, -1 at the tail. */
    public long next(long pfn) {
        return chunk(pfn).flink[(int) (pfn & CHUNK_MASK)];
    }

    /** The page before pfn on its list, -1 at the head. */
    public long previous(long pfn) {
        return chunk(pfn).blink[(int) (pfn & CHUNK_MASK)];
    }

    /** Pages counted on a list's own counter (the zeroed list without never-used frames). */
    public long listedCount(byte list) {
        return count[list];
    }

    /** Frames never handed out (the implicit tail of the zeroed list). */
    public long freshCount() {
        return freshCount;
    }

    /** The first frame the memory manager manages. */
    public long firstUsable() {
        return firstUsable;
    }

    private long removeHead(byte list) {
        long pfn = head[list];
        unlink(pfn);
        return pfn;
    }

    public boolean isLinked(long pfn) {
        return flag(pfn, F_LINKED);
    }

    /** Puts the page at the tail of a list (its location becomes that list). */
    void insert(long pfn, byte list) {
        if (isLinked(pfn)) unlink(pfn);
        Chunk c = chunk(pfn);
        int i = (int) (pfn & CHUNK_MASK);
        c.location[i] = list;
        c.flags[i] |= F_LINKED;
        c.flink[i] = -1;
        c.blink[i] = tail[list];
        if (tail[list] >= 0) chunk(tail[list]).flink[(int) (tail[list] & CHUNK_MASK)] = pfn;
        else head[list] = pfn;
        tail[list] = pfn;
        count[list]++;
    }

    /** Removes the page from whatever list it is on; its location becomes TRANSITION until set. */
    void unlink(long pfn) {
        Chunk c = chunk(pfn);
        int i = (int) (pfn & CHUNK_MASK);
        if ((c.flags[i] & F_LINKED) == 0) return;
        byte list = c.location[i];
        long f = c.flink[i];
        long b = c.blink[i];
        if (b >= 0) chunk(b).flink[(int) (b & CHUNK_MASK)] = f;
        else head[list] = f;
        if (f >= 0) chunk(f).blink[(int) (f & CHUNK_MASK)] = b;
        else tail[list] = b;
        c.flink[i] = c.blink[i] = -1;
        count[list]--;
        c.flags[i] &= ~F_LINKED;
        c.location[i] = Pfn.TRANSITION_PAGE;
    }

    /** Makes an entry exist for a frame about to be used outside the lists (boot tables). */
    void ensure(long pfn) {
        if (!exists(pfn)) create(pfn);
    }
}
