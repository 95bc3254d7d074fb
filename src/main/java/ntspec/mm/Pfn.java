package ntspec.mm;

/**
 * The values an MMPFN entry holds (ReactOS MMPFN, https://github.com/reactos/reactos/blob/master/ntoskrnl/include/internal/mm.h): page locations (MMLISTS), the cache
 * attributes, and the PteFrame marker of MmAllocatePagesForMdl pages. The entries themselves live
 * in {@link PfnDatabase}'s primitive arrays.
 */
public final class Pfn {
    private Pfn() {}

    // MMLISTS
    public static final byte ZERO_PAGE_LIST = 0;
    public static final byte FREE_PAGE_LIST = 1;
    public static final byte STANDBY_PAGE_LIST = 2;
    public static final byte MODIFIED_PAGE_LIST = 3;
    public static final byte MODIFIED_NO_WRITE_PAGE_LIST = 4;
    public static final byte BAD_PAGE_LIST = 5;
    public static final byte ACTIVE_AND_VALID = 6;
    public static final byte TRANSITION_PAGE = 7;

    // u3.e1.CacheAttribute (MI_PFN_CACHE_ATTRIBUTE): what mappings of the frame must use.
    public static final byte MI_NON_CACHED = 0;
    public static final byte MI_CACHED = 1;
    public static final byte MI_WRITE_COMBINED = 2;
    /** No attribute yet: pages from MmAllocatePagesForMdl(Ex) take the first mapping's CacheType. */
    public static final byte MI_NOT_MAPPED = 3;

    /** PteFrame marker of pages from MmAllocatePagesForMdl (ReactOS MI_MAGIC_AWE_PTEFRAME 0x1FFEDCB). */
    public static final long MDL_PAGES_PTE_FRAME = 0x1FFEDCBL;

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

    public static String cacheName(int attribute) {
        return switch (attribute) {
            case MI_NON_CACHED -> "NonCached";
            case MI_CACHED -> "Cached";
            case MI_WRITE_COMBINED -> "WriteCombined";
            default -> "NotMapped";
        };
    }
}
