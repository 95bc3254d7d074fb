package ntspec.io;

import ntspec.ke.Kernel;
import ntspec.mm.Pool;
import ntspec.nt.StructType;
import ntspec.nt.StructType.Prim;
import ntspec.trace.Trace;

/**
 * Cancel-safe IRP queues (https://learn.microsoft.com/windows-hardware/drivers/kernel/cancel-safe-irp-queues),
 * following ReactOS's csq library line by line
 * (https://github.com/reactos/reactos/blob/master/sdk/lib/drivers/csq/csq.c): the IO_CSQ the driver
 * allocates holds its six callbacks; IoCsqInsertIrp marks the IRP pending, queues it through
 * CsqInsertIrp, sets nt's own cancel routine and, if the IRP was cancelled meanwhile, takes it
 * back; IoCsqRemoveNextIrp and IoCsqRemoveIrp clear the cancel routine before dequeuing, and skip an
 * IRP whose cancel routine is already running. The callbacks are called through the pointers in
 * the IO_CSQ in memory, so a corrupted IO_CSQ calls what it points at.
 */
public final class IoCsq {
    public static final int IO_TYPE_CSQ_IRP_CONTEXT = 1;
    public static final int IO_TYPE_CSQ = 2;
    /** IO_CSQ (wdm.h, x64): Type, the six callbacks, ReservePointer. */
    public static final StructType TYPE = StructType.builder("_IO_CSQ", 0x40)
            .prim("Type", 0x00, Prim.ULONG)
            .ptr("CsqInsertIrp", 0x08, "void")
            .ptr("CsqRemoveIrp", 0x10, "void")
            .ptr("CsqPeekNextIrp", 0x18, "void")
            .ptr("CsqAcquireLock", 0x20, "void")
            .ptr("CsqReleaseLock", 0x28, "void")
            .ptr("CsqCompleteCanceledIrp", 0x30, "void")
            .ptr("ReservePointer", 0x38, "Void")
            .build();
    /** IO_CSQ_IRP_CONTEXT (wdm.h, x64): Type, Irp, Csq. */
    public static final StructType IRP_CONTEXT = StructType.builder("_IO_CSQ_IRP_CONTEXT", 0x18)
            .prim("Type", 0x00, Prim.ULONG)
            .ptr("Irp", 0x08, "_IRP")
            .ptr("Csq", 0x10, "_IO_CSQ")
            .build();
    /** Irp->Tail.Overlay.DriverContext[3]: where the queue keeps its IO_CSQ or the IRP's context. */
    static final int DRIVER_CONTEXT_3 = 0x78 + 0x18;

    /** IO_CSQ_INSERT_IRP. */
    @FunctionalInterface
    public interface InsertIrp {
        void insert(long csq, Irp irp);
    }

    /** IO_CSQ_REMOVE_IRP. */
    @FunctionalInterface
    public interface RemoveIrp {
        void remove(long csq, Irp irp);
    }

    /** IO_CSQ_PEEK_NEXT_IRP: the next IRP after irp (NULL: the first) matching peekContext, or 0. */
    @FunctionalInterface
    public interface PeekNextIrp {
        long peek(long csq, Irp irp, long peekContext);
    }

    /** IO_CSQ_ACQUIRE_LOCK: stores the old IRQL at irql (a PKIRQL). */
    @FunctionalInterface
    public interface AcquireLock {
        void acquire(long csq, long irql);
    }

    /** IO_CSQ_RELEASE_LOCK. */
    @FunctionalInterface
    public interface ReleaseLock {
        void release(long csq, int irql);
    }

    /** IO_CSQ_COMPLETE_CANCELED_IRP. */
    @FunctionalInterface
    public interface CompleteCanceledIrp {
        void complete(long csq, Irp irp);
    }

    private final IoManager io;
    private final Kernel kernel;
    private final long cancelRoutine;
    /** The KIRQL local of IoCsq* (on the kernel stack in Windows) whose address CsqAcquireLock gets. */
    private final long irqlLocal;

    IoCsq(IoManager io) {
        this.io = io;
        this.kernel = io.kernel;
        DriverCancel routine = this::IopCsqCancelRoutine;
        this.cancelRoutine = kernel.registerRoutine(kernel.nt(), "IopCsqCancelRoutine", routine);
        this.irqlLocal = io.mm.pool.allocateObject(8, Pool.tag("IoCq"));
    }

    /** The address of nt's IopCsqCancelRoutine, the cancel routine of every IRP a cancel-safe queue holds. */
    public long cancelRoutineAddress() {
        return cancelRoutine;
    }

    private long read(long va) {
        return io.mm.read(va, 8);
    }

    private <T> T callback(long csq, int offset, Class<T> type) {
        return io.callTarget(read(csq + offset), type);
    }

    private void run(long csq, int offset, Runnable body) {
        long routine = read(csq + offset);
        long ip = kernel.enter(routine);
        try {
            body.run();
        } finally {
            kernel.leave(ip);
        }
    }

    private int acquireLock(long csq) {
        AcquireLock a = callback(csq, 0x20, AcquireLock.class);
        io.mm.write(irqlLocal, 1, 0);
        run(csq, 0x20, () -> a.acquire(csq, irqlLocal));
        return (int) io.mm.read(irqlLocal, 1);
    }

    private void releaseLock(long csq, int irql) {
        ReleaseLock r = callback(csq, 0x28, ReleaseLock.class);
        run(csq, 0x28, () -> r.release(csq, irql));
    }

    private void insertIrp(long csq, Irp irp) {
        InsertIrp f = callback(csq, 0x08, InsertIrp.class);
        run(csq, 0x08, () -> f.insert(csq, irp));
    }

    private void removeIrp(long csq, Irp irp) {
        RemoveIrp f = callback(csq, 0x10, RemoveIrp.class);
        run(csq, 0x10, () -> f.remove(csq, irp));
    }

    private long peekNextIrp(long csq, long irp, long peekContext) {
        PeekNextIrp f = callback(csq, 0x18, PeekNextIrp.class);
        long[] r = {0};
        run(csq, 0x18, () -> r[0] = f.peek(csq, irp == 0 ? null : io.irpAt(irp), peekContext));
        return r[0];
    }

    private void completeCanceledIrp(long csq, Irp irp) {
        CompleteCanceledIrp f = callback(csq, 0x30, CompleteCanceledIrp.class);
        run(csq, 0x30, () -> f.complete(csq, irp));
    }

    /** IoCsqInitialize: Type = IO_TYPE_CSQ, the six callbacks, ReservePointer = NULL; STATUS_SUCCESS. */
    public int IoCsqInitialize(long csq, long insert, long remove, long peek, long acquire, long release, long completeCanceled) {
        io.mm.write(csq, 4, IO_TYPE_CSQ);
        io.mm.write(csq + 0x08, 8, insert);
        io.mm.write(csq + 0x10, 8, remove);
        io.mm.write(csq + 0x18, 8, peek);
        io.mm.write(csq + 0x20, 8, acquire);
        io.mm.write(csq + 0x28, 8, release);
        io.mm.write(csq + 0x30, 8, completeCanceled);
        io.mm.write(csq + 0x38, 8, 0);
        return 0;
    }

    /**
     * IoCsqInsertIrp (IoCsqInsertIrpEx without an insert context): under the queue's lock, marks the
     * IRP pending, links the context (or the IO_CSQ) from DriverContext[3], queues it, sets the
     * cancel routine; an IRP already cancelled whose cancel routine has not run is taken out again
     * and handed to CsqCompleteCanceledIrp, so a cancelled IRP never stays queued.
     */
    public void IoCsqInsertIrp(long csq, Irp irp, long context) {
        int irql = acquireLock(csq);
        io.irp.IoMarkIrpPending(irp);
        if (context != 0) {
            io.mm.write(context, 4, IO_TYPE_CSQ_IRP_CONTEXT);
            io.mm.write(context + 0x08, 8, irp.address);
            io.mm.write(context + 0x10, 8, csq);
            io.mm.write(irp.address + DRIVER_CONTEXT_3, 8, context);
        } else {
            io.mm.write(irp.address + DRIVER_CONTEXT_3, 8, csq);
        }
        insertIrp(csq, irp);
        io.cancel.IoSetCancelRoutine(irp, cancelRoutine);
        if (irp.Cancel() && io.cancel.IoSetCancelRoutine(irp, 0) != 0) {
            io.trace.add(Trace.Kind.NOTE, "IoCsqInsertIrp: " + irp + " was cancelled before its cancel routine was set: completing it");
            io.mm.write(irp.address + DRIVER_CONTEXT_3, 8, 0);
            removeIrp(csq, irp);
            completeCanceledIrp(csq, irp);
            if (context != 0) io.mm.write(context + 0x08, 8, 0);
        }
        releaseLock(csq, irql);
    }

    /** Clears DriverContext[3] and the context's Irp of an IRP the queue hands out. */
    private void unlinkContext(long csq, Irp irp) {
        long ctx = read(irp.address + DRIVER_CONTEXT_3);
        io.mm.write(irp.address + DRIVER_CONTEXT_3, 8, 0);
        if (ctx != 0 && io.mm.read(ctx, 4) == IO_TYPE_CSQ_IRP_CONTEXT) io.mm.write(ctx + 0x08, 8, 0);
    }

    /**
     * IoCsqRemoveNextIrp: the first IRP CsqPeekNextIrp offers (matching PeekContext) whose cancel
     * routine can still be cleared; one whose routine is already running is left to it. NULL if none.
     */
    public Irp IoCsqRemoveNextIrp(long csq, long peekContext) {
        int irql = acquireLock(csq);
        long irp = 0;
        while ((irp = peekNextIrp(csq, irp, peekContext)) != 0) {
            Irp i = io.irpAt(irp);
            if (io.cancel.IoSetCancelRoutine(i, 0) == 0) continue;
            removeIrp(csq, i);
            unlinkContext(csq, i);
            break;
        }
        releaseLock(csq, irql);
        return irp == 0 ? null : io.irpAt(irp);
    }

    /** IoCsqRemoveIrp: the IRP the context tracks, unless it was cancelled (its context's Irp is NULL, or its cancel routine already ran). */
    public Irp IoCsqRemoveIrp(long csq, long context) {
        int irql = acquireLock(csq);
        Irp result = null;
        long irp = read(context + 0x08);
        if (irp != 0) {
            Irp i = io.irpAt(irp);
            if (io.cancel.IoSetCancelRoutine(i, 0) != 0) {
                removeIrp(csq, i);
                unlinkContext(csq, i);
                result = i;
            }
        }
        releaseLock(csq, irql);
        return result;
    }

    /**
     * IopCsqCancelRoutine: releases the cancel spin lock at once, finds the queue through
     * DriverContext[3] (clearing the context's Irp), dequeues the IRP under the queue's lock and
     * hands it to CsqCompleteCanceledIrp.
     */
    private void IopCsqCancelRoutine(DeviceObject device, Irp irp) {
        io.cancel.IoReleaseCancelSpinLock(irp.CancelIrql());
        long csq = read(irp.address + DRIVER_CONTEXT_3);
        if (io.mm.read(csq, 4) == IO_TYPE_CSQ_IRP_CONTEXT) {
            long context = csq;
            csq = read(context + 0x10);
            io.mm.write(context + 0x08, 8, 0);
        }
        long q = csq;
        int irql = acquireLock(q);
        removeIrp(q, irp);
        releaseLock(q, irql);
        completeCanceledIrp(q, irp);
    }
}
