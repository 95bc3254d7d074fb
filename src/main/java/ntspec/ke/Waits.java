package ntspec.ke;

import ntspec.trace.Trace;

/**
 * The dispatcher's event routines and KeWaitForSingleObject, after the Windows Research Kernel's
 * ke/wait.c and ke/eventobj.c and ReactOS ntoskrnl/ke/wait.c and eventobj.c. The event is the
 * KEVENT in simulated memory: every routine reads and writes its DISPATCHER_HEADER there, at
 * SYNCH_LEVEL, as the dispatcher does under its lock (so an event in paged-out memory faults at
 * raised IRQL).
 *
 * <h2>The model of a wait</h2>
 * The simulator runs one step at a time; nothing runs "meanwhile" unless the machine is told to.
 * A wait is therefore decided at once, deterministically, in this order:
 * <ol>
 * <li>The object is signalled: the wait is satisfied (a SynchronizationEvent is reset by it, a
 * NotificationEvent stays signalled) and returns STATUS_SUCCESS without blocking.</li>
 * <li>A zero timeout: STATUS_TIMEOUT at once (legal up to DISPATCH_LEVEL).</li>
 * <li>Otherwise the thread must block. In a DPC there is no thread to block: the context switch
 * bug-checks ATTEMPTED_SWITCH_FROM_DPC (0xB8) (original thread, new thread = the processor's idle
 * thread, the original thread's stack, 0), as SwapContext / KiSwapContextResume does when
 * Prcb->DpcRoutineActive is set (WRK amd64 ctxswap.asm, ReactOS ke/amd64/thrdini.c). A thread that
 * raised IRQL itself blocks at its WaitIrql: the free kernel only ASSERTs that the wait was legal,
 * so the checked kernel stops there and the free kernel waits.</li>
 * <li>Blocked, the thread leaves its processor to the processor's idle thread, and the machine
 * lets time pass: it runs its pending work ({@link Kernel#queuePendingWork}: a device that
 * finishes a transfer a driver started, and the DPC that completes the request), one item at a time
 * in the order it was queued, on that processor. After each item the wait is tested again. A
 * special kernel APC queued to the waiting thread (stage 2 of I/O completion, which sets the
 * IRP's UserEvent) wakes it below APC_LEVEL: it runs the APC in its own context, then tests the
 * wait again, as KiInsertQueueApc unwaits a thread with STATUS_KERNEL_APC.</li>
 * <li>Nothing pending is left and the object is still not signalled: with a timeout, the time
 * passes (KeQueryInterruptTime advances to the due time) and the wait returns STATUS_TIMEOUT;
 * without one, nothing can ever signal the object: the thread sleeps forever, recorded as a hang
 * ("KeWaitForSingleObject ..."), not a bug check, since Windows goes on running other threads.</li>
 * </ol>
 * <h2>Alertable waits and user APCs</h2>
 * A wait in UserMode with Alertable TRUE that cannot be satisfied at once tests the thread's user
 * APC queue (KTHREAD.ApcState.ApcListHead[UserMode] in memory) before it tests a zero timeout, as
 * WRK's TestForAlertPending does: a user APC queued sets ApcState.UserApcPending and ends the wait
 * with STATUS_USER_APC. While blocked, the same test follows each piece of pending work and each
 * kernel APC (stage 2 of I/O completion queues the user APC of a ReadFileEx there), as
 * KiInsertQueueApc unwaits an alertable user-mode waiter. A signalled object is taken first: an
 * alertable wait on a signalled event returns STATUS_SUCCESS and leaves the APCs queued. A
 * non-alertable wait, or one in KernelMode, never looks at the user APC queue. The user APCs run
 * later, as the system service returns to user mode ({@link Kernel#deliverUserApcs}).
 * KeDelayExecutionThread (NtDelayExecution, SleepEx) and KeRemoveQueue (the completion port's
 * wait) block the same way; KeRemoveQueue is satisfied by an entry on the queue while CurrentCount
 * is below MaximumCount (WRK ke/queueobj.c; https://github.com/reactos/reactos/blob/master/ntoskrnl/ke/queue.c).
 *
 * <p>What the model leaves out: other threads of the scenario do not run while one waits (only the
 * machine's pending work does), alerts (NtAlertThread: no wait returns STATUS_ALERTED),
 * dispatcher objects other than events and queues (a wait on anything else tests SignalState
 * only), and the waiters' list in the header (a KeSetEvent does not wake a waiter by itself: the
 * waiter re-tests the event after the work that set it).
 */
public final class Waits {
    /** DISPATCHER_HEADER.Type of the two event types (KOBJECTS EventNotificationObject, EventSynchronizationObject). */
    static final int EVENT_NOTIFICATION = 0;
    static final int EVENT_SYNCHRONIZATION = 1;
    /** The system time at boot (100 ns units since 1601), against which absolute timeouts are measured. */
    public static final long BOOT_SYSTEM_TIME = 0x01DA_0000_0000_0000L;

    private final Kernel kernel;

    Waits(Kernel kernel) {
        this.kernel = kernel;
    }

    /** Runs body at SYNCH_LEVEL (the dispatcher lock), then back at the caller's IRQL. */
    private <T> T locked(java.util.function.Supplier<T> body) {
        int old = kernel.KeGetCurrentIrql();
        if (old < Kernel.SYNCH_LEVEL) kernel.setIrql(Kernel.SYNCH_LEVEL);
        T r = body.get();
        if (old < Kernel.SYNCH_LEVEL) kernel.setIrql(old);
        return r;
    }

    /** KeInitializeEvent: the header (Type, Size in ULONGs, SignalState) and an empty wait list. */
    public void KeInitializeEvent(KEvent event, int type, boolean state) {
        event.initialize(type, state);
    }

    /**
     * KeSetEvent: signals the event and returns its previous SignalState. With Wait TRUE the
     * dispatcher lock stays held: the routine returns at SYNCH_LEVEL and the caller must wait next
     * (KeWaitForSingleObject then starts from the saved WaitIrql), as WRK's KeSetEvent sets
     * Thread->WaitNext.
     */
    public int KeSetEvent(KEvent event, int increment, boolean wait) {
        int old = kernel.KeGetCurrentIrql();
        kernel.setIrql(Math.max(old, Kernel.SYNCH_LEVEL));
        int previous = event.SignalState();
        if (previous == 0) event.setSignalState(1);
        kernel.trace().add(Trace.Kind.NOTE, "event " + Trace.hex(event.address) + " signalled (previous state " + previous
                + ", increment " + increment + ")");
        KThread t = kernel.currentThread();
        if (wait && t != null) {
            t.waitNext = true;
            t.waitIrql = old;
            kernel.trace().add(Trace.Kind.NOTE, "KeSetEvent(Wait TRUE): returns at SYNCH_LEVEL holding the dispatcher lock");
        } else {
            kernel.setIrql(old);
        }
        return previous;
    }

    /** KeResetEvent: clears the event and returns its previous SignalState. */
    public int KeResetEvent(KEvent event) {
        return locked(() -> {
            int previous = event.SignalState();
            event.setSignalState(0);
            return previous;
        });
    }

    /** KeClearEvent: clears the event (no lock, no previous state: a plain store). */
    public void KeClearEvent(KEvent event) {
        event.setSignalState(0);
    }

    /** KeReadStateEvent: the SignalState as it is. */
    public int KeReadStateEvent(KEvent event) {
        return event.SignalState();
    }

    /** Tests the object and, when signalled, satisfies the wait (KiWaitSatisfyOther): true when satisfied. */
    private boolean satisfy(KEvent object) {
        return locked(() -> {
            if (object.SignalState() <= 0) return false;
            if (object.Type() == EVENT_SYNCHRONIZATION) object.setSignalState(0);
            return true;
        });
    }

    /** KPROCESSOR_MODE of a wait. */
    public static final int KernelMode = 0;
    public static final int UserMode = 1;

    /**
     * KeWaitForSingleObject(Object, WaitReason, KernelMode, FALSE, Timeout): {@code timeout} is
     * the LARGE_INTEGER the Timeout pointer points at (negative relative, positive absolute, in
     * 100 ns units), or null for a NULL pointer. See the class comment for the model.
     */
    public int KeWaitForSingleObject(KEvent object, Long timeout) {
        return KeWaitForSingleObject(object, KernelMode, false, timeout);
    }

    /** KeWaitForSingleObject(Object, WaitReason, WaitMode, Alertable, Timeout). */
    public int KeWaitForSingleObject(KEvent object, int waitMode, boolean alertable, Long timeout) {
        return wait("KeWaitForSingleObject", "event " + Trace.hex(object.address), () -> satisfy(object), waitMode, alertable, timeout);
    }

    /**
     * KeDelayExecutionThread(WaitMode, Alertable, Interval) with an interval (the LARGE_INTEGER, as
     * for a timeout) or null for a delay that never ends: nothing satisfies the wait but its end,
     * when it returns STATUS_SUCCESS; an alertable user-mode delay ends early with STATUS_USER_APC.
     */
    public int KeDelayExecutionThread(int waitMode, boolean alertable, Long interval) {
        int status = wait("KeDelayExecutionThread", "its delay", () -> false, waitMode, alertable, interval);
        return status == NtStatus.STATUS_TIMEOUT ? NtStatus.STATUS_SUCCESS : status;
    }

    /** What KeRemoveQueue returned: the entry removed, or 0 with STATUS_TIMEOUT / STATUS_USER_APC. */
    public record Removed(long entry, int status) {
    }

    /**
     * KeRemoveQueue(Queue, WaitMode, Timeout) (WRK ke/queueobj.c): the thread becomes associated
     * with the queue -- its first call, or a call after it left another queue -- or, when it
     * already was, stops counting as running (CurrentCount - 1); then it takes the first entry if
     * there is one and CurrentCount is below MaximumCount (CurrentCount + 1), else waits as
     * KeWaitForSingleObject does (not alertable; in UserMode a pending user APC ends it).
     */
    public Removed KeRemoveQueue(KQueue queue, int waitMode, Long timeout) {
        KThread t = kernel.currentThread();
        locked(() -> {
            if (t != null && t.queue == queue) {
                queue.setCurrentCount(queue.CurrentCount() - 1);
            } else if (t != null) {
                if (t.queue != null) t.queue.setCurrentCount(t.queue.CurrentCount() - 1);
                t.queue = queue;
            }
            return null;
        });
        long[] entry = {0};
        int status = wait("KeRemoveQueue", "queue " + Trace.hex(queue.address), () -> locked(() -> {
            if (queue.isEmpty() || queue.CurrentCount() >= queue.MaximumCount()) return false;
            entry[0] = queue.removeHead();
            queue.setCurrentCount(queue.CurrentCount() + 1);
            return true;
        }), waitMode, false, timeout);
        return new Removed(status == NtStatus.STATUS_SUCCESS ? entry[0] : 0, status);
    }

    /** KeInsertQueue(Queue, Entry): the entry at the tail; returns the previous SignalState. */
    public int KeInsertQueue(KQueue queue, long entry) {
        int previous = locked(() -> queue.insert(entry));
        kernel.trace().add(Trace.Kind.NOTE, "KeInsertQueue(" + Trace.hex(queue.address) + ", " + Trace.hex(entry) + "): "
                + (previous + 1) + " entr" + (previous == 0 ? "y" : "ies") + " queued");
        return previous;
    }

    private int wait(String routine, String what, java.util.function.BooleanSupplier satisfied, int waitMode, boolean alertable, Long timeout) {
        Processor p = kernel.currentProcessor();
        KThread t = p.currentThread;
        int waitIrql = p.irql;
        if (t != null && t.waitNext) {
            t.waitNext = false;
            waitIrql = t.waitIrql;
        } else {
            kernel.ASSERT(p.irql < Irql.DISPATCH_LEVEL || (p.irql == Irql.DISPATCH_LEVEL && timeout != null && timeout == 0),
                    "KeGetCurrentIrql() < DISPATCH_LEVEL || (KeGetCurrentIrql() == DISPATCH_LEVEL && Timeout && Timeout->QuadPart == 0)");
        }
        long due = timeout == null ? Long.MAX_VALUE
                : timeout < 0 ? kernel.KeQueryInterruptTime() - timeout
                : timeout - BOOT_SYSTEM_TIME;
        int status = waitOn(p, t, waitIrql, satisfied, timeout, due, what, routine, waitMode == UserMode && alertable);
        if (p.irql != waitIrql) kernel.setIrql(waitIrql);
        return status;
    }

    /**
     * TestForAlertPending for an alertable user-mode wait: a user APC queued sets UserApcPending and
     * ends the wait (STATUS_USER_APC).
     */
    private boolean userApcEndsWait(KThread t, boolean alertableUser) {
        if (!alertableUser || t == null || t.userApcQueueEmpty()) return false;
        t.setUserApcPending(true);
        kernel.trace().add(Trace.Kind.NOTE, "a user APC is queued to " + t + ": its alertable wait ends with STATUS_USER_APC");
        return true;
    }

    private int waitOn(Processor p, KThread t, int waitIrql, java.util.function.BooleanSupplier satisfied, Long timeout, long due,
                       String what, String waitRoutine, boolean alertableUser) {
        if (satisfied.getAsBoolean()) return NtStatus.STATUS_SUCCESS;
        if (userApcEndsWait(t, alertableUser)) return NtStatus.STATUS_USER_APC;
        if (timeout != null && due <= kernel.KeQueryInterruptTime()) return NtStatus.STATUS_TIMEOUT;
        KThread idle = kernel.idleThread(p.number);
        if (p.inDpc) {
            long initialStack = t == null ? 0 : 0xFFFFF600_00000000L + (t.threadId << 16);
            throw kernel.KeBugCheckEx(BugCheckCode.ATTEMPTED_SWITCH_FROM_DPC, t == null ? 0 : t.address,
                    idle == null ? 0 : idle.address, initialStack, 0);
        }
        kernel.trace().add(Trace.Kind.NOTE, t + " waits on " + what + " at " + Irql.name(waitIrql)
                + (timeout == null ? ", no timeout" : ", timeout " + timeout));
        // The thread leaves the processor to its idle thread; the code running is the kernel's.
        long ip = p.instructionPointer;
        long ret = p.returnAddress;
        String routine = p.kernelRoutine;
        boolean switched = idle != null && idle != t;
        suspend(p, switched, idle);
        try {
            while (true) {
                if (t != null && t.pendingKernelApcs() > 0 && waitIrql < Irql.APC_LEVEL) {
                    // A special kernel APC wakes the waiting thread: it runs the APC, then waits again.
                    resume(p, switched, t, waitIrql);
                    if (satisfied.getAsBoolean()) return NtStatus.STATUS_SUCCESS;
                    if (userApcEndsWait(t, alertableUser)) return NtStatus.STATUS_USER_APC;
                    suspend(p, switched, idle);
                }
                if (satisfied.getAsBoolean()) {
                    resume(p, switched, t, waitIrql);
                    return NtStatus.STATUS_SUCCESS;
                }
                if (userApcEndsWait(t, alertableUser)) {
                    resume(p, switched, t, waitIrql);
                    return NtStatus.STATUS_USER_APC;
                }
                Kernel.PendingWork work = kernel.nextPendingWork();
                if (work == null) break;
                kernel.trace().add(Trace.Kind.NOTE, "while " + t + " waits, the machine runs: " + work.what());
                int saved = kernel.currentProcessorNumber();
                kernel.setCurrentProcessorNumber(p.number);
                try {
                    work.work().accept(p.number);
                } finally {
                    kernel.setCurrentProcessorNumber(saved);
                }
            }
            resume(p, switched, t, waitIrql);
            if (timeout != null) {
                kernel.advanceInterruptTime(due);
                kernel.trace().add(Trace.Kind.NOTE, "the wait of " + t + " on " + what + " timed out");
                return NtStatus.STATUS_TIMEOUT;
            }
            throw kernel.waitsForever(waitRoutine + " on " + what + ": nothing pending in the machine can "
                    + (waitRoutine.equals("KeDelayExecutionThread") ? "end it" : "signal it") + " (" + t + ")");
        } finally {
            p.instructionPointer = ip;
            p.returnAddress = ret;
            p.kernelRoutine = routine;
        }
    }

    private void suspend(Processor p, boolean switched, KThread idle) {
        p.irql = Irql.PASSIVE_LEVEL;
        p.kernelRoutine = null;
        p.returnAddress = 0;
        p.instructionPointer = kernel.nt().routine("KiIdleLoop");
        if (switched) kernel.switchTo(idle);
    }

    private void resume(Processor p, boolean switched, KThread t, int waitIrql) {
        p.irql = waitIrql;
        if (switched) kernel.switchTo(t); // delivers the thread's kernel APCs below APC_LEVEL
        else kernel.deliverApcsOn(p);
    }
}
