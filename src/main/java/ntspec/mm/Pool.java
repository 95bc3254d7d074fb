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
 * Nonpaged and paged pool (ExAllocatePoolWithTag / ExFreePoolWithTag). Small blocks carry a
 * 16-byte x64 POOL_HEADER in simulated memory and are carved from pool pages; freed blocks are
 * reused by later allocations of the same size without being cleared, so stale bytes show through
 * as they do on Windows. Allocations of a page or more are page aligned and own their pages.
 * Nonpaged pages are resident from the start; paged-pool pages are demand-zero and can be trimmed.
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
    private final long[] nextVa = {MmLayout.NONPAGED_POOL_BASE, MmLayout.PAGED_POOL_BASE};
    private final long[] pageCursor = {0, 0};
    private final Map<Long, ArrayDeque<Long>> freeBlocks = new HashMap<>();
    private long bytesInUse;

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

    public long bytesInUse() {
        return bytesInUse;
    }

    /** The live or freed allocation that contains va, or null. */
    public Allocation find(long va) {
        Map.Entry<Long, Allocation> e = allocations.floorEntry(va);
        if (e == null) return null;
        Allocation a = e.getValue();
        return Long.compareUnsigned(va, a.va + Math.max(a.size, 1)) < 0 ? a : null;
    }

    /**
     * ExAllocatePoolWithTag. Returns 0 (NULL) when memory runs out. Paged pool above APC_LEVEL and
     * any pool above DISPATCH_LEVEL bug-check BAD_POOL_CALLER 0x08 (IRQL, pool type, size).
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
        boolean large = numberOfBytes > MmLayout.PAGE_SIZE - HEADER;
        if (large) {
            long pages = MmLayout.bytesToPages(numberOfBytes);
            va = nextVa[kind];
            if (!backPages(va, pages, kind, poolType)) return 0;
            nextVa[kind] += pages << 12;
        } else {
            long units = (numberOfBytes + HEADER + 15) / 16;
            ArrayDeque<Long> reuse = freeBlocks.get(units * 2 + kind);
            long header;
            if (reuse != null && !reuse.isEmpty()) {
                header = reuse.pollFirst();
            } else {
                if (pageCursor[kind] == 0 || ((pageCursor[kind] & 0xFFF) + units * 16 > MmLayout.PAGE_SIZE)
                        || (pageCursor[kind] & 0xFFF) == 0) {
                    long page = nextVa[kind];
                    if (!backPages(page, 1, kind, poolType)) return 0;
                    nextVa[kind] += MmLayout.PAGE_SIZE;
                    pageCursor[kind] = page;
                }
                header = pageCursor[kind];
                pageCursor[kind] += units * 16;
            }
            // POOL_HEADER (x64): BlockSize in 16-byte units at bits 16-23, PoolType at 24-31, tag at 32-63.
            long poolHeader = (units << 16) | ((long) ((poolType & 0x7F) + 1) << 24) | ((tag & 0xFFFFFFFFL) << 32);
            mm.memory().writeQword(mm.translate(header, ntspec.hw.Access.WRITE, false), poolHeader);
            va = header + HEADER;
        }
        allocations.put(va, new Allocation(va, numberOfBytes, tag, poolType, large));
        bytesInUse += numberOfBytes;
        mm.trace.add(Trace.Kind.NOTE, "pool " + (kind == 1 ? "paged" : "nonpaged") + " allocation (va, size, tag)", va, numberOfBytes, tag);
        return va;
    }

    private boolean backPages(long va, long pages, int kind, int poolType) {
        boolean nx = (poolType & NonPagedPoolNx) != 0 || kind == 1;
        for (long i = 0; i < pages; i++) {
            long pageVa = va + (i << 12);
            if (kind == 1) {
                mm.mmu.writePte(mm.systemDirectoryTableBase, pageVa, Pte.demandZero(Protection.MM_READWRITE), mm.tableAllocator());
                continue;
            }
            long pfn = mm.allocatePage(true);
            if (pfn < 0) return false;
            long ptePa = mm.mmu.walk(mm.systemDirectoryTableBase, pageVa, mm.tableAllocator());
            Pfn e = mm.pfnDb.get(pfn);
            e.referenceCount = 1;
            e.shareCount = 1;
            e.pteAddress = ptePa;
            e.va = pageVa;
            e.protection = Protection.MM_READWRITE;
            e.pteFrame = ptePa >>> 12;
            mm.mmu.writePteAt(ptePa, pageVa, Pte.valid(pfn, true, false, true, nx));
        }
        return true;
    }

    /**
     * ExFreePoolWithTag. Freeing twice bug-checks BAD_POOL_CALLER 0x07 (0, pool header, address);
     * an address that is not the start of an allocation 0x99; above DISPATCH_LEVEL (or paged pool
     * above APC_LEVEL) 0x09.
     */
    public void ExFreePoolWithTag(long va, int tag) {
        Allocation a = allocations.get(va);
        int irql = mm.kernel.KeGetCurrentIrql();
        if (a == null) {
            throw mm.kernel.KeBugCheckEx(BugCheckCode.BAD_POOL_CALLER, 0x99, va, 0, 0);
        }
        if (irql > Irql.DISPATCH_LEVEL || (isPaged(a.poolType) && irql > Irql.APC_LEVEL)) {
            throw mm.kernel.KeBugCheckEx(BugCheckCode.BAD_POOL_CALLER, 0x09, irql, a.poolType, va);
        }
        if (a.freed) {
            long header = a.large ? 0 : mm.memory().readQword(mm.translate(va - HEADER, ntspec.hw.Access.READ, false));
            throw mm.kernel.KeBugCheckEx(BugCheckCode.BAD_POOL_CALLER, 0x07, 0, header, va);
        }
        a.freed = true;
        bytesInUse -= a.size;
        int kind = isPaged(a.poolType) ? 1 : 0;
        if (a.large) {
            long pages = MmLayout.bytesToPages(a.size);
            for (long i = 0; i < pages; i++) releaseSystemPage(va + (i << 12));
        } else {
            long units = (a.size + HEADER + 15) / 16;
            freeBlocks.computeIfAbsent(units * 2 + kind, k -> new ArrayDeque<>()).addLast(va - HEADER);
        }
        mm.trace.add(Trace.Kind.NOTE, "pool free (va, tag)", va, tag);
    }

    /** Unmaps a system page: a later touch bug-checks 0x50; a page still locked by an MDL stays. */
    private void releaseSystemPage(long pageVa) {
        long ptePa = mm.mmu.walk(mm.systemDirectoryTableBase, pageVa, null);
        if (ptePa < 0) return;
        long pte = mm.memory().readQword(ptePa);
        mm.mmu.writePteAt(ptePa, pageVa, 0);
        mm.flushTlb(pageVa);
        if (Pte.isValid(pte)) {
            Pfn e = mm.pfnDb.get(Pte.pfn(pte));
            e.shareCount--;
            e.pteAddress = -1;
            mm.mdl.dereference(e);
        } else if (Pte.isTransition(pte)) {
            Pfn e = mm.pfnDb.get(Pte.pfn(pte));
            mm.pfnDb.unlink(e);
            mm.freePage(e);
        } else if (Pte.pageFileNumber(pte) != 0) {
            mm.pagingFile.release(Pte.pageFileSlot(pte));
        }
    }

    /** Allocates a kernel object (EPROCESS, ETHREAD, MDL) in nonpaged pool. */
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
