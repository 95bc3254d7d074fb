package ntspec.ke;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import ntspec.TestMachine;
import ntspec.mm.EProcess;
import org.junit.jupiter.api.Test;

/** IRQL rules, bug checks, SEH and process attach (https://learn.microsoft.com/windows-hardware/drivers/kernel/managing-hardware-priorities; https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-code-reference2). */
class KernelTest {
    private final TestMachine t = new TestMachine();
    private final Kernel k = t.machine.kernel;

    @Test
    void previousModeIsUserModeInAUserThreadAndKernelModeInASystemThread() {
        assertThat(t.wdm.ExGetPreviousMode()).isEqualTo(1);
        KThread system = t.machine.ps.PsCreateThread(t.machine.ps.systemProcess());
        k.switchTo(system);
        assertThat(t.wdm.ExGetPreviousMode()).isEqualTo(0);
        assertThat(system.previousMode()).isEqualTo(0);
    }

    @Test
    void raiseAndLowerReturnAndRestoreTheIrql() {
        assertThat(k.KeGetCurrentIrql()).isEqualTo(Irql.PASSIVE_LEVEL);
        int old = k.KeRaiseIrql(Irql.DISPATCH_LEVEL);
        assertThat(old).isEqualTo(Irql.PASSIVE_LEVEL);
        assertThat(k.KeGetCurrentIrql()).isEqualTo(Irql.DISPATCH_LEVEL);
        k.KeLowerIrql(old);
        assertThat(k.KeGetCurrentIrql()).isEqualTo(Irql.PASSIVE_LEVEL);
    }

    @Test
    void raisingToALowerIrqlLowersItUncheckedAsTheX64InlineDoes() {
        k.KeRaiseIrql(Irql.DISPATCH_LEVEL);
        assertThat(k.KeRaiseIrql(Irql.APC_LEVEL)).isEqualTo(Irql.DISPATCH_LEVEL);
        assertThat(k.KeGetCurrentIrql()).isEqualTo(Irql.APC_LEVEL);
        assertThat(t.machine.bugCheck()).isNull();
    }

    @Test
    void loweringToAHigherIrqlRaisesItUnchecked() {
        k.KeLowerIrql(Irql.DISPATCH_LEVEL);
        assertThat(k.KeGetCurrentIrql()).isEqualTo(Irql.DISPATCH_LEVEL);
        assertThat(t.machine.bugCheck()).isNull();
    }

    @Test
    void anIrqlAboveFifteenIsAGeneralProtectionFaultRaisedAsAnAccessViolation() {
        List<Integer> caught = new ArrayList<>();
        k.tryExcept(() -> k.KeRaiseIrql(16), caught::add);
        assertThat(caught).containsExactly(NtStatus.STATUS_ACCESS_VIOLATION);
        assertThat(k.KeGetCurrentIrql()).isEqualTo(Irql.PASSIVE_LEVEL);
        assertThat(k.KeRaiseIrql(0x102)).as("a KIRQL is a UCHAR: 0x102 is 2").isEqualTo(Irql.PASSIVE_LEVEL);
        assertThat(k.KeGetCurrentIrql()).isEqualTo(Irql.DISPATCH_LEVEL);
    }

    @Test
    void eachProcessorHasItsOwnIrql() {
        k.KeRaiseIrql(Irql.DISPATCH_LEVEL);
        k.setCurrentProcessor(1);
        assertThat(k.KeGetCurrentIrql()).isEqualTo(Irql.PASSIVE_LEVEL);
        k.setCurrentProcessor(0);
        assertThat(k.KeGetCurrentIrql()).isEqualTo(Irql.DISPATCH_LEVEL);
    }

    @Test
    void keBugCheckExHaltsTheMachineAndEveryLaterCallFails() {
        assertThatThrownBy(() -> k.KeBugCheckEx(0xDEAD, 1, 2, 3, 4)).isInstanceOf(BugCheckException.class);
        assertThat(t.machine.isHalted()).isTrue();
        assertThat(t.machine.bugCheck().p4()).isEqualTo(4);
        assertThatThrownBy(() -> t.wdm.ExAllocatePoolWithTag(0, 16, 0x20202020))
                .isInstanceOf(MachineHaltedException.class)
                .hasMessageContaining("machine has bug-checked");
        assertThatThrownBy(() -> k.KeBugCheckEx(1, 0, 0, 0, 0)).isInstanceOf(MachineHaltedException.class);
        assertThat(t.machine.bugCheck().code()).as("the first bug check stays recorded").isEqualTo(0xDEAD);
    }

    @Test
    void tryExceptCatchesARaisedStatusAndRecordsTheCode() {
        List<Integer> caught = new ArrayList<>();
        k.tryExcept(() -> k.ExRaiseStatus(NtStatus.STATUS_ACCESS_VIOLATION), caught::add);
        assertThat(caught).containsExactly(NtStatus.STATUS_ACCESS_VIOLATION);
        assertThat(k.currentThread().lastExceptionCode()).isEqualTo(NtStatus.STATUS_ACCESS_VIOLATION);
        k.tryExcept(() -> { }, caught::add);
        assertThat(caught).as("a __try whose body completes runs no handler").hasSize(1);
    }

    @Test
    void aFilterThatContinuesTheSearchPassesTheExceptionToTheOuterHandler() {
        List<String> order = new ArrayList<>();
        k.tryExcept(() -> k.tryExcept(() -> k.ExRaiseStatus(NtStatus.STATUS_ACCESS_VIOLATION),
                        code -> Kernel.EXCEPTION_CONTINUE_SEARCH, code -> order.add("inner")),
                code -> order.add("outer"));
        assertThat(order).containsExactly("outer");
    }

    @Test
    void anExceptionNobodyCatchesInAUserThreadsSystemCallIsSystemServiceException() {
        assertThatThrownBy(() -> t.wdm.runAsDriver("Dispatch", () -> k.raise(NtStatus.STATUS_ACCESS_VIOLATION, 1, 0x1234)))
                .isInstanceOf(BugCheckException.class);
        BugCheck bc = t.machine.bugCheck();
        assertThat(bc.code()).as("0x3B SYSTEM_SERVICE_EXCEPTION").isEqualTo(0x3B);
        assertThat(bc.p1()).isEqualTo(0xC0000005L);
        assertThat(t.machine.kernel.imageAt(bc.p2()).name()).as("raised in the driver's code").isEqualTo("Test.sys");
        assertThat(bc.p3()).as("the context record, on the thread's stack").isNotZero();
        assertThat(bc.p4()).isZero();
    }

    @Test
    void anExceptionNobodyCatchesInADpcIsKmodeExceptionNotHandledWithTheRecord() {
        assertThatThrownBy(() -> t.wdm.runDpc(1, () -> k.raise(NtStatus.STATUS_ACCESS_VIOLATION, 1, 0x1234)))
                .isInstanceOf(BugCheckException.class);
        BugCheck bc = t.machine.bugCheck();
        assertThat(bc.code()).isEqualTo(0x1E);
        assertThat(bc.p1()).isEqualTo(0xC0000005L);
        assertThat(t.machine.kernel.imageAt(bc.p2()).name()).isEqualTo("Test.sys");
        assertThat(bc.p3()).isEqualTo(1);
        assertThat(bc.p4()).isEqualTo(0x1234);
    }

    @Test
    void anExceptionNobodyCatchesInASystemThreadIsSystemThreadExceptionNotHandled() {
        k.switchTo(t.machine.ps.PsCreateThread(t.machine.ps.systemProcess()));
        assertThatThrownBy(() -> t.wdm.runAsDriver("Worker", () -> k.raise(NtStatus.STATUS_ACCESS_VIOLATION, 0, 0)))
                .isInstanceOf(BugCheckException.class);
        assertThat(t.machine.bugCheck().code()).isEqualTo(0x7E);
    }

    @Test
    void bugChecksAreNeverCaughtByExceptionHandlers() {
        List<Integer> caught = new ArrayList<>();
        assertThatThrownBy(() -> k.tryExcept(() -> k.KeBugCheckEx(0x50, 0, 0, 0, 0), caught::add))
                .isInstanceOf(BugCheckException.class);
        assertThat(caught).isEmpty();
    }

    @Test
    void attachingLoadsTheOtherProcessesPageTablesAndDetachingRestoresThem() {
        EProcess other = t.machine.ps.PsCreateProcess("other");
        long mine = k.currentProcessor().cpu.cr3();
        KApcState state = new KApcState();
        k.KeStackAttachProcess(other, state);
        assertThat(k.currentProcessor().cpu.cr3()).isEqualTo(other.directoryTableBase).isNotEqualTo(mine);
        assertThat(k.currentProcess()).isSameAs(other);
        assertThat(k.currentThread().isAttached()).isTrue();
        k.KeUnstackDetachProcess(state);
        assertThat(k.currentProcessor().cpu.cr3()).isEqualTo(mine);
        assertThat(k.currentProcess()).isSameAs(t.app);
        assertThat(k.currentThread().isAttached()).isFalse();
    }

    @Test
    void aUserAddressMeansWhateverTheCurrentAddressSpaceHoldsThere() {
        long va = t.allocate(0x1000, ntspec.mm.Protection.PAGE_READWRITE);
        t.userWrite(va, "app data");
        EProcess other = t.machine.ps.PsCreateProcess("other");
        KApcState state = new KApcState();
        k.KeStackAttachProcess(other, state);
        assertThatThrownBy(() -> t.kernelRead(va, 8)).as("nothing is allocated there in the other process")
                .isInstanceOf(RaisedException.class);
        k.KeUnstackDetachProcess(state);
        assertThat(t.kernelRead(va, 8)).isEqualTo("app data");
    }
}
