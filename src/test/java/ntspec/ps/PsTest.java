package ntspec.ps;

import static ntspec.mm.MdlRoutines.IoReadAccess;
import static ntspec.mm.MdlRoutines.UserMode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ntspec.TestMachine;
import ntspec.ke.BugCheck;
import ntspec.ke.BugCheckException;
import ntspec.mm.Mdl;
import ntspec.mm.Pfn;
import ntspec.mm.PfnDatabase;
import ntspec.mm.Protection;
import org.junit.jupiter.api.Test;

/** Process creation and exit (MS bug check 0x76 PROCESS_HAS_LOCKED_PAGES, parameter 1 = 0). */
class PsTest {
    private final TestMachine t = new TestMachine();

    @Test
    void processesHaveTheirOwnPageTablesSharingTheKernelHalf() {
        var other = t.machine.ps.PsCreateProcess("other");
        assertThat(other.directoryTableBase).isNotEqualTo(t.app.directoryTableBase);
        long pool = t.wdm.ExAllocatePoolWithTag(0, 0x10, 0x74736554);
        t.wdm.write(pool, "kernel");
        t.machine.kernel.switchTo(t.machine.ps.PsCreateThread(other));
        assertThat(new String(t.wdm.read(pool, 6))).as("system space is the same in every process").isEqualTo("kernel");
    }

    @Test
    void exitWithPagesStillLockedBugChecks0x76() {
        long va = t.allocate(0x3000, Protection.PAGE_READWRITE);
        Mdl mdl = t.wdm.IoAllocateMdl(va, 0x3000, false, false, null);
        t.asDriver(() -> t.wdm.MmProbeAndLockPages(mdl, UserMode, IoReadAccess));
        t.wdm.IoFreeMdl(mdl);
        assertThatThrownBy(() -> t.machine.ps.PspExitProcess(t.app)).isInstanceOf(BugCheckException.class);
        assertThat(t.machine.bugCheck()).isEqualTo(new BugCheck(0x76, 0, t.app.address, 3, 0));
        assertThat(t.app.hasExited()).isFalse();
    }

    @Test
    void exitReleasesEveryPageAndTable() {
        long va = t.allocate(0x4000, Protection.PAGE_READWRITE);
        java.util.List<PfnDatabase.Entry> frames = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            t.userWrite(va + 0x1000L * i, "x");
            frames.add(t.machine.mm.pfnDb.view(ntspec.hw.Pte.pfn(t.machine.mm.readPte(va + 0x1000L * i))));
        }
        PfnDatabase.Entry pageTable = t.machine.mm.pfnDb.view(t.machine.mm.ptePhysicalAddress(va) >>> 12);
        PfnDatabase.Entry pml4 = t.machine.mm.pfnDb.view(t.app.directoryTableBase);
        assertThat(pageTable.location()).isEqualTo(Pfn.ACTIVE_AND_VALID);
        t.machine.ps.PspExitProcess(t.app);
        assertThat(t.app.hasExited()).isTrue();
        assertThat(pml4.location()).as("the page directory stays with the process object").isEqualTo(Pfn.ACTIVE_AND_VALID);
        t.machine.kernel.switchTo(t.machine.ps.PsCreateThread(t.machine.ps.systemProcess()));
        t.machine.ps.PspDeleteProcess(t.app, java.util.List.of(t.appThread));
        frames.add(pageTable);
        frames.add(pml4);
        assertThat(frames).allSatisfy(e -> {
            assertThat(e.location()).isEqualTo(Pfn.FREE_PAGE_LIST);
            assertThat(e.referenceCount()).isZero();
        });
    }
}
