package ntspec.mm;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import ntspec.hw.Pte;
import ntspec.ke.BugCheckCode;
import ntspec.ke.Irql;
import ntspec.trace.Trace;

/**
 * Nonpaged and paged pool (ExAllocatePoolWithTag / ExFreePoolWithTag) and the lookaside lists the
 * I/O manager allocates MDLs and IRPs from.
 *
 * <p>Small blocks carry the 16-byte x64 POOL_HEADER in simulated memory (PreviousSize, BlockSize in
 * 16-byte units, PoolType + 1 with 0 meaning free, PoolTag) and are carved from pool pages. Freed
 * blocks are reused by later allocations of the same size without being cleared, so stale bytes show
 * through, and the headers are what the free path checks, as classic pool does: a block freed twice
 * (its header already says free) is BAD_POOL_CALLER 0x07, a neighbour whose header contradicts the
 * block being freed is BAD_POOL_HEADER 0x05, a freed header written after the free is found when the
 * block is handed out again (0x19 0x0D). Allocations bigger than a small block own whole pages: the
 * pool keeps them in a big-page table (Java-side, as Windows keeps PoolBigPageTable apart from the
 * pages). Nonpaged pages are resident from the start; paged pool is demand-zero until touched.
 * Sources: https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x19--bad-pool-header,
 * https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc2--bad-pool-caller,
 * https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exallocatepoolwithtag.
 */
public final class Pool {
    public static final int NonPagedPool = 0;
    public static final int PagedPool = 1;
    public static final int NonPagedPoolMustSucceed = 2;
    public static final int NonPagedPoolCacheAligned = 4;
    public static final int PagedPoolCacheAligned = 5;
    public static final int NonPagedPoolNx = 512;
    public static final int NonPagedPoolNxCacheAligned = 516;
    static final int HEADER = 16;
    /** Largest request served from a small block: BlockSize is 8 bits of 16-byte units. */
    static final long SMALL_MAX = 255 * 16 - HEADER;
    /** Lookaside lists keep at most this many free blocks; the rest go back to pool. */
    static final int LOOKASIDE_DEPTH = 256;

    /** One allocation: where it is, its size and tag, and whether it has been freed. */
    public static final class Allocation {
        public final long va;
        public final long size;
        public final int tag;
        public final int poolType;
        final boolean large;
        boolean freed;

        Allocation(long va, long size, int tag, int poolType, boolean large) {
            this.va = va;
            this.size = size;
            this.tag = tag;
            this.poolType = poolType;
            this.large = large;
        }

        public boolean isFreed() {
            return freed;
        }
    }

    private final Mm mm;
    private final TreeMap<Long, Allocation> allocations = new TreeMap<>();
    /** Where the next small-block page goes (the low half of each pool region). */
    private final long[] nextVa = {MmLayout.NONPAGED_POOL_BASE, MmLayout.PAGED_POOL_BASE};
    /** Where the next allocation of whole pages goes (the high half). */
    private final long[] bigVa = {MmLayout.NONPAGED_POOL_BASE + MmLayout.REGION_SIZE / 2, MmLayout.PAGED_POOL_BASE + MmLayout.REGION_SIZE / 2};
    private final long[] pageCursor = {0, 0};
    private final int[] lastUnits = {0, 0};
    /** Nonpaged pool grows by segments of this many pages: the bytes after a small block are mapped pool. */
    static final int SEGMENT_PAGES = 16;
    /** Pages already backed past nextVa (the rest of the current segment). */
    private final long[] segmentLeft = {0, 0};
    /** For each pool page carved into small blocks: where the carved part ends. */
    private final Map<Long, Long> carvedEnd = new HashMap<>();
    private final Map<Long, ArrayDeque<Long>> freeBlocks = new HashMap<>();
    /** Lookaside lists by block size and tag: free blocks parked for reuse without a pool free. */
    private final Map<Long, ArrayDeque<Long>> lookasides = new HashMap<>();
    private long bytesInUse;
    private long pagedPagesCommitted;

    Pool(Mm mm) {
        this.mm = mm;
    }

    public static boolean isPaged(int poolType) {
        return (poolType & 1) == 1;
    }

    public boolean isPagedPoolAddress(long va) {
        return Long.compareUnsigned(va, MmLayout.PAGED_POOL_BASE) >= 0
                && Long.compareUnsigned(va, MmLayout.PAGED_POOL_BASE + MmLayout.REGION_SIZE) < 0;
    }

    public boolean isNonPagedPoolAddress(long va) {
        return Long.compareUnsigned(va, MmLayout.NONPAGED_POOL_BASE) >= 0
                && Long.compareUnsigned(va, MmLayout.NONPAGED_POOL_BASE + MmLayout.REGION_SIZE) < 0;
    }

    /** Bytes of live allocations, blocks parked on lookaside lists included (as !poolused counts them). */
    public long bytesInUse() {
        return bytesInUse;
    }

    /** Every allocation the pool has made (freed ones too, until their address is reused). */
    public java.util.Collection<Allocation> allocations() {
        return java.util.Collections.unmodifiableCollection(allocations.values());
    }

    /** The live or freed allocation that contains va, or null. */
    public Allocation find(long va) {
        Map.Entry<Long, Allocation> e = allocations.floorEntry(va);
        if (e == null) return null;
        Allocation a = e.getValue();
        return Long.compareUnsigned(va, a.va + Math.max(a.size, 1)) < 0 ? a : null;
    }

    /** True when a paged-pool page belongs to a live allocation (its zero PTE is demand-zero). */
    boolean isLivePagedPage(long va) {
        long page = MmLayout.pageAlign(va);
        Allocation a = find(page);
        if (a == null) a = find(page + 0xFFF); // a small block may start later in the page
        if (a != null && !a.freed && isPaged(a.poolType)) return true;
        Long end = carvedEnd.get(page);
        return end != null; // a page carved into small paged blocks stays committed
    }

    /**
     * ExAllocatePoolWithTag. Returns 0 (NULL) when the request cannot be met: nonpaged pool without
     * enough resident pages (nothing is kept of a request that fails), paged pool beyond the commit
     * the machine has. Paged pool above APC_LEVEL and any pool above DISPATCH_LEVEL bug-check
     * BAD_POOL_CALLER 0x08 (IRQL, pool type, size); a zero-byte request 0x00.
     */
    public long ExAllocatePoolWithTag(int poolType, long numberOfBytes, int tag) {
        int irql = mm.kernel.KeGetCurrentIrql();
        if (irql > Irql.DISPATCH_LEVEL || (isPaged(poolType) && irql > Irql.APC_LEVEL)) {
            throw mm.kernel.KeBugCheckEx(BugCheckCode.BAD_POOL_CALLER, 0x08, irql, poolType, numberOfBytes);
        }
        if (numberOfBytes == 0) {
            throw mm.kernel.KeBugCheckEx(BugCheckCode.BAD_POOL_CALLER, 0x00, 0, poolType, tag);
        }
        int kind = isPaged(poolType) ? 1 : 0;
        long va;
        boolean large = Long.compareUnsigned(numberOfBytes, SMALL_MAX) > 0;
        if (large) {
            // SIZE_T is unsigned: a request past the region (or past what can be committed) fails at once.
            if (Long.compareUnsigned(numberOfBytes, MmLayout.REGION_SIZE / 2) > 0) return failed(poolType, numberOfBytes);
            long pages = MmLayout.bytesToPages(numberOfBytes);
            if (bigVa[kind] + (pages << 12) > regionBase(kind) + MmLayout.REGION_SIZE) return failed(poolType, numberOfBytes);
            va = bigVa[kind];
            if (!backPages(va, pages, kind, poolType)) return failed(poolType, numberOfBytes);
            bigVa[kind] += pages << 12;
        } else {
            int units = (int) ((numberOfBytes + HEADER + 15) / 16);
            long header = takeFreeBlock(units, kind);
            if (header == 0) {
                if (pageCursor[kind] == 0 || (pageCursor[kind] & 0xFFF) + units * 16L > MmLayout.PAGE_SIZE
                        || (pageCursor[kind] & 0xFFF) == 0) {
                    long page = nextVa[kind];
                    if (page >= regionBase(kind) + MmLayout.REGION_SIZE / 2) return failed(poolType, numberOfBytes);
                    if (segmentLeft[kind] == 0) {
                        long want = kind == 0 ? SEGMENT_PAGES : 1;
                        if (!backPages(page, want, kind, poolType) && (want == 1 || !backPages(page, want = 1, kind, poolType))) {
                            return failed(poolType, numberOfBytes);
                        }
                        segmentLeft[kind] = want;
                    }
                    segmentLeft[kind]--;
                    nextVa[kind] += MmLayout.PAGE_SIZE;
                    pageCursor[kind] = page;
                    lastUnits[kind] = 0;
                }
                header = pageCursor[kind];
                pageCursor[kind] += units * 16L;
                carvedEnd.put(MmLayout.pageAlign(header), pageCursor[kind]);
                mm.write(header, 8, lastUnits[kind]); // PreviousSize: the block carved before it
                lastUnits[kind] = units;
            }
            // POOL_HEADER (x64): PreviousSize bits 0-7, BlockSize 16-23, PoolType 24-31, PoolTag 32-63.
            long previousSize = mm.read(header, 8) & 0xFF;
            long poolHeader = previousSize | ((long) units << 16) | ((long) ((poolType & 0x7F) + 1) << 24) | ((tag & 0xFFFFFFFFL) << 32);
            mm.write(header, 8, poolHeader);
            mm.write(header + 8, 8, 0);
            va = header + HEADER;
        }
        allocations.put(va, new Allocation(va, numberOfBytes, tag, poolType, large));
        bytesInUse += numberOfBytes;
        mm.trace.add(Trace.Kind.NOTE, "pool " + (kind == 1 ? "paged" : "nonpaged") + " allocation (va, size, tag)", va, numberOfBytes, tag);
        return va;
    }

    private static long regionBase(int kind) {
        return kind == 1 ? MmLayout.PAGED_POOL_BASE : MmLayout.NONPAGED_POOL_BASE;
    }

    private long failed(int poolType, long numberOfBytes) {
        mm.trace.add(Trace.Kind.NOTE, "pool allocation failed (type, size)", poolType, numberOfBytes);
        return 0;
    }

    /** A freed small block of the size for reuse; its header must still say free (else 0x19 0x0D). */
    private long takeFreeBlock(int units, int kind) {
        ArrayDeque<Long> reuse = freeBlocks.get(units * 2L + kind);
        if (reuse == null || reuse.isEmpty()) return 0;
        long header = reuse.pollFirst();
        long h = mm.read(header, 8);
        if (((h >>> 24) & 0xFF) != 0 || ((h >>> 16) & 0xFF) != units) {
            // The header of a freed block was modified after the free: usually the block before it overran.
            throw mm.kernel.KeBugCheckEx(BugCheckCode.BAD_POOL_HEADER, 0x0D, 0, 0, 0);
        }
        return header;
    }

    /**
     * Backs pool pages. Nonpaged: a resident page each, or nothing at all when not enough pages can
     * be had. Paged: nothing is touched now (the pages are demand-zero), only commit is charged.
     */
    private boolean backPages(long va, long pages, int kind, int poolType) {
        if (kind == 1) {
            long limit = mm.pfnDb.frameCount() + mm.pagingFile.slots();
            if (pagedPagesCommitted + pages > limit) return false;
            pagedPagesCommitted += pages;
            return true;
        }
        if (pages > mm.pfnDb.availablePages() + mm.pfnDb.count(Pfn.MODIFIED_PAGE_LIST)) return false;
        boolean nx = (poolType & NonPagedPoolNx) != 0;
        for (long i = 0; i < pages; i++) {
            long pageVa = va + (i << 12);
            long pfn = mm.allocatePage(true);
            if (pfn < 0) {
                for (long j = 0; j < i; j++) releaseSystemPage(va + (j << 12));
                return false;
            }
            mm.mapSystemPage(pageVa, pfn, nx);
        }
        return true;
    }

    /**
     * ExFreePoolWithTag. A user address is BAD_POOL_CALLER 0x40; an address that is not the start
     * of an allocation 0x99; a block whose header says it is free already 0x07 (0, header, address);
     * above DISPATCH_LEVEL (or paged pool above APC_LEVEL) 0x09; a tag that differs from the
     * allocation's 0x0A (address, tag given, tag expected).
     */
    public void ExFreePoolWithTag(long va, int tag) {
        int irql = mm.kernel.KeGetCurrentIrql();
        if (SpecialPool.contains(va)) {
            mm.specialPool.free(va);
            return;
        }
        if (MmLayout.isUserAddress(va)) {
            throw mm.kernel.KeBugCheckEx(BugCheckCode.BAD_POOL_CALLER, 0x40, va, MmLayout.MM_SYSTEM_RANGE_START, 0);
        }
        Allocation a = allocations.get(va);
        if (a == null) {
            throw mm.kernel.KeBugCheckEx(BugCheckCode.BAD_POOL_CALLER, 0x99, va, 0, 0);
        }
        if (irql > Irql.DISPATCH_LEVEL || (isPaged(a.poolType) && irql > Irql.APC_LEVEL)) {
            throw mm.kernel.KeBugCheckEx(BugCheckCode.BAD_POOL_CALLER, 0x09, irql, a.poolType, va);
        }
        int kind = isPaged(a.poolType) ? 1 : 0;
        if (a.large) {
            if (a.freed) throw mm.kernel.KeBugCheckEx(BugCheckCode.BAD_POOL_CALLER, 0x07, 0, 0, va);
            checkTag(va, tag, a.tag);
            long pages = MmLayout.bytesToPages(a.size);
            for (long i = 0; i < pages; i++) releaseSystemPage(va + (i << 12));
            if (kind == 1) pagedPagesCommitted -= pages;
        } else {
            long header = va - HEADER;
            long h = mm.read(header, 8);
            int units = (int) ((h >>> 16) & 0xFF);
            if (((h >>> 24) & 0xFF) == 0) {
                throw mm.kernel.KeBugCheckEx(BugCheckCode.BAD_POOL_CALLER, 0x07, 0, h, va);
            }
            if (units == 0) throw mm.kernel.KeBugCheckEx(BugCheckCode.BAD_POOL_HEADER, 0x08, 0, 0, header);
            int expected = (int) ((a.size + HEADER + 15) / 16);
            if (units != expected) throw mm.kernel.KeBugCheckEx(BugCheckCode.BAD_POOL_HEADER, 0x07, 0, 0, header);
            checkTag(va, tag, (int) (h >>> 32));
            long next = header + units * 16L;
            Long end = carvedEnd.get(MmLayout.pageAlign(header));
            if (end != null && next < end && MmLayout.pageAlign(next) == MmLayout.pageAlign(header)) {
                long nh = mm.read(next, 8);
                if ((nh & 0xFF) != units) {
                    // Adjacent headers contradict each other: this block (or the next) was overrun.
                    throw mm.kernel.KeBugCheckEx(BugCheckCode.BAD_POOL_HEADER, 0x05, header, 0, next);
                }
            }
            mm.write(header, 8, h & ~(0xFFL << 24)); // PoolType 0: free
            freeBlocks.computeIfAbsent(units * 2L + kind, k -> new ArrayDeque<>()).addLast(header);
        }
        if (!a.freed) bytesInUse -= a.size;
        a.freed = true;
        mm.trace.add(Trace.Kind.NOTE, "pool free (va, tag)", va, tag);
    }

    /** ExFreePoolWithTag with a tag compares it with the allocation's (0 = ExFreePool, no check). */
    private void checkTag(long va, int given, int expected) {
        if (given != 0 && given != expected) {
            throw mm.kernel.KeBugCheckEx(BugCheckCode.BAD_POOL_CALLER, 0x0A, va, given & 0xFFFFFFFFL, expected & 0xFFFFFFFFL);
        }
    }

    /** Unmaps a system page: a later touch bug-checks 0x50; a page still locked by an MDL stays until unlocked. */
    private void releaseSystemPage(long pageVa) {
        long ptePa = mm.mmu.walk(mm.systemDirectoryTableBase, pageVa, null);
        if (ptePa < 0) return;
        long pte = mm.memory().readQword(ptePa);
        mm.mmu.writePteAt(ptePa, pageVa, 0);
        mm.flushTlb(pageVa);
        if (Pte.isValid(pte)) {
            long pfn = Pte.pfn(pte);
            mm.pfnDb.addShare(pfn, -1);
            mm.pfnDb.setPteAddress(pfn, -1);
            mm.mdl.dereference(pfn);
        } else if (Pte.isTransition(pte)) {
            long pfn = Pte.pfn(pte);
            mm.pfnDb.setPteAddress(pfn, -1);
            if (mm.pfnDb.referenceCount(pfn) == 0) {
                mm.pfnDb.unlink(pfn);
                mm.freePage(pfn);
            }
        } else if (Pte.pageFileNumber(pte) != 0) {
            mm.pagingFile.release(Pte.pageFileSlot(pte));
        }
    }

    // ------------------------------------------------------------------ lookaside lists

    private static long lookasideKey(long size, int tag) {
        return (size << 32) | (tag & 0xFFFFFFFFL);
    }

    /**
     * ExAllocateFromNPagedLookasideList: the most recently freed block of that size and tag, as it
     * was left (no header check, no clearing), or a new nonpaged allocation; 0 when pool is out.
     */
    public long allocateFromLookaside(long size, int tag) {
        ArrayDeque<Long> list = lookasides.get(lookasideKey(size, tag));
        if (list != null && !list.isEmpty()) {
            long va = list.pollFirst();
            mm.trace.add(Trace.Kind.NOTE, "lookaside allocation (va, size, tag)", va, size, tag);
            return va;
        }
        return ExAllocatePoolWithTag(NonPagedPoolNx, size, tag);
    }

    /**
     * ExFreeToNPagedLookasideList: the block is pushed on the list without any check, so a block
     * freed twice is handed out twice; past the list's depth it goes back to pool.
     */
    public void freeToLookaside(long va, long size, int tag) {
        ArrayDeque<Long> list = lookasides.computeIfAbsent(lookasideKey(size, tag), k -> new ArrayDeque<>());
        if (list.size() >= LOOKASIDE_DEPTH) {
            ExFreePoolWithTag(va, tag);
            return;
        }
        list.addFirst(va);
        mm.trace.add(Trace.Kind.NOTE, "lookaside free (va, size, tag)", va, size, tag);
    }

    /** Returns every block parked on a lookaside list to pool (ExAdjustLookasideDepth shrinking to 0). */
    public void trimLookasides() {
        for (Map.Entry<Long, ArrayDeque<Long>> e : lookasides.entrySet()) {
            int tag = (int) (long) e.getKey();
            while (!e.getValue().isEmpty()) {
                long va = e.getValue().pollFirst();
                Allocation a = allocations.get(va);
                if (a != null && !a.freed) ExFreePoolWithTag(va, tag);
            }
        }
    }

    /** True while the block at va is parked on a lookaside list (freed by its owner, not to pool). */
    public boolean isOnLookasideList(long va) {
        for (ArrayDeque<Long> list : lookasides.values()) if (list.contains(va)) return true;
        return false;
    }

    /** Allocates a kernel object (EPROCESS, ETHREAD) in nonpaged pool; the machine cannot run without it. */
    public long allocateObject(long size, int tag) {
        long va = ExAllocatePoolWithTag(NonPagedPoolNx, size, tag);
        if (va == 0) throw mm.kernel.KeBugCheckEx(BugCheckCode.MEMORY_MANAGEMENT, 0x41793, size, tag, 0);
        return va;
    }

    public static int tag(String fourChars) {
        int t = 0;
        for (int i = 0; i < 4; i++) t |= (i < fourChars.length() ? fourChars.charAt(i) & 0xFF : ' ') << (8 * i);
        return t;
    }
}
