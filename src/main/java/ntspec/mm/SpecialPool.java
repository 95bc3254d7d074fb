package ntspec.mm;

import java.util.TreeMap;
import ntspec.hw.Pte;
import ntspec.ke.BugCheckCode;

/**
 * Special pool ("Verify End"): each allocation gets a page of its own, with the buffer placed at
 * the end of the page, the bytes before it (and any slack after it) filled with a pattern, and
 * the next page of VA never mapped. A read or write past the end faults on that page at once; a
 * touch after the free faults on the unmapped page; slack overwritten is found at the free.
 * Driver Verifier's Special Pool option (0x1) sends a verified driver's allocations of less than
 * a page here (https://learn.microsoft.com/windows-hardware/drivers/devtest/special-pool). VA is
 * not reused, so every freed allocation stays recognisable.
 */
public final class SpecialPool {
    /** The byte the unused part of a special-pool page holds. */
    static final int PATTERN = 0xAA;

    /** One allocation: its page, where the buffer starts and its size, freed or not. */
    public record Block(long page, long va, long size, int tag, boolean freed) {
    }

    private final Mm mm;
    private final TreeMap<Long, Block> byPage = new TreeMap<>();
    private long next = MmLayout.SPECIAL_POOL_BASE;
    private long bytesInUse;

    SpecialPool(Mm mm) {
        this.mm = mm;
    }

    public static boolean contains(long va) {
        return Long.compareUnsigned(va, MmLayout.SPECIAL_POOL_BASE) >= 0
                && Long.compareUnsigned(va, MmLayout.SPECIAL_POOL_BASE + MmLayout.REGION_SIZE) < 0;
    }

    /** An allocation of {@code size} bytes (less than a page) ending at its page's end, or 0 when no page can be had. */
    public long allocate(long size, int tag) {
        if (size <= 0 || size > MmLayout.PAGE_SIZE - 16) return 0;
        long pfn = mm.allocatePage(true);
        if (pfn < 0) return 0;
        long page = next;
        next += 2 * MmLayout.PAGE_SIZE;
        mm.mapSystemPage(page, pfn, true);
        long va = page + MmLayout.PAGE_SIZE - ((size + 15) & ~15L);
        for (long a = page; a < page + MmLayout.PAGE_SIZE; a += 8) {
            if (a + 8 <= va || a >= va + size) mm.write(a, 8, 0xAAAA_AAAA_AAAA_AAAAL);
        }
        for (long a = va + size; a < page + MmLayout.PAGE_SIZE; a++) mm.write(a, 1, PATTERN);
        byPage.put(page, new Block(page, va, size, tag, false));
        bytesInUse += size;
        mm.trace.add(ntspec.trace.Trace.Kind.NOTE, "special pool allocation (va, size, tag)", va, size, tag);
        return va;
    }

    /** The allocation whose page (or guard page) holds va, or null. */
    public Block blockAt(long va) {
        var e = byPage.floorEntry(va & ~(MmLayout.PAGE_SIZE - 1));
        if (e == null || va - e.getKey() >= 2 * MmLayout.PAGE_SIZE) return null;
        return e.getValue();
    }

    public boolean isLive(long va) {
        Block b = blockAt(va);
        return b != null && !b.freed && b.va == va;
    }

    /**
     * ExFreePool of a special-pool address: the slack after the buffer must still hold the pattern
     * (else SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION with subclass 0x24); then the page goes and
     * its VA stays unmapped.
     */
    void free(long va) {
        Block b = blockAt(va);
        if (b == null || b.va != va) {
            throw mm.kernel.KeBugCheckEx(BugCheckCode.SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION, va, 0, 0, 0x21);
        }
        if (b.freed) throw mm.kernel.KeBugCheckEx(BugCheckCode.PAGE_FAULT_IN_FREED_SPECIAL_POOL, va, 0, 0, 0);
        for (long a = va + b.size; a < b.page + MmLayout.PAGE_SIZE; a++) {
            if (mm.read(a, 1) != PATTERN) {
                throw mm.kernel.KeBugCheckEx(BugCheckCode.SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION, va, a, 0, 0x24);
            }
        }
        long ptePa = mm.mmu.walk(mm.systemDirectoryTableBase, b.page, null);
        long pte = mm.memory().readQword(ptePa);
        mm.mmu.writePteAt(ptePa, b.page, 0);
        mm.flushTlb(b.page);
        if (Pte.isValid(pte)) {
            long pfn = Pte.pfn(pte);
            mm.pfnDb.addShare(pfn, -1);
            mm.pfnDb.setPteAddress(pfn, -1);
            mm.mdl.dereference(pfn);
        }
        byPage.put(b.page, new Block(b.page, b.va, b.size, b.tag, true));
        bytesInUse -= b.size;
        mm.trace.add(ntspec.trace.Trace.Kind.NOTE, "special pool free (va)", va);
    }

    public long bytesInUse() {
        return bytesInUse;
    }

    /**
     * The bug check for a fault at va in special pool: freed memory is 0xCC (0xD5 from a driver's
     * code); anything else, the guard page past the end above all, is 0xCD (0xD6 from a driver's
     * code). Parameters: the address, 0 read / 1 write, the faulting code, reserved.
     */
    RuntimeException fault(long va, boolean write, long ip) {
        Block b = blockAt(va);
        boolean driver = mm.kernel.runningDriverCode();
        int code = b != null && b.freed
                ? (driver ? BugCheckCode.DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL : BugCheckCode.PAGE_FAULT_IN_FREED_SPECIAL_POOL)
                : (driver ? BugCheckCode.DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION : BugCheckCode.PAGE_FAULT_BEYOND_END_OF_ALLOCATION);
        throw mm.kernel.KeBugCheckEx(code, va, write ? 1 : 0, ip, 0);
    }
}
