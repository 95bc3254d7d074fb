package ntspec.mm;

import static org.assertj.core.api.Assertions.assertThat;

import ntspec.TestMachine;
import ntspec.hw.Pte;
import org.junit.jupiter.api.Test;

/**
 * PFN accounting and paging: demand-zero, transition and hard faults, the page lists, and the
 * rule that pages locked for I/O stay in the working set (Windows Internals ch. 5; ReactOS
 * ntoskrnl/mm/ARM3/pagfault.c, wslist.cpp).
 */
class PagingTest {
    private final TestMachine t = new TestMachine();
    private final Mm mm = t.machine.mm;

    private PfnDatabase.Entry pfnOf(long va) {
        long pte = mm.readPte(va);
        assertThat(Pte.isValid(pte)).as("PTE of %X is valid", va).isTrue();
        return mm.pfnDb.view(Pte.pfn(pte));
    }

    @Test
    void aFirstTouchIsADemandZeroFaultThatMakesTheFrameActiveWithOneReference() {
        long va = t.allocate(0x3000, Protection.PAGE_READWRITE);
        assertThat(mm.readPte(va)).as("committed, untouched: no PTE yet").isZero();
        long available = mm.pfnDb.availablePages();
        long faults = mm.demandZeroFaults();
        assertThat(t.kernelRead(va + 0x10, 4)).isEqualTo("\0\0\0\0");
        assertThat(mm.demandZeroFaults()).isEqualTo(faults + 1);
        PfnDatabase.Entry e = pfnOf(va);
        assertThat(e.location()).isEqualTo(Pfn.ACTIVE_AND_VALID);
        assertThat(e.referenceCount()).isEqualTo(1);
        assertThat(e.shareCount()).isEqualTo(1);
        assertThat(e.pteAddress()).isEqualTo(mm.ptePhysicalAddress(va));
        assertThat(mm.pfnDb.availablePages()).isLessThan(available);
        assertThat(mm.readPte(va + 0x1000)).as("the next page is still untouched").isZero();
    }

    @Test
    void aTrimmedCleanPageGoesToStandbyAndComesBackByATransitionFault() {
        long va = t.allocate(0x1000, Protection.PAGE_READWRITE);
        t.kernelRead(va, 1);
        long pfn = pfnOf(va).pfn;
        long standby = mm.pfnDb.count(Pfn.STANDBY_PAGE_LIST);
        assertThat(mm.trimWorkingSet(t.app, false)).isEqualTo(1);
        long pte = mm.readPte(va);
        assertThat(Pte.isValid(pte)).isFalse();
        assertThat(Pte.isTransition(pte)).isTrue();
        assertThat(Pte.pfn(pte)).isEqualTo(pfn);
        PfnDatabase.Entry e = mm.pfnDb.view(pfn);
        assertThat(e.location()).isEqualTo(Pfn.STANDBY_PAGE_LIST);
        assertThat(e.referenceCount()).isZero();
        assertThat(mm.pfnDb.count(Pfn.STANDBY_PAGE_LIST)).isEqualTo(standby + 1);
        long soft = mm.transitionFaults();
        t.kernelRead(va, 1);
        assertThat(mm.transitionFaults()).isEqualTo(soft + 1);
        assertThat(pfnOf(va).pfn).as("the same frame comes back").isEqualTo(pfn);
        assertThat(e.location()).isEqualTo(Pfn.ACTIVE_AND_VALID);
    }

    @Test
    void aTrimmedDirtyPageGoesToTheModifiedList() {
        long va = t.allocate(0x1000, Protection.PAGE_READWRITE);
        t.userWrite(va, "dirty");
        long pfn = pfnOf(va).pfn;
        mm.trimWorkingSet(t.app, false);
        assertThat(mm.pfnDb.view(pfn).location()).isEqualTo(Pfn.MODIFIED_PAGE_LIST);
    }

    @Test
    void aPagedOutPageIsReadBackFromThePagingFileByAHardFault() {
        long va = t.allocate(0x2000, Protection.PAGE_READWRITE);
        t.userWrite(va + 0x1FE0, "kept across paging");
        mm.trimWorkingSet(t.app, true);
        long pte = mm.readPte(va + 0x1000);
        assertThat(Pte.pageFileNumber(pte)).isEqualTo(PagingFile.NUMBER);
        assertThat(mm.pagingFile.usedSlots()).isEqualTo(1);
        long hard = mm.hardFaults();
        assertThat(t.kernelRead(va + 0x1FE0, 18)).isEqualTo("kept across paging");
        assertThat(mm.hardFaults()).isEqualTo(hard + 1);
        assertThat(mm.pagingFile.reads()).isEqualTo(1);
    }

    @Test
    void aLockedPageIsNeverTrimmed() {
        long va = t.allocate(0x2000, Protection.PAGE_READWRITE);
        t.userWrite(va, "a");
        t.userWrite(va + 0x1000, "b");
        Mdl mdl = t.wdm.IoAllocateMdl(va, 0x1000, false, false, null);
        t.asDriver(() -> t.wdm.MmProbeAndLockPages(mdl, MdlRoutines.UserMode, MdlRoutines.IoReadAccess));
        PfnDatabase.Entry locked = pfnOf(va);
        assertThat(locked.referenceCount()).as("mapped + locked").isEqualTo(2);
        assertThat(mm.trimWorkingSet(t.app, true)).isEqualTo(1);
        assertThat(Pte.isValid(mm.readPte(va))).isTrue();
        assertThat(Pte.isValid(mm.readPte(va + 0x1000))).isFalse();
        t.asDriver(() -> t.wdm.MmUnlockPages(mdl));
        assertThat(locked.referenceCount()).isEqualTo(1);
        assertThat(mm.trimWorkingSet(t.app, false)).as("unlocked, it can go").isEqualTo(1);
    }

    @Test
    void pagedPoolIsTrimmedButNonPagedPoolIsNot() {
        long paged = t.wdm.ExAllocatePoolWithTag(Pool.PagedPool, 0x2000, Pool.tag("Test"));
        long nonPaged = t.wdm.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, 0x2000, Pool.tag("Test"));
        t.wdm.write(paged, "paged");
        t.wdm.write(nonPaged, "nonpaged");
        mm.trimSystemWorkingSet(true);
        assertThat(Pte.isValid(mm.readPte(paged))).isFalse();
        assertThat(Pte.isValid(mm.readPte(nonPaged))).isTrue();
        assertThat(new String(t.wdm.read(paged, 5))).isEqualTo("paged");
    }

    @Test
    void freeingTheAllocationReturnsItsFramesToTheFreeList() {
        long va = t.allocate(0x1000, Protection.PAGE_READWRITE);
        t.userWrite(va, "x");
        PfnDatabase.Entry e = pfnOf(va);
        VirtualMemory.Result r = mm.vm.NtFreeVirtualMemory(t.app, va, 0, Protection.MEM_RELEASE);
        assertThat(r.ok()).isTrue();
        assertThat(e.location()).isEqualTo(Pfn.FREE_PAGE_LIST);
        assertThat(e.referenceCount()).isZero();
        assertThat(mm.readPte(va)).isZero();
    }
}
