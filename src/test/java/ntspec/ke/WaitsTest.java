package ntspec.ke;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import ntspec.TestMachine;
import ntspec.mm.Pool;
import org.junit.jupiter.api.Test;

/** Events and the model of a wait (ntspec.ke.Waits): satisfied, timed out, woken by pending work, hung, and 0xB8 in a DPC. */
class WaitsTest {
    private final TestMachine t = new TestMachine();
    private final Kernel k = t.machine.kernel;

    private KEvent newEvent(int type, boolean state) {
        long va = t.machine.mm.pool.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, 0x18, Pool.tag("tvEK"));
        KEvent e = new KEvent(t.machine.mm, va);
        k.waits.KeInitializeEvent(e, type, state);
        return e;
    }

    @Test
    void aNotificationEventStaysSignalledAndASynchronizationEventIsResetByTheWait() {
        KEvent notification = newEvent(KEvent.NotificationEvent, true);
        KEvent synchronization = newEvent(KEvent.SynchronizationEvent, true);
        assertThat(k.waits.KeWaitForSingleObject(notification, null)).isEqualTo(NtStatus.STATUS_SUCCESS);
        assertThat(notification.SignalState()).isEqualTo(1);
        assertThat(k.waits.KeWaitForSingleObject(synchronization, null)).isEqualTo(NtStatus.STATUS_SUCCESS);
        assertThat(synchronization.SignalState()).isZero();
        assertThat(k.waits.KeWaitForSingleObject(synchronization, 0L)).isEqualTo(NtStatus.STATUS_TIMEOUT);
    }

    @Test
    void keSetEventAndKeResetEventReturnThePreviousState() {
        KEvent e = newEvent(KEvent.NotificationEvent, false);
        assertThat(k.waits.KeSetEvent(e, 0, false)).isZero();
        assertThat(k.waits.KeSetEvent(e, 0, false)).isEqualTo(1);
        assertThat(k.waits.KeResetEvent(e)).isEqualTo(1);
        assertThat(k.waits.KeReadStateEvent(e)).isZero();
        assertThat(k.KeGetCurrentIrql()).isEqualTo(Irql.PASSIVE_LEVEL);
    }

    @Test
    void keSetEventWithWaitTrueReturnsAtSynchLevelAndTheNextWaitReturnsToTheCallersIrql() {
        KEvent e = newEvent(KEvent.SynchronizationEvent, false);
        KEvent other = newEvent(KEvent.NotificationEvent, true);
        k.waits.KeSetEvent(e, 0, true);
        assertThat(k.KeGetCurrentIrql()).isEqualTo(Kernel.SYNCH_LEVEL);
        assertThat(k.waits.KeWaitForSingleObject(other, null)).isEqualTo(NtStatus.STATUS_SUCCESS);
        assertThat(k.KeGetCurrentIrql()).isEqualTo(Irql.PASSIVE_LEVEL);
    }

    @Test
    void pendingWorkRunsWhileTheThreadWaitsInOrderUntilTheEventIsSignalled() {
        KEvent e = newEvent(KEvent.NotificationEvent, false);
        List<String> ran = new ArrayList<>();
        k.queuePendingWork("first", cpu -> ran.add("first on " + cpu + " in " + k.currentThread().process.name));
        k.queuePendingWork("second", cpu -> {
            ran.add("second");
            k.waits.KeSetEvent(e, 0, false);
        });
        k.queuePendingWork("third", cpu -> ran.add("third"));
        assertThat(k.waits.KeWaitForSingleObject(e, null)).isEqualTo(NtStatus.STATUS_SUCCESS);
        assertThat(ran).containsExactly("first on 0 in System", "second");
        assertThat(k.pendingWork()).hasSize(1);
        assertThat(k.currentThread()).isSameAs(t.appThread);
    }

    @Test
    void aTimeoutExpiresWhenNothingIsPendingAndTheInterruptTimeAdvancesByIt() {
        KEvent e = newEvent(KEvent.NotificationEvent, false);
        long before = k.KeQueryInterruptTime();
        assertThat(k.waits.KeWaitForSingleObject(e, -500_000L)).isEqualTo(NtStatus.STATUS_TIMEOUT);
        assertThat(k.KeQueryInterruptTime() - before).isEqualTo(500_000L);
        assertThat(t.machine.isHalted()).isFalse();
    }

    @Test
    void aWaitNothingCanSatisfyIsARecordedHangNotABugCheck() {
        KEvent e = newEvent(KEvent.NotificationEvent, false);
        assertThatThrownBy(() -> k.waits.KeWaitForSingleObject(e, null)).isInstanceOf(ThreadHungException.class);
        assertThat(k.hang()).startsWith("KeWaitForSingleObject ");
        assertThat(t.machine.bugCheck()).isNull();
    }

    @Test
    void aWaitThatMustBlockInADpcIsAttemptedSwitchFromDpc() {
        KEvent e = newEvent(KEvent.NotificationEvent, false);
        KThread interrupted = k.currentThread();
        k.setIrql(Irql.DISPATCH_LEVEL);
        assertThatThrownBy(() -> k.inDpc(() -> k.waits.KeWaitForSingleObject(e, -1L))).isInstanceOf(BugCheckException.class);
        BugCheck bc = t.machine.bugCheck();
        assertThat(bc.code()).isEqualTo(BugCheckCode.ATTEMPTED_SWITCH_FROM_DPC);
        assertThat(bc.p1()).isEqualTo(interrupted.address);
        assertThat(bc.p2()).isEqualTo(k.idleThread(0).address);
        assertThat(bc.p4()).isZero();
    }

    @Test
    void theCheckedKernelAssertsABlockingWaitAtDispatchLevel() {
        k.setCheckedBuild(true);
        KEvent e = newEvent(KEvent.NotificationEvent, false);
        k.setIrql(Irql.DISPATCH_LEVEL);
        assertThat(k.waits.KeWaitForSingleObject(e, 0L)).as("a zero timeout is legal at DISPATCH_LEVEL").isEqualTo(NtStatus.STATUS_TIMEOUT);
        assertThatThrownBy(() -> k.waits.KeWaitForSingleObject(e, null)).isInstanceOf(Kernel.AssertionBreak.class);
    }
}
