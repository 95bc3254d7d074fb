package ntspec.mm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import ntspec.TestMachine;
import ntspec.hw.Pte;
import ntspec.ke.BugCheck;
import ntspec.ke.Irql;
import ntspec.wdm.Wdm;
import org.junit.jupiter.api.Test;

/**
 * Contiguous and non-cached memory (ReactOS ntoskrnl/mm/ARM3/contmem.c and ncache.c): consecutive
 * frames within the bounds, the cache bits in the PTEs, BAD_POOL_CALLER 0x60 for a bad free.
 */
class ContiguousMemoryTest {
    private final TestMachine t = new TestMachine();
    private final Wdm w = t.wdm;
    private final Mm mm = t.machine.mm;

    private long asDriver(java.util.function.LongSupplier call) {
        AtomicLong r = new AtomicLong();
        assertThat(t.asDriver(() -> r.set(call.getAsLong()))).isNull();
        return r.get();
    }

    private long pfnAt(long va) {
        return Pte.pfn(mm.readPte(va));
    }

    @Test
    void contiguousFramesAreConsecutiveWithinTheBoundsAndMarked() {
        long va = asDriver(() -> w.MmAllocateContiguousMemorySpecifyCache(0x4000, 0x200000, 0x3FFFFF, 0, MdlRoutines.MmCached));
        assertThat(va).isNotZero();
        long first = pfnAt(va);
        for (int i = 1; i < 4; i++) assertThat(pfnAt(va + i * 0x1000L)).isEqualTo(first + i);
        assertThat(first).isBetween(0x200L, 0x3FFL - 3);
        assertThat(mm.pfnDb.isStartOfAllocation(first)).isTrue();
        assertThat(mm.pfnDb.isEndOfAllocation(first + 3)).isTrue();
        assertThat(mm.pfnDb.referenceCount(first)).isEqualTo(1);
        assertThat(mm.readPte(va) & (Pte.PCD | Pte.PWT)).isZero();
    }

    @Test
    void aBoundaryIsNotCrossed() {
        // Take one frame so the next free run starts just below a 64 KiB boundary.
        long low = 0x10000 * 0x20 - 0x1000;
        long va = asDriver(() -> w.MmAllocateContiguousMemorySpecifyCache(0x2000, low, 0xFFFFFFFFL, 0x10000, MdlRoutines.MmCached));
        long first = pfnAt(va);
        assertThat(first >>> 4).isEqualTo((first + 1) >>> 4);
    }

    @Test
    void nonCachedAndWriteCombinedAreInThePteBits() {
        long uc = asDriver(() -> w.MmAllocateContiguousMemorySpecifyCache(0x1000, 0, -1L, 0, MdlRoutines.MmNonCached));
        long wc = asDriver(() -> w.MmAllocateContiguousMemorySpecifyCache(0x1000, 0, -1L, 0, MdlRoutines.MmWriteCombined));
        assertThat(mm.readPte(uc) & (Pte.PCD | Pte.PWT)).isEqualTo(Pte.PCD | Pte.PWT);
        assertThat(mm.readPte(wc) & (Pte.PCD | Pte.PWT)).isEqualTo(Pte.PWT);
        assertThat(mm.pfnDb.cacheAttribute(pfnAt(uc))).isEqualTo(Pfn.MI_NON_CACHED);
    }

    @Test
    void noRunInTheBoundsIsNull() {
        assertThat(asDriver(() -> w.MmAllocateContiguousMemorySpecifyCache(0x2000, 0x300000, 0x300FFF, 0, MdlRoutines.MmCached))).isZero();
        assertThat(asDriver(() -> w.MmAllocateContiguousMemorySpecifyCache(0x1000, 0x400000, 0x300000, 0, MdlRoutines.MmCached))).isZero();
        assertThat(asDriver(() -> w.MmAllocateContiguousMemorySpecifyCache(0x1000, 0, -1L, 0x800, MdlRoutines.MmCached))).isZero();
    }

    @Test
    void aboveApcLevelTheSearchIsNotMade() {
        t.machine.kernel.setIrql(Irql.DISPATCH_LEVEL);
        assertThat(asDriver(() -> w.MmAllocateContiguousMemory(0x1000, -1L))).isZero();
    }

    @Test
    void freeGivesTheFramesAndPtesBack() {
        long avail = mm.pfnDb.availablePages();
        long ptes = mm.systemPtes.inUse();
        long va = asDriver(() -> w.MmAllocateContiguousMemory(0x3000, -1L));
        long first = pfnAt(va);
        assertThat(t.asDriver(() -> w.MmFreeContiguousMemory(va))).isNull();
        assertThat(mm.systemPtes.inUse()).isEqualTo(ptes);
        assertThat(mm.readPte(va)).isZero();
        assertThat(mm.pfnDb.location(first)).isEqualTo(Pfn.FREE_PAGE_LIST);
        assertThat(mm.pfnDb.isStartOfAllocation(first)).isFalse();
        assertThat(mm.pfnDb.availablePages()).isEqualTo(avail);
    }

    @Test
    void freeingAnAddressThatStartsNoAllocationIsBadPoolCaller0x60() {
        long va = asDriver(() -> w.MmAllocateContiguousMemory(0x3000, -1L));
        assertThat(t.asDriver(() -> w.MmFreeContiguousMemory(va + 0x1000))).isEqualTo(new BugCheck(0xC2, 0x60, va + 0x1000, 0, 0));
    }

    @Test
    void freeingTwiceIsBadPoolCaller0x60() {
        long va = asDriver(() -> w.MmAllocateContiguousMemory(0x1000, -1L));
        t.asDriver(() -> w.MmFreeContiguousMemory(va));
        assertThat(t.asDriver(() -> w.MmFreeContiguousMemory(va))).isEqualTo(new BugCheck(0xC2, 0x60, va, 0, 0));
    }

    @Test
    void nonCachedMemoryIsMappedUncachedAfterAnEmptyPteAndFreedBack() {
        // A first allocation makes the page tables of the PTE range and the pool page of the MDL, which stay.
        long warm = asDriver(() -> w.MmAllocateNonCachedMemory(0x1800));
        t.asDriver(() -> w.MmFreeNonCachedMemory(warm, 0x1800));
        long avail = mm.pfnDb.availablePages();
        long ptes = mm.systemPtes.inUse();
        long va = asDriver(() -> w.MmAllocateNonCachedMemory(0x1800));
        assertThat(va & 0xFFF).isZero();
        assertThat(mm.systemPtes.inUse()).isEqualTo(ptes + 3);
        assertThat(mm.readPte(va - 0x1000)).isZero();
        for (long p = va; p < va + 0x2000; p += 0x1000) {
            assertThat(mm.readPte(p) & (Pte.PCD | Pte.PWT | Pte.P)).isEqualTo(Pte.PCD | Pte.PWT | Pte.P);
        }
        assertThat(t.asDriver(() -> w.write(va + 0x1700, "uncached"))).isNull();
        assertThat(t.asDriver(() -> w.MmFreeNonCachedMemory(va, 0x1800))).isNull();
        assertThat(mm.systemPtes.inUse()).isEqualTo(ptes);
        assertThat(mm.readPte(va)).isZero();
        assertThat(mm.pfnDb.availablePages()).isEqualTo(avail);
    }
}
