package ntspec.mm;

/**
 * One PFN database entry (MMPFN): reference and share counts, the list the page is on, the PTE
 * that maps it and where its contents live when it leaves memory.
 */
public final class Pfn {
    // MMLISTS (kernel-rules.md 5.5)
    public static final byte ZERO_PAGE_LIST = 0;
    public static final byte FREE_PAGE_LIST = 1;
    public static final byte STANDBY_PAGE_LIST = 2;
    public static final byte MODIFIED_PAGE_LIST = 3;
    public static final byte MODIFIED_NO_WRITE_PAGE_LIST = 4;
    public static final byte BAD_PAGE_LIST = 5;
    public static final byte ACTIVE_AND_VALID = 6;
    public static final byte TRANSITION_PAGE = 7;
    /** PteFrame marker of pages from MmAllocatePagesForMdl (ReactOS MI_MAGIC_AWE_PTEFRAME 0x1FFEDCB). */
    public static final long MDL_PAGES_PTE_FRAME = 0x1FFEDCBL;

    public final long pfn;
    /** u3.ReferenceCount: 1 while mapped by a valid PTE (or otherwise in use), +1 per MDL lock. */
    int referenceCount;
    /** u2.ShareCount: number of valid PTEs that map the page. */
    int shareCount;
    byte location = ZERO_PAGE_LIST;
    /** Physical address of the PTE that maps (or last mapped) the page; -1 for none. */
    long pteAddress = -1;
    /** The VA that PTE maps, for TLB invalidation and dumps. */
    long va;
    /** The protection to restore when the page leaves memory (OriginalPte's Protection). */
    int protection;
    /** Paging-file slot holding a copy of the contents, -1 for none. */
    long pageFileSlot = -1;
    /** u4.PteFrame: PFN of the page table holding the PTE, or a marker. */
    long pteFrame;
    boolean pageTable;
    /** u3.e1.CacheAttribute: 0 non-cached, 1 cached, 2 write-combined, 3 not mapped. */
    byte cacheAttribute = 1;
    // List links (Flink/Blink), -1 = none.
    long flink = -1;
    long blink = -1;
    boolean linked;
    /** u3.e1.Modified: contents differ from any paging-file copy (set by a write MDL's unlock too). */
    boolean modified;

    Pfn(long pfn) {
        this.pfn = pfn;
    }

    public int referenceCount() {
        return referenceCount;
    }

    public int shareCount() {
        return shareCount;
    }

    public byte location() {
        return location;
    }

    public long pteAddress() {
        return pteAddress;
    }

    public long pageFileSlot() {
        return pageFileSlot;
    }

    public long pteFrame() {
        return pteFrame;
    }

    /** MDL locks on the page: references beyond the one its mapping holds. */
    public int lockCount() {
        return referenceCount - (shareCount > 0 ? 1 : 0);
    }

    public static String locationName(byte location) {
        return switch (location) {
            case ZERO_PAGE_LIST -> "Zeroed";
            case FREE_PAGE_LIST -> "Free";
            case STANDBY_PAGE_LIST -> "Standby";
            case MODIFIED_PAGE_LIST -> "Modified";
            case MODIFIED_NO_WRITE_PAGE_LIST -> "ModifiedNoWrite";
            case BAD_PAGE_LIST -> "Bad";
            case ACTIVE_AND_VALID -> "Active";
            case TRANSITION_PAGE -> "Transition";
            default -> "?" + location;
        };
    }
}
