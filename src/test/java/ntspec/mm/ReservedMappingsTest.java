package ntspec.mm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import ntspec.TestMachine;
import ntspec.hw.Pte;
import ntspec.ke.BugCheck;
import ntspec.wdm.Wdm;
import org.junit.jupiter.api.Test;

/**
 * MmAllocateMappingAddress and its family: the header PTEs as the ReactOS kmtest MmReservedMapping.c
 * reads them on x64 Windows 8+, mapping and unmapping, and SYSTEM_PTE_MISUSE for misuse
 * (https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xda--system-pte-misuse).
 */
class ReservedMappingsTest {
    private static final int TAG = 0x4D526D4B; // 'MRmK' as MSVC reads it
    private final TestMachine t = new TestMachine();
    private final Wdm w = t.wdm;
    private final Mm mm = t.machine.mm;

    private long reserve(long bytes, int tag) {
        AtomicLong va = new AtomicLong();
        assertThat(t.asDriver(() -> va.set(w.MmAllocateMappingAddress(bytes, tag)))).isNull();
        return va.get();
    }

    private Mdl pages(long bytes) {
        return w.MmAllocatePagesForMdlEx(0, -1L, 0, bytes, MdlRoutines.MmCached, 0);
    }

    private long systemPte(long va) {
        return mm.mmu().readPte(mm.systemDirectoryTableBase, va);
    }

    @Test
    void theRangeIsReservedWithTwoHeaderPtesAndNothingMapped() {
        long inUse = mm.systemPtes.inUse();
        long va = reserve(10 * 0x1000, TAG);
        assertThat(va).isNotZero();
        assertThat(mm.systemPtes.inUse()).isEqualTo(inUse + 12);
        assertThat(systemPte(va - 0x1000)).isEqualTo(((TAG & ~1L) + 1) << 28);
        assertThat(systemPte(va - 0x2000)).isEqualTo(12L << 28);
        for (int i = 0; i < 10; i++) assertThat(systemPte(va + i * 0x1000L)).isZero();
    }

    @Test
    void aZeroTagIsRefusedAndZeroBytesBugCheck0x100() {
        assertThat(reserve(1, 0)).isZero();
        BugCheck bc = t.asDriver(() -> w.MmAllocateMappingAddress(0, TAG));
        assertThat(bc.code()).isEqualTo(0xDA);
        assertThat(bc.p1()).isEqualTo(0x100);
        assertThat(bc.p2()).isZero();
        assertThat(bc.p3()).isEqualTo(TAG);
    }

    @Test
    void touchingAReservedButUnmappedPageIsPageFaultInNonpagedArea() {
        long va = reserve(0x1000, TAG);
        BugCheck bc = t.asDriver(() -> w.readByte(va));
        assertThat(bc.code()).isEqualTo(0x50);
        assertThat(bc.p1()).isEqualTo(va);
    }

    @Test
    void mapWritesValidPtesForTheMdlPagesAndUnmapZeroesThem() {
        long va = reserve(3 * 0x1000, TAG);
        Mdl mdl = pages(0x2000);
        AtomicLong mapped = new AtomicLong();
        assertThat(t.asDriver(() -> mapped.set(w.MmMapLockedPagesWithReservedMapping(va, TAG, mdl, MdlRoutines.MmCached)))).isNull();
        assertThat(mapped.get()).isEqualTo(va);
        assertThat(mdl.hasFlag(Mdl.MDL_MAPPED_TO_SYSTEM_VA)).isTrue();
        assertThat(mdl.MappedSystemVa()).isEqualTo(va);
        assertThat(Pte.pfn(systemPte(va))).isEqualTo(mdl.pfn(0));
        assertThat(Pte.pfn(systemPte(va + 0x1000))).isEqualTo(mdl.pfn(1));
        assertThat(systemPte(va + 0x2000)).isZero();
        assertThat(t.asDriver(() -> w.write(va + 0x1000, "through the reservation"))).isNull();
        assertThat(t.machine.kernel.currentProcessor().cpu.tlb.contains(va + 0x1000)).as("the write cached the translation").isTrue();
        assertThat(t.asDriver(() -> w.MmUnmapReservedMapping(va, TAG, mdl))).isNull();
        assertThat(systemPte(va)).isZero();
        assertThat(systemPte(va + 0x1000)).isZero();
        assertThat(mdl.hasFlag(Mdl.MDL_MAPPED_TO_SYSTEM_VA)).isFalse();
        assertThat(systemPte(va - 0x1000)).as("the reservation stays").isEqualTo(ReservedMappings.tagPte(TAG));
        for (int cpu = 0; cpu < t.machine.kernel.processorCount(); cpu++) {
            assertThat(t.machine.kernel.processor(cpu).cpu.tlb.contains(va + 0x1000)).as("TLB of CPU %d", cpu).isFalse();
        }
    }

    @Test
    void anUnalignedMappingAddressIsAlignedDownTo16Bytes() {
        long va = reserve(0x1000, TAG);
        Mdl mdl = pages(0x1000);
        AtomicLong mapped = new AtomicLong();
        t.asDriver(() -> mapped.set(w.MmMapLockedPagesWithReservedMapping(va + 4, TAG, mdl, MdlRoutines.MmCached)));
        assertThat(mapped.get()).isEqualTo(va);
    }

    @Test
    void anMdlLargerThanTheReservationGetsNull() {
        long va = reserve(0x1000, TAG);
        Mdl mdl = pages(0x2000);
        AtomicLong mapped = new AtomicLong(-1);
        assertThat(t.asDriver(() -> mapped.set(w.MmMapLockedPagesWithReservedMapping(va, TAG, mdl, MdlRoutines.MmCached)))).isNull();
        assertThat(mapped.get()).isZero();
        assertThat(systemPte(va)).isZero();
    }

    @Test
    void misuseEndsInSystemPteMisuseWithItsSubcode() {
        long va = reserve(0x2000, TAG);
        Mdl mdl = pages(0x1000);
        assertThat(t.asDriver(() -> w.MmMapLockedPagesWithReservedMapping(va, TAG + 2, mdl, MdlRoutines.MmCached)))
                .isEqualTo(new BugCheck(0xDA, 0x104, va, TAG + 2, TAG & ~1L));
    }

    @Test
    void mappingTwiceIs0x107() {
        long va = reserve(0x2000, TAG);
        Mdl a = pages(0x1000);
        Mdl b = pages(0x1000);
        t.asDriver(() -> w.MmMapLockedPagesWithReservedMapping(va, TAG, a, MdlRoutines.MmCached));
        assertThat(t.asDriver(() -> w.MmMapLockedPagesWithReservedMapping(va, TAG, b, MdlRoutines.MmCached)))
                .isEqualTo(new BugCheck(0xDA, 0x107, va, va, va + 0x1000));
    }

    @Test
    void freeingWhileMappedIs0x103AndFreeingWithAnotherTagIs0x101() {
        long va = reserve(0x2000, TAG);
        Mdl mdl = pages(0x1000);
        t.asDriver(() -> w.MmMapLockedPagesWithReservedMapping(va, TAG, mdl, MdlRoutines.MmCached));
        assertThat(t.asDriver(() -> w.MmFreeMappingAddress(va, TAG))).isEqualTo(new BugCheck(0xDA, 0x103, va, TAG, 2));
        TestMachine other = new TestMachine();
        AtomicLong va2 = new AtomicLong();
        other.asDriver(() -> va2.set(other.wdm.MmAllocateMappingAddress(0x1000, TAG)));
        assertThat(other.asDriver(() -> other.wdm.MmFreeMappingAddress(va2.get(), 0x6F6F6F6F)))
                .isEqualTo(new BugCheck(0xDA, 0x101, va2.get(), 0x6F6F6F6F, TAG & ~1L));
    }

    @Test
    void unmappingOnlyPartOfWhatIsMappedIs0x10C() {
        long va = reserve(0x2000, TAG);
        Mdl one = pages(0x1000);
        Mdl two = pages(0x2000);
        t.asDriver(() -> w.MmMapLockedPagesWithReservedMapping(va, TAG, two, MdlRoutines.MmCached));
        // The one-page MDL claims to be mapped too, and unmaps only the first of the two pages.
        one.setFlag(Mdl.MDL_MAPPED_TO_SYSTEM_VA);
        assertThat(t.asDriver(() -> w.MmUnmapReservedMapping(va, TAG, one))).isEqualTo(new BugCheck(0xDA, 0x10C, va, TAG, 1));
    }

    @Test
    void unmappingAgainIs0x10BAndWithAnotherTagIs0x108() {
        long va = reserve(0x1000, TAG);
        Mdl mdl = pages(0x1000);
        t.asDriver(() -> w.MmMapLockedPagesWithReservedMapping(va, TAG, mdl, MdlRoutines.MmCached));
        assertThat(t.asDriver(() -> w.MmUnmapReservedMapping(va, TAG + 2, mdl))).isEqualTo(new BugCheck(0xDA, 0x108, va, TAG + 2, TAG & ~1L));
        TestMachine other = new TestMachine();
        AtomicLong va2 = new AtomicLong();
        Mdl m2 = other.wdm.MmAllocatePagesForMdlEx(0, -1L, 0, 0x1000, MdlRoutines.MmCached, 0);
        other.asDriver(() -> {
            va2.set(other.wdm.MmAllocateMappingAddress(0x1000, TAG));
            other.wdm.MmMapLockedPagesWithReservedMapping(va2.get(), TAG, m2, MdlRoutines.MmCached);
            other.wdm.MmUnmapReservedMapping(va2.get(), TAG, m2);
            m2.setFlag(Mdl.MDL_MAPPED_TO_SYSTEM_VA);
        });
        assertThat(other.asDriver(() -> other.wdm.MmUnmapReservedMapping(va2.get(), TAG, m2))).isEqualTo(new BugCheck(0xDA, 0x10B, va2.get(), TAG, 1));
    }

    @Test
    void freeReturnsTheHeaderAndTheRangeToThePool() {
        long inUse = mm.systemPtes.inUse();
        long va = reserve(0x3000, TAG);
        assertThat(t.asDriver(() -> w.MmFreeMappingAddress(va + 4, TAG))).as("an address in the first page will do").isNull();
        assertThat(mm.systemPtes.inUse()).isEqualTo(inUse);
        assertThat(systemPte(va - 0x1000)).isZero();
        assertThat(systemPte(va - 0x2000)).isZero();
    }
}
