package ntspec.mm;

import ntspec.hw.Pte;
import ntspec.ke.BugCheckCode;
import ntspec.ke.Irql;
import ntspec.trace.Trace;

/**
 * Physically contiguous memory (MmAllocateContiguousMemory(SpecifyCache), MmFreeContiguousMemory)
 * and non-cached memory (MmAllocateNonCachedMemory, MmFreeNonCachedMemory), as ReactOS's
 * https://github.com/reactos/reactos/blob/master/ntoskrnl/mm/ARM3/contmem.c and
 * https://github.com/reactos/reactos/blob/master/ntoskrnl/mm/ARM3/ncache.c build them, under the
 * contracts of https://learn.microsoft.com/windows-hardware/drivers/ddi/ntddk/nf-ntddk-mmallocatecontiguousmemoryspecifycache,
 * https://learn.microsoft.com/windows-hardware/drivers/ddi/ntddk/nf-ntddk-mmfreecontiguousmemory and
 * https://learn.microsoft.com/windows-hardware/drivers/ddi/ntddk/nf-ntddk-mmallocatenoncachedmemory.
 *
 * <p>Contiguous memory: the PFN database is scanned for a run of free or zeroed frames within the
 * bounds that crosses no multiple of BoundaryAddressMultiple (MiFindContiguousPages); the run is
 * taken (reference and share count 1, active, StartOfAllocation on its first frame and
 * EndOfAllocation on its last) and mapped in system PTEs (ReactOS maps it with MmMapIoSpace), each
 * PTE with the cache bits of CacheType. The memory is not zeroed ("uninitialized", MS). ReactOS
 * first tries a cached request from nonpaged pool, which is contiguous when it came from initial
 * nonpaged pool; this machine's nonpaged pool has no such region, so every request takes the
 * PFN-database path -- which ReactOS refuses above APC_LEVEL ("the system won't try anything else"):
 * NULL there. MmFreeContiguousMemory finds the allocation by the StartOfAllocation bit of the frame
 * the address maps; an address that is not the start of one is BAD_POOL_CALLER 0x60 (address, 0, 0)
 * (https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc2--bad-pool-caller).
 *
 * <p>Non-cached memory: pages from the MDL page allocator (all of them or none), mapped non-cached
 * in system PTEs after one extra PTE. ReactOS keeps the MDL's address in that extra PTE; this
 * machine keeps it beside the PTE (the PTE stays zero, so it never reads as a software PTE) and
 * MmFreeNonCachedMemory looks it up by the address it is given, as ReactOS reads the PTE: an
 * address that was not allocated finds NULL and faults on it.
 *
 * <p>Cache bits as the rest of the machine maps them (PAT entries as Windows programs them):
 * MmNonCached PCD | PWT (PAT entry 3, UC), MmWriteCombined PWT (PAT entry 1, WC), MmCached none
 * (entry 0, WB).
 */
public final class ContiguousMemory {
    private static final long PAGE = MmLayout.PAGE_SIZE;

    private final Mm mm;
    /** MmAllocateNonCachedMemory's shadow MDL pointers, by the address returned. */
    private final java.util.Map<Long, Long> nonCachedMdls = new java.util.HashMap<>();

    ContiguousMemory(Mm mm) {
        this.mm = mm;
    }

    /** BYTES_TO_PAGES without overflow for any SIZE_T. */
    private static long pages(long bytes) {
        return (bytes >>> 12) + ((bytes & 0xFFF) != 0 ? 1 : 0);
    }

    /**
     * MmAllocateContiguousMemorySpecifyCache: LowestAcceptableAddress rounds up to a frame,
     * HighestAcceptableAddress down (and to MmHighestPhysicalPage); a BoundaryAddressMultiple that
     * is not page aligned, or bounds that leave no frame, give NULL.
     */
    public long MmAllocateContiguousMemorySpecifyCache(long numberOfBytes, long lowestAcceptableAddress, long highestAcceptableAddress,
                                                       long boundaryAddressMultiple, int cacheType) {
        mm.kernel.ASSERT(numberOfBytes != 0, "NumberOfBytes != 0");
        mm.kernel.ASSERT(Integer.compareUnsigned(cacheType, MdlRoutines.MmWriteCombined) <= 0, "CacheType <= MmWriteCombined");
        long lowestPfn = (lowestAcceptableAddress >>> 12) + ((lowestAcceptableAddress & 0xFFF) != 0 ? 1 : 0);
        if ((boundaryAddressMultiple & 0xFFF) != 0) return 0;
        long boundaryPfn = boundaryAddressMultiple >>> 12;
        long highestPfn = Math.min(highestAcceptableAddress >>> 12, mm.pfnDb.highestPhysicalPage());
        if (lowestPfn > highestPfn) return 0;
        return allocate(numberOfBytes, lowestPfn, highestPfn, boundaryPfn, cacheType);
    }

    /** MmAllocateContiguousMemory: cached, from frame 0 up to HighestAcceptableAddress, no boundary. */
    public long MmAllocateContiguousMemory(long numberOfBytes, long highestAcceptableAddress) {
        mm.kernel.ASSERT(numberOfBytes != 0, "NumberOfBytes != 0");
        long highestPfn = Math.min(highestAcceptableAddress >>> 12, mm.pfnDb.highestPhysicalPage());
        return allocate(numberOfBytes, 0, highestPfn, 0, MdlRoutines.MmCached);
    }

    private long allocate(long numberOfBytes, long lowestPfn, long highestPfn, long boundaryPfn, int cacheType) {
        if (mm.kernel.KeGetCurrentIrql() > Irql.APC_LEVEL) {
            mm.trace.add(Trace.Kind.NOTE, "contiguous memory is not searched for above APC_LEVEL");
            return 0;
        }
        long count = pages(numberOfBytes);
        long first = mm.pfnDb.findFreeRun(lowestPfn, highestPfn, count, boundaryPfn);
        if (first < 0) {
            mm.trace.add(Trace.Kind.NOTE, "no run of free frames for the contiguous allocation (pages, lowest, highest)", count, lowestPfn, highestPfn);
            return 0;
        }
        long base = mm.systemPtes.reserve(count);
        if (base == 0) {
            mm.trace.add(Trace.Kind.NOTE, "no system PTEs for the contiguous allocation (pages, free)", count, mm.systemPtes.free());
            return 0;
        }
        int attribute = MdlRoutines.attributeOf(cacheType);
        long bits = MdlRoutines.cacheBits(attribute);
        for (long i = 0; i < count; i++) {
            long pfn = first + i;
            long va = base + i * PAGE;
            mm.pfnDb.takeChosen(pfn);
            mm.pfnDb.reset(pfn);
            mm.mapSystemPage(va, pfn, false);
            mm.pfnDb.setCacheAttribute(pfn, attribute);
            if (bits != 0) mm.systemPtes.map(va, pfn, true, false, bits);
        }
        mm.pfnDb.setStartOfAllocation(first, true);
        mm.pfnDb.setEndOfAllocation(first + count - 1, true);
        mm.trace.add(Trace.Kind.NOTE, "contiguous frames (first PFN, pages)", first, count);
        return base;
    }

    /**
     * MmFreeContiguousMemory: the frame the address maps must start an allocation, else
     * BAD_POOL_CALLER 0x60 (address, 0, 0) -- an address inside the allocation, one freed already,
     * one never allocated. The mapping goes (its PTEs zeroed and shot down, back to the pool), then
     * each frame's share count and reference: a frame nobody else holds goes to the free list.
     */
    public void MmFreeContiguousMemory(long baseAddress) {
        mm.kernel.ASSERT(mm.kernel.KeGetCurrentIrql() <= Irql.DISPATCH_LEVEL, "KeGetCurrentIrql() <= DISPATCH_LEVEL");
        long pfn = Pte.pfn(mm.systemPtes.read(baseAddress));
        if (!mm.pfnDb.exists(pfn) || !mm.pfnDb.isStartOfAllocation(pfn)) {
            throw mm.kernel.KeBugCheckEx(BugCheckCode.BAD_POOL_CALLER, 0x60, baseAddress, 0, 0);
        }
        mm.pfnDb.setStartOfAllocation(pfn, false);
        long last = pfn;
        while (!mm.pfnDb.isEndOfAllocation(last) && last < mm.pfnDb.highestPhysicalPage()) last++;
        mm.pfnDb.setEndOfAllocation(last, false);
        long count = last - pfn + 1;
        mm.systemPtes.release(MmLayout.pageAlign(baseAddress), count);
        for (long p = pfn; p <= last; p++) {
            mm.pfnDb.setShareCount(p, 0);
            mm.pfnDb.setPteAddress(p, -1);
            mm.pfnDb.setCacheAttribute(p, Pfn.MI_CACHED);
            mm.mdl.dereference(p);
        }
    }

    /**
     * MmAllocateNonCachedMemory: BYTES_TO_PAGES(NumberOfBytes) pages from the MDL page allocator
     * (fewer is NULL), one more system PTE than pages, the pages mapped non-cached after it.
     */
    public long MmAllocateNonCachedMemory(long numberOfBytes) {
        mm.kernel.ASSERT(numberOfBytes != 0, "NumberOfBytes != 0");
        long count = pages(numberOfBytes);
        Mdl mdl = mm.mdl.MmAllocatePagesForMdlEx(0, -1L, 0, numberOfBytes, MdlRoutines.MmNonCached, 0);
        if (mdl == null) return 0;
        if (mdl.pageCount() != count) {
            mm.mdl.MmFreePagesFromMdl(mdl);
            mm.mdl.free(mdl);
            return 0;
        }
        long ptes = mm.systemPtes.reserve(count + 1);
        if (ptes == 0) {
            mm.mdl.MmFreePagesFromMdl(mdl);
            mm.mdl.free(mdl);
            return 0;
        }
        long base = ptes + PAGE;
        nonCachedMdls.put(base, mdl.address);
        long bits = MdlRoutines.cacheBits(Pfn.MI_NON_CACHED);
        for (long i = 0; i < count; i++) {
            long pfn = mdl.pfn(i);
            mm.pfnDb.setCacheAttribute(pfn, Pfn.MI_NON_CACHED);
            mm.systemPtes.map(base + i * PAGE, pfn, true, false, bits);
        }
        return base;
    }

    /**
     * MmFreeNonCachedMemory: frees the pages through their MDL, then the MDL, then
     * BYTES_TO_PAGES(NumberOfBytes) + 1 system PTEs from the one before the address (ReactOS
     * ncache.c's order; NumberOfBytes "must match the size passed" to the allocation).
     */
    public void MmFreeNonCachedMemory(long baseAddress, long numberOfBytes) {
        mm.kernel.ASSERT(numberOfBytes != 0, "NumberOfBytes != 0");
        mm.kernel.ASSERT(MmLayout.pageAlign(baseAddress) == baseAddress, "PAGE_ALIGN(BaseAddress) == BaseAddress");
        long count = pages(numberOfBytes);
        long first = MmLayout.pageAlign(baseAddress);
        Long mdlAddress = nonCachedMdls.get(first);
        Mdl mdl = mm.mdl.at(mdlAddress == null ? 0 : mdlAddress);
        mm.mdl.MmFreePagesFromMdl(mdl);
        mm.mdl.free(mdl);
        nonCachedMdls.remove(first);
        mm.systemPtes.release(first - PAGE, count + 1);
    }
}
