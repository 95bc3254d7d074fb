package ntspec.mm;

/**
 * The x64 address-space layout of current Windows (8.1 and later, 128 TB user space;
 * https://github.com/reactos/reactos/blob/master/ntoskrnl/include/internal/amd64/mm.h) and the system regions this machine places in the kernel half.
 */
public final class MmLayout {
    private MmLayout() {}

    public static final long PAGE_SIZE = 0x1000;
    public static final int PAGE_SHIFT = 12;

    public static final long MM_LOWEST_USER_ADDRESS = 0x0000_0000_0001_0000L;
    public static final long MM_HIGHEST_USER_ADDRESS = 0x0000_7FFF_FFFE_FFFFL;
    public static final long MM_USER_PROBE_ADDRESS = 0x0000_7FFF_FFFF_0000L;
    /** MM_HIGHEST_VAD_ADDRESS = MM_HIGHEST_USER_ADDRESS - 64 KB (https://github.com/reactos/reactos/blob/master/ntoskrnl/include/internal/amd64/mm.h). */
    public static final long MM_HIGHEST_VAD_ADDRESS = MM_HIGHEST_USER_ADDRESS - 0x10000;
    public static final long MM_SYSTEM_RANGE_START = 0xFFFF_8000_0000_0000L;

    /** System PTE region (where MDL mappings live), as Windows 7 placed it. */
    public static final long SYSTEM_PTE_BASE = 0xFFFF_F880_0000_0000L;
    public static final long PAGED_POOL_BASE = 0xFFFF_F8A0_0000_0000L;
    public static final long NONPAGED_POOL_BASE = 0xFFFF_FA80_0000_0000L;
    public static final long REGION_SIZE = 0x20_0000_0000L; // 128 GiB per region
    /** Special pool: two pages of VA per allocation, the second never mapped (after the nonpaged-pool region). */
    public static final long SPECIAL_POOL_BASE = NONPAGED_POOL_BASE + REGION_SIZE;

    /** 64 KB allocation granularity of user VADs. */
    public static final long ALLOCATION_GRANULARITY = 0x10000;

    public static boolean isUserAddress(long va) {
        return Long.compareUnsigned(va, MM_HIGHEST_USER_ADDRESS) <= 0;
    }

    public static long pageAlign(long va) {
        return va & ~(PAGE_SIZE - 1);
    }

    public static int byteOffset(long va) {
        return (int) (va & (PAGE_SIZE - 1));
    }

    /** ADDRESS_AND_SIZE_TO_SPAN_PAGES (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-address_and_size_to_span_pages). */
    public static long spanPages(long va, long size) {
        return (byteOffset(va) + size + PAGE_SIZE - 1) >>> PAGE_SHIFT;
    }

    public static long bytesToPages(long bytes) {
        return (bytes + PAGE_SIZE - 1) >>> PAGE_SHIFT;
    }
}
