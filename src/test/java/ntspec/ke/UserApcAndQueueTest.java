package ntspec.ke;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import ntspec.TestMachine;
import ntspec.mm.Pool;
import org.junit.jupiter.api.Test;

/** Kernel queues (KeInsertQueue, KeRemoveQueue) and user APCs with alertable waits (ntspec.ke.Waits, Kernel.deliverUserApcs). */
class UserApcAndQueueTest {
    private final TestMachine t = new TestMachine();
    private final Kernel k = t.machine.kernel;
    private final List<String> ran = new ArrayList<>();

    private KQueue newQueue(int count) {
        long va = t.machine.mm.pool.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, KQueue.TYPE.size(), Pool.tag("Queu"));
        KQueue q = new KQueue(t.machine.mm, va);
        q.initialize(count, k.processorCount());
        return q;
    }

    private long newEntry() {
        return t.machine.mm.pool.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, 0x20, Pool.tag("Entr"));
    }

    private KEvent newEvent(boolean state) {
        long va = t.machine.mm.pool.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, 0x18, Pool.tag("tvEK"));
        KEvent e = new KEvent(t.machine.mm, va);
        k.waits.KeInitializeEvent(e, KEvent.NotificationEvent, state);
        return e;
    }

    /** A user APC whose NormalRoutine records its context; the KAPC in pool. */
    private long queueUserApc(String label) {
        long routine = k.registerRoutine(k.userImage("app.exe"), "Apc" + label, (Kernel.UserRoutine) (c, a1, a2) -> ran.add(label + ":" + a1));
        long apc = t.machine.mm.pool.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, 0x58, Pool.tag("Psap"));
        k.KeInsertQueueUserApc(t.appThread, apc, 0, routine, 0, 7, 0);
        return apc;
    }

    @Test
    void aQueueIsADispatcherObjectInMemoryWhoseSignalStateCountsItsEntries() {
        KQueue q = newQueue(0);
        assertThat(t.machine.mm.read(q.address, 1)).isEqualTo(KQueue.QueueObject);
        assertThat(t.machine.mm.read(q.address + 2, 1)).isEqualTo(0x10);
        assertThat(q.MaximumCount()).as("0 means one per processor").isEqualTo(2);
        assertThat(q.isEmpty()).isTrue();
        long a = newEntry();
        long b = newEntry();
        assertThat(k.waits.KeInsertQueue(q, a)).isZero();
        assertThat(k.waits.KeInsertQueue(q, b)).isEqualTo(1);
        assertThat(q.KeReadStateQueue()).isEqualTo(2);
        assertThat(q.entryCount()).isEqualTo(2);
        assertThat(q.firstEntry()).isEqualTo(a);
        Waits.Removed r = k.waits.KeRemoveQueue(q, Waits.UserMode, 0L);
        assertThat(r).isEqualTo(new Waits.Removed(a, NtStatus.STATUS_SUCCESS));
        assertThat(q.CurrentCount()).as("the thread is now running for the queue").isEqualTo(1);
        assertThat(k.waits.KeRemoveQueue(q, Waits.UserMode, 0L).entry()).isEqualTo(b);
        assertThat(q.CurrentCount()).as("its second call first stopped counting it, then counted it again").isEqualTo(1);
        assertThat(k.waits.KeRemoveQueue(q, Waits.UserMode, 0L)).isEqualTo(new Waits.Removed(0, NtStatus.STATUS_TIMEOUT));
        assertThat(q.CurrentCount()).isZero();
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void aQueueAtItsConcurrencyLimitHandsOutNoEntry() {
        KQueue q = newQueue(1);
        k.waits.KeInsertQueue(q, newEntry());
        q.setCurrentCount(1); // another thread of the queue is running
        KQueue other = newQueue(1);
        t.appThread.queue = other; // this thread belongs to another queue: it joins q without freeing a slot
        assertThat(k.waits.KeRemoveQueue(q, Waits.UserMode, 0L).status()).isEqualTo(NtStatus.STATUS_TIMEOUT);
        assertThat(q.KeReadStateQueue()).isEqualTo(1);
    }

    @Test
    void keRemoveQueueWithoutATimeoutTakesWhatPendingWorkQueuesOrHangs() {
        KQueue q = newQueue(0);
        long e = newEntry();
        k.queuePendingWork("a packet", cpu -> k.waits.KeInsertQueue(q, e));
        assertThat(k.waits.KeRemoveQueue(q, Waits.UserMode, null).entry()).isEqualTo(e);
        assertThatThrownBy(() -> k.waits.KeRemoveQueue(q, Waits.UserMode, null)).isInstanceOf(ThreadHungException.class);
        assertThat(k.hang()).startsWith("KeRemoveQueue on queue");
    }

    @Test
    void aUserApcWaitsOnTheThreadsUserModeListUntilAnAlertableUserModeWait() {
        long apc = queueUserApc("A");
        long head = t.appThread.userApcListHead();
        assertThat(t.machine.mm.read(head, 8)).isEqualTo(apc + 0x10);
        assertThat(t.machine.mm.read(apc + 0x51, 1)).as("ApcMode").isEqualTo(1);
        assertThat(t.machine.mm.read(apc + 0x52, 1)).as("Inserted").isEqualTo(1);
        KEvent e = newEvent(false);
        assertThat(k.waits.KeWaitForSingleObject(e, Waits.UserMode, false, 0L)).as("not alertable").isEqualTo(NtStatus.STATUS_TIMEOUT);
        assertThat(k.waits.KeWaitForSingleObject(e, Waits.KernelMode, true, 0L)).as("alertable, but in KernelMode").isEqualTo(NtStatus.STATUS_TIMEOUT);
        assertThat(k.deliverUserApcs()).as("UserApcPending is not set: nothing is delivered").isZero();
        assertThat(ran).isEmpty();
        assertThat(k.waits.KeWaitForSingleObject(e, Waits.UserMode, true, 0L)).isEqualTo(NtStatus.STATUS_USER_APC);
        assertThat(t.appThread.userApcPending()).isTrue();
        assertThat(ran).as("the wait only ends; the APC runs on the way back to user mode").isEmpty();
        assertThat(k.deliverUserApcs()).isEqualTo(1);
        assertThat(ran).containsExactly("A:7");
        assertThat(t.appThread.userApcQueueEmpty()).isTrue();
        assertThat(t.appThread.userApcPending()).isFalse();
        assertThat(t.machine.mm.read(apc + 0x52, 1)).as("Inserted").isZero();
    }

    @Test
    void aSignalledObjectSatisfiesAnAlertableWaitBeforeTheApcsAreLookedAt() {
        queueUserApc("A");
        assertThat(k.waits.KeWaitForSingleObject(newEvent(true), Waits.UserMode, true, null)).isEqualTo(NtStatus.STATUS_SUCCESS);
        assertThat(t.appThread.userApcPending()).isFalse();
        assertThat(k.waits.KeDelayExecutionThread(Waits.UserMode, true, 0L)).as("a delay of 0 tests for them first")
                .isEqualTo(NtStatus.STATUS_USER_APC);
    }

    @Test
    void anApcQueuedByPendingWorkEndsABlockedAlertableDelayAndAllQueuedApcsRunInOrder() {
        k.queuePendingWork("two APCs", cpu -> {
            queueUserApc("A");
            queueUserApc("B");
        });
        assertThat(k.waits.KeDelayExecutionThread(Waits.UserMode, true, null)).isEqualTo(NtStatus.STATUS_USER_APC);
        assertThat(k.deliverUserApcs()).isEqualTo(2);
        assertThat(ran).containsExactly("A:7", "B:7");
        long before = k.KeQueryInterruptTime();
        assertThat(k.waits.KeDelayExecutionThread(Waits.UserMode, true, -1000L)).isEqualTo(NtStatus.STATUS_SUCCESS);
        assertThat(k.KeQueryInterruptTime()).isEqualTo(before + 1000);
        assertThatThrownBy(() -> k.waits.KeDelayExecutionThread(Waits.UserMode, false, null)).isInstanceOf(ThreadHungException.class);
        assertThat(k.hang()).startsWith("KeDelayExecutionThread on its delay");
    }

    @Test
    void theKernelRoutineRunsAtApcLevelBeforeTheUserRoutineAtPassiveLevel() {
        List<String> order = new ArrayList<>();
        long kernelRoutine = k.registerRoutine(k.nt(), "TestKernelRoutine",
                (Kernel.ApcKernelRoutine) apc -> order.add("kernel at " + k.KeGetCurrentIrql()));
        long userRoutine = k.registerRoutine(k.userImage("app.exe"), "TestUserRoutine",
                (Kernel.UserRoutine) (c, a1, a2) -> order.add("user at " + k.KeGetCurrentIrql() + " context " + c));
        long apc = t.machine.mm.pool.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, 0x58, Pool.tag("Psap"));
        k.KeInsertQueueUserApc(t.appThread, apc, kernelRoutine, userRoutine, 0x55, 0, 0);
        assertThat(k.imageAt(userRoutine).name()).isEqualTo("app.exe");
        assertThat(Long.compareUnsigned(userRoutine, 0x00007FFF_FFFF0000L)).as("user code lies in the user half").isNegative();
        k.waits.KeDelayExecutionThread(Waits.UserMode, true, 0L);
        k.deliverUserApcs();
        assertThat(order).containsExactly("kernel at " + Irql.APC_LEVEL, "user at " + Irql.PASSIVE_LEVEL + " context 85");
    }
}
