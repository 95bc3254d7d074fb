package ntspec.mm;

/**
 * The PFN database and its page lists (kernel-rules.md 5.5). Sparse: an entry exists once its
 * frame has been handed out; frames never handed out form the tail of the zeroed list implicitly
 * (they read as zeros), so a 64 GiB machine costs nothing until it uses memory.
 */
public final class PfnDatabase {
    private static final int CHUNK_SHIFT = 10;
    private static final int CHUNK_MASK = (1 << CHUNK_SHIFT) - 1;

    private final long frameCount;
    private final long firstUsable;
    private final Pfn[][] chunks;
    /** Next frame never handed out; frames from here on are zeroed and have no entry yet. */
    private long nextFresh;
    // Heads, tails and counts of the explicit lists, indexed by MMLISTS value.
    private final long[] head = {-1, -1, -1, -1, -1, -1};
    private final long[] tail = {-1, -1, -1, -1, -1, -1};
    private final long[] count = new long[6];

    public PfnDatabase(long frameCount, long firstUsable) {
        this.frameCount = frameCount;
        this.firstUsable = firstUsable;
        this.nextFresh = firstUsable;
        this.chunks = new Pfn[(int) ((frameCount + CHUNK_MASK) >>> CHUNK_SHIFT)][];
    }

    public long frameCount() {
        return frameCount;
    }

    /** MmHighestPhysicalPage. */
    public long highestPhysicalPage() {
        return frameCount - 1;
    }

    /** The entry for pfn, or null if the frame was never handed out (or is not RAM we manage). */
    public Pfn get(long pfn) {
        if (pfn < 0 || pfn >= frameCount) return null;
        Pfn[] c = chunks[(int) (pfn >>> CHUNK_SHIFT)];
        return c == null ? null : c[(int) (pfn & CHUNK_MASK)];
    }

    public boolean isRam(long pfn) {
        return pfn >= firstUsable && pfn < frameCount;
    }

    private Pfn create(long pfn) {
        int ci = (int) (pfn >>> CHUNK_SHIFT);
        Pfn[] c = chunks[ci];
        if (c == null) c = chunks[ci] = new Pfn[1 << CHUNK_SHIFT];
        Pfn e = new Pfn(pfn);
        c[(int) (pfn & CHUNK_MASK)] = e;
        return e;
    }

    /** Pages on a list; the zeroed count includes never-used frames. */
    public long count(byte list) {
        return list == Pfn.ZERO_PAGE_LIST ? count[list] + (frameCount - nextFresh) : count[list];
    }

    /** Pages that can be had without writing anything: zeroed + free + standby. */
    public long availablePages() {
        return count(Pfn.ZERO_PAGE_LIST) + count[Pfn.FREE_PAGE_LIST] + count[Pfn.STANDBY_PAGE_LIST];
    }

    /** Takes a page off the zeroed list (or a never-used frame); -1 if none. */
    long takeZeroed() {
        if (head[Pfn.ZERO_PAGE_LIST] >= 0) return removeHead(Pfn.ZERO_PAGE_LIST);
        if (nextFresh < frameCount) {
            Pfn e = create(nextFresh++);
            return e.pfn;
        }
        return -1;
    }

    long takeFrom(byte list) {
        return head[list] >= 0 ? removeHead(list) : -1;
    }

    long head(byte list) {
        return head[list];
    }

    private long removeHead(byte list) {
        long pfn = head[list];
        unlink(get(pfn));
        return pfn;
    }

    /** Puts the page at the tail of a list (its location becomes that list). */
    void insert(Pfn e, byte list) {
        if (e.linked) unlink(e);
        e.location = list;
        e.linked = true;
        e.flink = -1;
        e.blink = tail[list];
        if (tail[list] >= 0) get(tail[list]).flink = e.pfn;
        else head[list] = e.pfn;
        tail[list] = e.pfn;
        count[list]++;
    }

    /** Removes the page from whatever list it is on; its location becomes TRANSITION until set. */
    void unlink(Pfn e) {
        if (!e.linked) return;
        byte list = e.location;
        if (e.blink >= 0) get(e.blink).flink = e.flink;
        else head[list] = e.flink;
        if (e.flink >= 0) get(e.flink).blink = e.blink;
        else tail[list] = e.blink;
        e.flink = e.blink = -1;
        count[list]--;
        e.linked = false;
        e.location = Pfn.TRANSITION_PAGE;
    }

    /** The entry for a frame about to be used; creates it for frames already past the fresh mark. */
    Pfn entry(long pfn) {
        Pfn e = get(pfn);
        return e != null ? e : create(pfn);
    }
}
