package ntspec.mm;

import static ntspec.mm.MdlRoutines.IoModifyAccess;
import static ntspec.mm.MdlRoutines.IoReadAccess;
import static ntspec.mm.MdlRoutines.IoWriteAccess;
import static ntspec.mm.MdlRoutines.KernelMode;
import static ntspec.mm.MdlRoutines.NormalPagePriority;
import static ntspec.mm.MdlRoutines.UserMode;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import ntspec.TestMachine;
import java.util.ArrayList;
import java.util.List;
import ntspec.hw.Pte;
import ntspec.ke.BugCheck;
import ntspec.ke.NtStatus;
import ntspec.mm.PfnDatabase;
import ntspec.wdm.Wdm;
import org.junit.jupiter.api.Test;

/** Each MDL routine's success and misuse paths (https://github.com/reactos/reactos/blob/master/ntoskrnl/mm/ARM3/mdlsup.c). */
class MdlRoutinesTest {
    private final TestMachine t = new TestMachine();
    private final Wdm w = t.wdm;
    private final Mm mm = t.machine.mm;

    /** Runs body as driver code inside __try; returns the caught status or 0. */
    private int tryDriver(Runnable body) {
        AtomicInteger status = new AtomicInteger();
        BugCheck bc = t.asDriver(() -> w.__try(body, status::set));
        assertThat(bc).as("no bug check").isNull();
        return status.get();
    }

    private Mdl lockedUserMdl(long va, long length, int operation) {
        Mdl mdl = w.IoAllocateMdl(va, length, false, false, null);
        assertThat(tryDriver(() -> w.MmProbeAndLockPages(mdl, UserMode, operation))).isZero();
        return mdl;
    }

    /** MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) run as the driver. */
    private long mapped(Mdl mdl) {
        AtomicLong va = new AtomicLong();
        assertThat(t.asDriver(() -> va.set(w.MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority)))).isNull();
        return va.get();
    }

    private long pfnAt(long va) {
        return Pte.pfn(mm.readPte(va));
    }

    @Test
    void ioAllocateMdlFillsTheHeaderOnly() {
        long va = t.allocate(0x3000, Protection.PAGE_READWRITE);
        Mdl mdl = w.IoAllocateMdl(va + 0x20, 0x2000, false, false, null);
        assertThat(mdl.StartVa()).isEqualTo(va);
        assertThat(mdl.ByteOffset()).isEqualTo(0x20);
        assertThat(mdl.ByteCount()).isEqualTo(0x2000);
        assertThat(mdl.Size()).as("header + 3 PFNs").isEqualTo((short) (48 + 3 * 8));
        assertThat(mdl.MdlFlags()).isEqualTo(Mdl.MDL_ALLOCATED_FIXED_SIZE);
        assertThat(mdl.address & 0xF).as("the header is 16-byte aligned pool").isZero();
        assertThat(w.MmGetMdlVirtualAddress(mdl)).isEqualTo(va + 0x20);
        assertThat(MdlRoutines.MmSizeOfMdl(va + 0x20, 0x2000)).isEqualTo(72);
    }

    @Test
    void ioAllocateMdlRefusesTooLongLengthsButNotZero() {
        Mdl zero = w.IoAllocateMdl(0x10000, 0, false, false, null);
        assertThat(zero).as("the free build checks only the maximum (ReactOS iomdl.c)").isNotNull();
        assertThat(zero.ByteCount()).isZero();
        assertThat(w.IoAllocateMdl(0x10000, 0xFFFFF001L, false, false, null)).isNull();
        assertThat(w.IoAllocateMdl(0x10000, 0xFFFFF000L, false, false, null)).isNotNull();
    }

    @Test
    void ioAllocateMdlChainsSecondaryMdlsOnTheIrp() {
        ntspec.io.Irp irp = w.IoAllocateIrp(1, false);
        Mdl first = w.IoAllocateMdl(0x10000, 0x100, false, false, irp);
        Mdl second = w.IoAllocateMdl(0x20000, 0x100, true, false, irp);
        Mdl third = w.IoAllocateMdl(0x30000, 0x100, true, false, irp);
        assertThat(irp.MdlAddress()).isEqualTo(first);
        assertThat(first.Next()).isEqualTo(second);
        assertThat(second.Next()).isEqualTo(third);
        assertThat(mm.read(irp.address + 8, 8)).as("Irp->MdlAddress in memory").isEqualTo(first.address);
    }

    @Test
    void probeAndLockLocksEveryPageChargesTheProcessAndDoesNotMap() {
        long va = t.allocate(0x3000, Protection.PAGE_READWRITE);
        long ptesInUse = mm.systemPtes.inUse();
        Mdl mdl = lockedUserMdl(va + 0x20, 0x2000, IoWriteAccess);
        assertThat(mdl.MdlFlags() & 0xFFFF).isEqualTo(Mdl.MDL_ALLOCATED_FIXED_SIZE | Mdl.MDL_PAGES_LOCKED | Mdl.MDL_WRITE_OPERATION);
        assertThat(mdl.Process()).isSameAs(t.app);
        assertThat(t.app.numberOfLockedPages()).isEqualTo(3);
        assertThat(mm.systemPtes.inUse()).isEqualTo(ptesInUse);
        for (int i = 0; i < 3; i++) {
            long pfn = pfnAt(va + 0x1000L * i);
            assertThat(mdl.pfn(i)).isEqualTo(pfn);
            assertThat(mm.pfnDb.view(pfn).referenceCount()).isEqualTo(2);
        }
    }

    @Test
    void probeAndLockFromUserModeRejectsKernelAddressesZeroLengthAndWrapAround() {
        long kernelVa = w.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, 0x100, Pool.tag("Test"));
        Mdl mdl = w.IoAllocateMdl(kernelVa, 0x100, false, false, null);
        assertThat(tryDriver(() -> w.MmProbeAndLockPages(mdl, UserMode, IoReadAccess))).isEqualTo(NtStatus.STATUS_ACCESS_VIOLATION);
        assertThat(mdl.hasFlag(Mdl.MDL_PAGES_LOCKED)).isFalse();
        assertThat(tryDriver(() -> w.MmProbeAndLockPages(mdl, KernelMode, IoReadAccess))).as("KernelMode skips the range check").isZero();
        Mdl atProbe = w.IoAllocateMdl(MmLayout.MM_USER_PROBE_ADDRESS - 0x10, 0x20, false, false, null);
        assertThat(tryDriver(() -> w.MmProbeAndLockPages(atProbe, UserMode, IoReadAccess))).isEqualTo(NtStatus.STATUS_ACCESS_VIOLATION);
    }

    @Test
    void aReadOnlyBufferLocksForReadButNotForWrite() {
        long va = t.allocate(0x1000, Protection.PAGE_READONLY);
        Mdl write = w.IoAllocateMdl(va, 0x100, false, false, null);
        assertThat(tryDriver(() -> w.MmProbeAndLockPages(write, UserMode, IoWriteAccess))).isEqualTo(NtStatus.STATUS_ACCESS_VIOLATION);
        assertThat(tryDriver(() -> w.MmProbeAndLockPages(write, UserMode, IoModifyAccess))).isEqualTo(NtStatus.STATUS_ACCESS_VIOLATION);
        assertThat(write.hasFlag(Mdl.MDL_PAGES_LOCKED)).isFalse();
        assertThat(t.app.numberOfLockedPages()).isZero();
        Mdl read = lockedUserMdl(va, 0x100, IoReadAccess);
        assertThat(read.hasFlag(Mdl.MDL_WRITE_OPERATION)).isFalse();
    }

    @Test
    void aFailureOnALaterPageLeavesNothingLocked() {
        long va = t.allocate(0x2000, Protection.PAGE_READWRITE);
        mm.vm.NtProtectVirtualMemory(t.app, va + 0x1000, 0x1000, Protection.PAGE_NOACCESS);
        t.userWrite(va, "x");
        long pfn = pfnAt(va);
        Mdl mdl = w.IoAllocateMdl(va, 0x2000, false, false, null);
        assertThat(tryDriver(() -> w.MmProbeAndLockPages(mdl, UserMode, IoReadAccess))).isEqualTo(NtStatus.STATUS_ACCESS_VIOLATION);
        assertThat(mm.pfnDb.view(pfn).referenceCount()).isEqualTo(1);
        assertThat(t.app.numberOfLockedPages()).isZero();
    }

    @Test
    void probeAndLockMakesATrimmedPageResident() {
        long va = t.allocate(0x1000, Protection.PAGE_READWRITE);
        t.userWrite(va, "paged out");
        mm.trimWorkingSet(t.app, true);
        assertThat(Pte.isValid(mm.readPte(va))).isFalse();
        Mdl mdl = lockedUserMdl(va, 9, IoReadAccess);
        assertThat(Pte.isValid(mm.readPte(va))).isTrue();
        assertThat(mdl.pfn(0)).isEqualTo(pfnAt(va));
    }

    @Test
    void twoMdlsLockTheSamePageTwice() {
        long va = t.allocate(0x1000, Protection.PAGE_READWRITE);
        Mdl a = lockedUserMdl(va, 0x10, IoReadAccess);
        Mdl b = lockedUserMdl(va + 0x800, 0x10, IoReadAccess);
        PfnDatabase.Entry e = mm.pfnDb.view(a.pfn(0));
        assertThat(b.pfn(0)).isEqualTo(a.pfn(0));
        assertThat(e.referenceCount()).isEqualTo(3);
        assertThat(e.lockCount()).isEqualTo(2);
        assertThat(mm.systemLockPagesCount()).as("MmSystemLockPagesCount counts pages, not locks").isEqualTo(1);
        t.asDriver(() -> w.MmUnlockPages(a));
        assertThat(e.lockCount()).isEqualTo(1);
    }

    @Test
    void probeAndLockProcessPagesAttachesToTheTargetProcess() {
        long va = t.allocate(0x1000, Protection.PAGE_READWRITE);
        t.userWrite(va, "target");
        EProcess other = t.machine.ps.PsCreateProcess("other");
        t.machine.kernel.switchTo(t.machine.ps.PsCreateThread(other));
        Mdl mdl = w.IoAllocateMdl(va, 6, false, false, null);
        assertThat(tryDriver(() -> w.MmProbeAndLockProcessPages(mdl, t.app, UserMode, IoReadAccess))).isZero();
        assertThat(mdl.Process()).isSameAs(t.app);
        assertThat(t.app.numberOfLockedPages()).isEqualTo(1);
        assertThat(t.machine.kernel.currentProcess()).as("detached again").isSameAs(other);
    }

    @Test
    void mappingUsesSystemPtesThatHoldTheMdlsFramesAndIsReusedByTheSafeMacro() {
        long va = t.allocate(0x2000, Protection.PAGE_READWRITE);
        Mdl mdl = lockedUserMdl(va + 0x10, 0x1800, IoWriteAccess);
        long inUse = mm.systemPtes.inUse();
        long sys = mapped(mdl);
        assertThat(sys & 0xFFF).isEqualTo(0x10);
        assertThat(mm.systemPtes.contains(sys)).isTrue();
        assertThat(mm.systemPtes.inUse()).isEqualTo(inUse + 2);
        assertThat(Pte.pfn(mm.readPte(sys + 0x1000))).isEqualTo(mdl.pfn(1));
        assertThat(mdl.MappedSystemVa()).isEqualTo(sys);
        assertThat(mdl.hasFlag(Mdl.MDL_MAPPED_TO_SYSTEM_VA)).isTrue();
        w.write(sys, "via system VA");
        assertThat(new String(mm.read(va + 0x10, 13, true))).isEqualTo("via system VA");
        AtomicLong again = new AtomicLong();
        t.asDriver(() -> again.set(w.MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority)));
        assertThat(again.get()).isEqualTo(sys);
        assertThat(mm.systemPtes.inUse()).isEqualTo(inUse + 2);
    }

    @Test
    void unlockReleasesTheSystemMappingFirstAndTheStaleAddressBugChecks0x50() {
        long va = t.allocate(0x1000, Protection.PAGE_READWRITE);
        Mdl mdl = lockedUserMdl(va, 0x100, IoWriteAccess);
        long inUse = mm.systemPtes.inUse();
        long sys = mapped(mdl);
        t.asDriver(() -> w.MmUnlockPages(mdl));
        assertThat(mdl.MdlFlags() & (Mdl.MDL_MAPPED_TO_SYSTEM_VA | Mdl.MDL_PAGES_LOCKED)).isZero();
        assertThat(mm.systemPtes.inUse()).isEqualTo(inUse);
        assertThat(t.app.numberOfLockedPages()).isZero();
        BugCheck bc = t.asDriver(() -> w.readByte(sys));
        assertThat(bc.code()).isEqualTo(0x50);
        assertThat(bc.p1()).isEqualTo(sys);
    }

    @Test
    void unlockingTwiceBugChecks0x76WithParameterOne() {
        long va = t.allocate(0x1000, Protection.PAGE_READWRITE);
        Mdl mdl = lockedUserMdl(va, 0x100, IoReadAccess);
        t.asDriver(() -> w.MmUnlockPages(mdl));
        BugCheck bc = t.asDriver(() -> w.MmUnlockPages(mdl));
        assertThat(bc).isEqualTo(new BugCheck(0x76, 1, mdl.address, 0, 0));
    }

    @Test
    void unlockingAKernelMdlThatWasNeverLockedBugChecks0x4E() {
        long p = w.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, 0x100, Pool.tag("Test"));
        Mdl mdl = w.IoAllocateMdl(p, 0x100, false, false, null);
        w.MmBuildMdlForNonPagedPool(mdl);
        BugCheck bc = t.asDriver(() -> w.MmUnlockPages(mdl));
        assertThat(bc.code()).isEqualTo(0x4E);
        assertThat(bc.p1()).isEqualTo(7);
        assertThat(bc.p2()).isEqualTo(mdl.pfn(0));
    }

    @Test
    void unmapAfterUnlockIsSystemPteMisuse() {
        long va = t.allocate(0x1000, Protection.PAGE_READWRITE);
        Mdl mdl = lockedUserMdl(va, 0x100, IoReadAccess);
        long sys = mapped(mdl);
        t.asDriver(() -> w.MmUnlockPages(mdl));
        BugCheck bc = t.asDriver(() -> w.MmUnmapLockedPages(sys, mdl));
        assertThat(bc).isEqualTo(new BugCheck(0xDA, 6, mdl.address, sys, 1));
    }

    @Test
    void withoutPteTrackingAnUnmapAtTheWrongAddressReleasesWhatIsThereAndLeaksTheMapping() {
        long va = t.allocate(0x2000, Protection.PAGE_READWRITE);
        Mdl mdl = lockedUserMdl(va, 0x2000, IoReadAccess);
        long inUse = mm.systemPtes.inUse();
        long sys = mapped(mdl);
        assertThat(t.asDriver(() -> w.MmUnmapLockedPages(sys + 0x1000, mdl))).isNull();
        assertThat(mm.systemPtes.inUse()).as("one of the two PTEs released was reserved").isEqualTo(inUse + 1);
        assertThat(Pte.isValid(mm.readPte(sys))).as("the mapping's first PTE leaks").isTrue();
        assertThat(mm.systemPtes.reservedByBitmap()).isEqualTo(mm.systemPtes.inUse());
        BugCheck bc = t.asDriver(() -> w.MmUnmapLockedPages(sys + 0x1000, mdl));
        assertThat(bc).as("the MDL is no longer mapped: type 6 needs no tracking").isEqualTo(new BugCheck(0xDA, 6, mdl.address, sys + 0x1000, 2));
    }

    @Test
    void withPteTrackingAnUnmapAtTheWrongAddressIsSystemPteMisuse3NamingTheTracker() {
        TestMachine tracked = new TestMachine(ntspec.Machine.Config.defaults().withTrackPtes(3));
        long va = tracked.allocate(0x2000, Protection.PAGE_READWRITE);
        Mdl mdl = tracked.wdm.IoAllocateMdl(va, 0x2000, false, false, null);
        AtomicLong sys = new AtomicLong();
        tracked.asDriver(() -> {
            tracked.wdm.MmProbeAndLockPages(mdl, UserMode, IoReadAccess);
            sys.set(tracked.wdm.MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority));
        });
        BugCheck bc = tracked.asDriver(() -> tracked.wdm.MmUnmapLockedPages(sys.get() + 0x1000, mdl));
        assertThat(bc.code()).isEqualTo(0xDA);
        assertThat(bc.p1()).isEqualTo(3);
        assertThat(tracked.machine.mm.pool.find(bc.p2())).as("parameter 2 is the tracking entry, in pool").isNotNull();
        assertThat(bc.p3()).isEqualTo(sys.get());
        assertThat(bc.p4()).isEqualTo(sys.get() + 0x1000);
    }

    @Test
    void unmapThenUnlockReleasesThePtesOnce() {
        long va = t.allocate(0x1000, Protection.PAGE_READWRITE);
        Mdl mdl = lockedUserMdl(va, 0x100, IoReadAccess);
        long inUse = mm.systemPtes.inUse();
        long sys = mapped(mdl);
        assertThat(t.asDriver(() -> {
            w.MmUnmapLockedPages(sys, mdl);
            w.MmUnlockPages(mdl);
        })).isNull();
        assertThat(mm.systemPtes.inUse()).isEqualTo(inUse);
    }

    @Test
    void userModeMappingCreatesAVadAndUnmapRemovesIt() {
        long va = t.allocate(0x1000, Protection.PAGE_READWRITE);
        t.userWrite(va, "shared");
        Mdl mdl = lockedUserMdl(va, 0x100, IoReadAccess);
        AtomicLong user = new AtomicLong();
        t.asDriver(() -> user.set(w.MmMapLockedPagesSpecifyCache(mdl, UserMode, MdlRoutines.MmCached, 0, false, NormalPagePriority)));
        assertThat(user.get()).isNotEqualTo(va);
        assertThat(new String(mm.read(user.get(), 6, true))).isEqualTo("shared");
        assertThat(mdl.hasFlag(Mdl.MDL_MAPPED_TO_SYSTEM_VA)).as("a user mapping is not recorded in the MDL").isFalse();
        t.asDriver(() -> w.MmUnmapLockedPages(user.get(), mdl));
        assertThat(t.app.findVad(user.get())).isNull();
        assertThat(mm.readPte(user.get())).isZero();
    }

    @Test
    void exhaustedSystemPtesReturnNullOrBugCheck0x3F() {
        TestMachine small = new TestMachine(ntspec.Machine.Config.defaults().withSystemPtes(4));
        long va = small.allocate(0x8000, Protection.PAGE_READWRITE);
        Mdl mdl = small.wdm.IoAllocateMdl(va, 0x8000, false, false, null);
        small.asDriver(() -> small.wdm.MmProbeAndLockPages(mdl, UserMode, IoReadAccess));
        AtomicLong r = new AtomicLong(-1);
        small.asDriver(() -> r.set(small.wdm.MmGetSystemAddressForMdlSafe(mdl, MdlRoutines.HighPagePriority)));
        assertThat(r.get()).isZero();
        assertThat(mdl.hasFlag(Mdl.MDL_MAPPED_TO_SYSTEM_VA)).isFalse();
        BugCheck bc = small.asDriver(() -> small.wdm.MmMapLockedPagesSpecifyCache(mdl, KernelMode, MdlRoutines.MmCached, 0, true, NormalPagePriority));
        assertThat(bc).isEqualTo(new BugCheck(0x3F, 0, 8, 4, 4));
    }

    @Test
    void nonPagedPoolMdlsDescribeTheirPagesWithoutReferences() {
        long p = w.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, 0x2000, Pool.tag("Test"));
        Mdl mdl = w.IoAllocateMdl(p, 0x2000, false, false, null);
        w.MmBuildMdlForNonPagedPool(mdl);
        assertThat(mdl.hasFlag(Mdl.MDL_SOURCE_IS_NONPAGED_POOL)).isTrue();
        assertThat(mdl.MappedSystemVa()).isEqualTo(p);
        assertThat(mdl.pfn(1)).isEqualTo(pfnAt(p + 0x1000));
        assertThat(mm.pfnDb.view(mdl.pfn(0)).referenceCount()).isEqualTo(1);
        assertThat(w.MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority)).isEqualTo(p);
    }

    @Test
    void aPartialMdlMapsItsOwnRangeAndIoFreeMdlReleasesThatMapping() {
        long va = t.allocate(0x4000, Protection.PAGE_READWRITE);
        Mdl source = lockedUserMdl(va, 0x4000, IoReadAccess);
        Mdl partial = w.IoAllocateMdl(va + 0x1800, 0x1000, false, false, null);
        w.IoBuildPartialMdl(source, partial, va + 0x1800, 0x1000);
        assertThat(partial.hasFlag(Mdl.MDL_PARTIAL)).isTrue();
        assertThat(partial.pfn(0)).isEqualTo(source.pfn(1));
        assertThat(partial.pfn(1)).isEqualTo(source.pfn(2));
        long inUse = mm.systemPtes.inUse();
        long sys = mapped(partial);
        assertThat(partial.hasFlag(Mdl.MDL_PARTIAL_HAS_BEEN_MAPPED)).isTrue();
        assertThat(mm.systemPtes.inUse()).isEqualTo(inUse + 2);
        w.IoFreeMdl(partial);
        assertThat(mm.systemPtes.inUse()).isEqualTo(inUse);
        assertThat(source.hasFlag(Mdl.MDL_PAGES_LOCKED)).isTrue();
    }

    @Test
    void aPartialMdlLargerThanItsTargetBugChecks0x40() {
        long va = t.allocate(0x4000, Protection.PAGE_READWRITE);
        Mdl source = lockedUserMdl(va, 0x4000, IoReadAccess);
        Mdl bigEnough = w.IoAllocateMdl(va, 0x4000, false, false, null);
        Mdl tooSmall = w.IoAllocateMdl(va, 0x1000, false, false, null);
        assertThat(t.asDriver(() -> w.IoBuildPartialMdl(source, bigEnough, va, 0x4000))).isNull();
        BugCheck bc = t.asDriver(() -> w.IoBuildPartialMdl(source, tooSmall, va, 0x4000));
        assertThat(bc.code()).as("the target's Size holds one PFN, whatever its storage").isEqualTo(0x40);
    }

    @Test
    void ioFreeMdlDoesNotUnlockSoTheChargeLeaksToProcessExit() {
        long va = t.allocate(0x2000, Protection.PAGE_READWRITE);
        Mdl mdl = lockedUserMdl(va, 0x2000, IoReadAccess);
        w.IoFreeMdl(mdl);
        assertThat(mm.pool.isOnLookasideList(mdl.address)).as("a fixed-size MDL goes back to its lookaside list").isTrue();
        assertThat(t.app.numberOfLockedPages()).isEqualTo(2);
        assertThat(mm.pfnDb.view(pfnAt(va)).lockCount()).isEqualTo(1);
    }

    @Test
    void allocatedPagesCarryTheMdlMarkerAndAreFreedBack() {
        long avail = mm.pfnDb.availablePages();
        Mdl mdl = w.MmAllocatePagesForMdlEx(0, -1L, 0, 0x3000, MdlRoutines.MmCached, 0);
        assertThat(mdl.ByteCount()).isEqualTo(0x3000);
        List<Long> slots = new ArrayList<>();
        for (int i = 0; i < 3; i++) slots.add(mdl.pfn(i));
        assertThat(slots).doesNotContain(Mdl.LIST_HEAD, 0L).doesNotHaveDuplicates();
        PfnDatabase.Entry e = mm.pfnDb.view(mdl.pfn(0));
        assertThat(e.pteFrame()).isEqualTo(Pfn.MDL_PAGES_PTE_FRAME);
        assertThat(e.referenceCount()).isEqualTo(1);
        assertThat(mm.pfnDb.availablePages()).isEqualTo(avail - 3);
        t.asDriver(() -> w.MmFreePagesFromMdl(mdl));
        assertThat(mm.pfnDb.availablePages()).isEqualTo(avail);
        assertThat(e.referenceCount()).isZero();
    }

    @Test
    void freeingPagesThatWereNotAllocatedForAnMdlBugChecks0x1A1236() {
        long va = t.allocate(0x1000, Protection.PAGE_READWRITE);
        Mdl mdl = lockedUserMdl(va, 0x100, IoReadAccess);
        BugCheck bc = t.asDriver(() -> w.MmFreePagesFromMdl(mdl));
        assertThat(bc).isEqualTo(new BugCheck(0x1A, 0x1236, mdl.address, mdl.pfnSlotAddress(0), mdl.pfn(0)));
    }

    @Test
    void probeForReadAndWriteCheckTheRangeAndAlignment() {
        long va = t.allocate(0x1000, Protection.PAGE_READONLY);
        assertThat(tryDriver(() -> w.ProbeForRead(va, 0x10, 4))).isZero();
        assertThat(tryDriver(() -> w.ProbeForRead(va + 1, 0x10, 4))).isEqualTo(NtStatus.STATUS_DATATYPE_MISALIGNMENT);
        assertThat(tryDriver(() -> w.ProbeForRead(MmLayout.MM_USER_PROBE_ADDRESS, 1, 1))).isEqualTo(NtStatus.STATUS_ACCESS_VIOLATION);
        assertThat(tryDriver(() -> w.ProbeForRead(MmLayout.MM_USER_PROBE_ADDRESS, 0, 1))).as("zero length checks nothing").isZero();
        assertThat(tryDriver(() -> w.ProbeForWrite(va, 0x10, 1))).as("read-only page").isEqualTo(NtStatus.STATUS_ACCESS_VIOLATION);
    }
}
