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
 * What the model leaves out: other threads of the scenario do not run while one waits (only the
 * machine's pending work does), alerts and user APCs (an alertable wait never returns
 * STATUS_ALERTED or STATUS_USER_APC), dispatcher objects other than events (a wait on anything
 * else tests SignalState only), and the waiters' list in the header (a KeSetEvent does not wake a
 * waiter by itself: the waiter re-tests the event after the work that set it).
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

    /**
     * KeWaitForSingleObject(Object, WaitReason, WaitMode, Alertable, Timeout): {@code timeout} is
     * the LARGE_INTEGER the Timeout pointer points at (negative relative, positive absolute, in
     * 100 ns units), or null for a NULL pointer. See the class comment for the model.
     */
    public int KeWaitForSingleObject(KEvent object, Long timeout) {
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
        String what = "event " + Trace.hex(object.address);
        long due = timeout == null ? Long.MAX_VALUE
                : timeout < 0 ? kernel.KeQueryInterruptTime() - timeout
                : timeout - BOOT_SYSTEM_TIME;
        int status = waitOn(p, t, waitIrql, object, timeout, due, what);
        if (p.irql != waitIrql) kernel.setIrql(waitIrql);
        return status;
    }

    private int waitOn(Processor p, KThread t, int waitIrql, KEvent object, Long timeout, long due, String what) {
        if (satisfy(object)) return NtStatus.STATUS_SUCCESS;
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
                    if (satisfy(object)) return NtStatus.STATUS_SUCCESS;
                    suspend(p, switched, idle);
                }
                if (satisfy(object)) {
                    resume(p, switched, t, waitIrql);
                    return NtStatus.STATUS_SUCCESS;
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
            throw kernel.waitsForever("KeWaitForSingleObject on " + what + ": nothing pending in the machine can signal it (" + t + ")");
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
