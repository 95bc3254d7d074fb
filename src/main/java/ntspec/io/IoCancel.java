package ntspec.io;

import java.util.ArrayList;
import java.util.List;
import ntspec.ke.BugCheckCode;
import ntspec.ke.Irql;
import ntspec.ke.KThread;
import ntspec.ke.Kernel;
import ntspec.ke.NtStatus;
import ntspec.mm.EProcess;
import ntspec.mm.Pool;
import ntspec.trace.Trace;

/**
 * IRP cancellation (ReactOS ntoskrnl/io/iomgr/irp.c IoCancelIrp, IoCancelThreadIo,
 * IopDisassociateThreadIrp, and iofunc.c NtCancelIoFile;
 * https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/irp.c,
 * https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/iofunc.c): the cancel spin
 * lock, IoSetCancelRoutine's exchange, IoCancelIrp, the requester thread's IRP list
 * (ETHREAD.IrpList), the system services behind CancelIo and CancelIoEx, the cancellation of a
 * thread's I/O when it exits with the five-minute timeout Microsoft documents
 * (https://learn.microsoft.com/windows-hardware/drivers/kernel/canceling-irps), and the error log
 * that timeout writes to.
 */
public final class IoCancel {
    /** ntiologc.h IO_DRIVER_CANCEL_TIMEOUT: "An Io Request to the device %1 did not complete or canceled within the specific timeout." */
    public static final int IO_DRIVER_CANCEL_TIMEOUT = 0x80040036;
    /** IoCancelThreadIo waits 100 ms at a time (KeDelayExecutionThread, -1000000)... */
    static final long RETRY_INTERVAL = 1_000_000L;
    /** ... and after 3000 retries (5 minutes) disassociates an IRP that never completed. */
    static final int RETRIES = 3000;

    /** One record of the I/O error log (what the System event log shows): the error code, the device, its driver. */
    public record ErrorLogEntry(int errorCode, long deviceObject, String driver) {
    }

    private final IoManager io;
    private final Kernel kernel;
    /** nt!IopCancelSpinLock: a KSPIN_LOCK in nt's nonpaged data. */
    private final long cancelSpinLock;
    private final List<ErrorLogEntry> errorLog = new ArrayList<>();

    IoCancel(IoManager io) {
        this.io = io;
        this.kernel = io.kernel;
        this.cancelSpinLock = io.mm.pool.allocateObject(0x10, Pool.tag("IoCa"));
        io.mm.write(cancelSpinLock, 8, 0);
        io.mm.write(cancelSpinLock + 8, 8, 0);
    }

    /** The address of nt!IopCancelSpinLock. */
    public long cancelSpinLock() {
        return cancelSpinLock;
    }

    /** The I/O error log, oldest first. */
    public List<ErrorLogEntry> errorLog() {
        return List.copyOf(errorLog);
    }

    // ------------------------------------------------------------------ the cancel spin lock

    /**
     * IoAcquireCancelSpinLock(&amp;Irql): the system-wide cancel spin lock, at DISPATCH_LEVEL; returns the
     * old IRQL (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-ioacquirecancelspinlock).
     */
    public int IoAcquireCancelSpinLock() {
        return io.spinLocks.KeAcquireSpinLock(cancelSpinLock, "IoAcquireCancelSpinLock");
    }

    /** IoReleaseCancelSpinLock(Irql): releases it and writes Irql to CR8. */
    public void IoReleaseCancelSpinLock(int irql) {
        io.spinLocks.KeReleaseSpinLock(cancelSpinLock, irql);
    }

    /** True while the cancel spin lock is taken. */
    public boolean cancelSpinLockHeld() {
        return io.spinLocks.isHeld(cancelSpinLock);
    }

    // ------------------------------------------------------------------ IoSetCancelRoutine, IoCancelIrp

    /**
     * IoSetCancelRoutine: InterlockedExchangePointer(&amp;Irp->CancelRoutine, CancelRoutine); returns the
     * previous routine (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iosetcancelroutine).
     */
    public long IoSetCancelRoutine(Irp irp, long routine) {
        long old = irp.CancelRoutine();
        irp.setCancelRoutine(routine);
        return old;
    }

    /**
     * IoCancelIrp: takes the cancel spin lock, sets Irp->Cancel, exchanges the cancel routine with
     * NULL. No routine: releases the lock and returns FALSE. A routine on an IRP that was already
     * completed (CurrentLocation past StackCount + 1) is CANCEL_STATE_IN_COMPLETED_IRP (0x48: IRP,
     * routine, 0, 0); otherwise Irp->CancelIrql gets the old IRQL and the routine runs at
     * DISPATCH_LEVEL holding the lock, which it must release; returns TRUE
     * (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iocancelirp,
     * https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x48--cancel-state-in-completed-irp).
     */
    public boolean IoCancelIrp(Irp irp) {
        kernel.ensureRunning();
        int old = IoAcquireCancelSpinLock();
        irp.setCancel(true);
        long routine = IoSetCancelRoutine(irp, 0);
        if (routine == 0) {
            io.trace.add(Trace.Kind.NOTE, "IoCancelIrp " + irp + ": Cancel = TRUE, no cancel routine");
            IoReleaseCancelSpinLock(old);
            return false;
        }
        if (irp.CurrentLocation() > irp.StackCount() + 1) {
            throw kernel.KeBugCheckEx(BugCheckCode.CANCEL_STATE_IN_COMPLETED_IRP, irp.address, routine, 0, 0);
        }
        irp.setCancelIrql(old);
        DeviceObject device = irp.Tail.Overlay.CurrentStackLocation().DeviceObject();
        io.trace.add(Trace.Kind.NOTE, "IoCancelIrp " + irp + ": cancel routine " + kernel.symbol(routine) + " at "
                + Irql.name(kernel.KeGetCurrentIrql()) + ", CancelIrql " + Irql.name(old));
        DriverCancel cancel = io.callTarget(routine, DriverCancel.class);
        long ip = kernel.enter(routine);
        try {
            cancel.cancel(device, irp);
        } finally {
            kernel.leave(ip);
        }
        io.trace.add(Trace.Kind.RETURN, "cancel routine " + kernel.symbol(routine) + " returned at " + Irql.name(kernel.KeGetCurrentIrql())
                + (cancelSpinLockHeld() ? ", the cancel spin lock still held" : ""));
        return true;
    }

    // ------------------------------------------------------------------ the thread's IRP list

    private static long threadListEntry(Irp irp) {
        return irp.address + 0x20;
    }

    private Irp irpOfEntry(long entry) {
        return io.irpAt(entry - 0x20);
    }

    /** IoQueueThreadIrp: at APC_LEVEL, the IRP goes to the tail of its thread's IrpList. */
    public void IoQueueThreadIrp(Irp irp) {
        KThread t = irp.Tail.Overlay.Thread();
        if (t == null) return;
        int old = kernel.KeGetCurrentIrql();
        kernel.setIrql(Math.max(old, Irql.APC_LEVEL));
        io.lists.InsertTailList(t.irpListHead(), threadListEntry(irp));
        kernel.setIrql(old);
    }

    /** IopUnQueueIrpFromThread: RemoveEntryList(&amp;Irp->ThreadListEntry), then the entry points at itself. */
    void IopUnQueueIrpFromThread(Irp irp) {
        long e = threadListEntry(irp);
        if (io.mm.read(e, 8) == e) return;
        io.lists.RemoveEntryList(e);
        io.lists.InitializeListHead(e);
    }

    /** The IRPs on a thread's IrpList, oldest first. */
    public List<Irp> threadIrps(KThread thread) {
        List<Irp> out = new ArrayList<>();
        for (long e : io.lists.entries(thread.irpListHead(), 10_000)) out.add(irpOfEntry(e));
        return out;
    }

    private boolean onThreadList(KThread thread, long irp) {
        for (long e : io.lists.entries(thread.irpListHead(), 10_000)) if (e - 0x20 == irp) return true;
        return false;
    }

    /** True while some thread still has an IRP for the file on its list. */
    boolean hasOutstandingIrps(FileObject file) {
        for (KThread t : kernel.allThreads()) {
            for (Irp irp : threadIrps(t)) if (irp.Tail.Overlay.OriginalFileObjectAddress() == file.address) return true;
        }
        return false;
    }

    // ------------------------------------------------------------------ CancelIo, CancelIoEx

    /**
     * What CancelIo or CancelIoEx left: the service's status once it returned. NtCancelIoFile waits
     * (10 ms at a time) until no IRP of the calling thread for the file is on the thread's list; while
     * one is, it has not returned.
     */
    public final class CancelRequest {
        public final Handle handle;
        public final KThread thread;
        final boolean waits;
        final int status;
        /** How many IRPs the service found and passed to IoCancelIrp. */
        public final int cancelled;

        CancelRequest(Handle handle, KThread thread, boolean waits, int status, int cancelled) {
            this.handle = handle;
            this.thread = thread;
            this.waits = waits;
            this.status = status;
            this.cancelled = cancelled;
        }

        /** True while NtCancelIoFile still waits for the thread's IRPs of the file to complete. */
        public boolean isWaiting() {
            if (!waits) return false;
            for (Irp irp : threadIrps(thread)) if (irp.Tail.Overlay.OriginalFileObjectAddress() == handle.file().address) return true;
            return false;
        }

        /** The NTSTATUS the service returned; null while it waits. */
        public Integer returnValue() {
            return isWaiting() ? null : status;
        }
    }

    /**
     * NtCancelIoFile (CancelIo): at APC_LEVEL, IoCancelIrp on every IRP of the calling thread's list
     * whose OriginalFileObject is the handle's file; then waits until none is left and returns
     * STATUS_SUCCESS (ReactOS iofunc.c NtCancelIoFile). Requests of other threads are not touched
     * (https://learn.microsoft.com/windows/win32/fileio/cancelio).
     */
    public CancelRequest NtCancelIoFile(Handle handle) {
        return service("NtCancelIoFile", handle, false, 0);
    }

    /**
     * NtCancelIoFileEx (CancelIoEx): the same for the requests of every thread of the calling
     * process, or only the one whose IO_STATUS_BLOCK (the OVERLAPPED) is {@code iosb}; it does not
     * wait; STATUS_NOT_FOUND when nothing matched
     * (https://learn.microsoft.com/windows/win32/fileio/cancelioex-func).
     */
    public CancelRequest NtCancelIoFileEx(Handle handle, long iosb) {
        return service("NtCancelIoFileEx", handle, true, iosb);
    }

    private CancelRequest service(String name, Handle handle, boolean ex, long iosb) {
        return kernel.systemService(name, () -> cancel(name, handle, ex, iosb));
    }

    private CancelRequest cancel(String name, Handle handle, boolean ex, long iosb) {
        KThread caller = kernel.currentThread();
        FileObject file = handle.file();
        io.trace.add(Trace.Kind.DDI, name + "(" + handle + (ex ? ", " + (iosb == 0 ? "NULL" : Trace.hex(iosb)) : "") + ")");
        if (io.file.isClosed(handle)) {
            io.trace.add(Trace.Kind.RETURN, name + " returned STATUS_INVALID_HANDLE");
            return new CancelRequest(handle, caller, false, NtStatus.STATUS_INVALID_HANDLE, 0);
        }
        List<KThread> threads = ex ? kernel.threadsOf(caller.process) : List.of(caller);
        int old = kernel.KeGetCurrentIrql();
        kernel.setIrql(Math.max(old, Irql.APC_LEVEL)); // "IRP cancellations are synchronized at APC_LEVEL"
        int found = 0;
        for (KThread t : threads) {
            for (Irp irp : threadIrps(t)) {
                if (irp.Tail.Overlay.OriginalFileObjectAddress() != file.address) continue;
                if (iosb != 0 && irp.UserIosb() != iosb) continue;
                if (!onThreadList(t, irp.address)) continue; // completed meanwhile (its APC ran on another processor)
                found++;
                IoCancelIrp(irp);
            }
        }
        kernel.KeLowerIrql(old);
        int status = ex && found == 0 ? NtStatus.STATUS_NOT_FOUND : NtStatus.STATUS_SUCCESS;
        CancelRequest r = new CancelRequest(handle, caller, !ex, status, found);
        if (r.isWaiting()) {
            io.trace.add(Trace.Kind.NOTE, name + " waits, 10 ms at a time, for the IRPs it cancelled to complete");
        } else {
            io.trace.add(Trace.Kind.RETURN, name + " returned " + NtStatus.name(status) + " (" + found + " IRPs cancelled)");
        }
        return r;
    }

    // ------------------------------------------------------------------ thread exit

    /**
     * IoCancelThreadIo, as the exiting thread runs it (PspExitThread): at APC_LEVEL, IoCancelIrp on
     * every IRP on its list; then, back at its IRQL (completion APCs run), waits 100 ms at a time for
     * the list to empty. Nothing else runs in this machine while it waits: an IRP still on the list
     * stays there, and after the 3000 retries (five minutes, "the I/O manager considers the IRP timed
     * out") it is disassociated from the thread and IO_DRIVER_CANCEL_TIMEOUT is logged for the device
     * that holds it (https://learn.microsoft.com/windows-hardware/drivers/kernel/canceling-irps). The
     * thread can then exit; the IRP lives on, and completing it later frees it without a thread
     * (IopCleanupIrp).
     */
    public void IoCancelThreadIo(KThread thread) {
        kernel.ensureRunning();
        kernel.inKernel("IoCancelThreadIo", () -> {
            int old = kernel.KeGetCurrentIrql();
            kernel.setIrql(Math.max(old, Irql.APC_LEVEL));
            List<Irp> irps = threadIrps(thread);
            io.trace.add(Trace.Kind.NOTE, "IoCancelThreadIo " + thread + ": " + irps.size() + " IRPs on its list");
            for (Irp irp : irps) {
                if (onThreadList(thread, irp.address)) IoCancelIrp(irp);
            }
            kernel.setIrql(old);
            if (!io.lists.IsListEmpty(thread.irpListHead())) {
                kernel.KeDelayExecutionThread((RETRIES + 1) * RETRY_INTERVAL);
                io.trace.add(Trace.Kind.NOTE, "IoCancelThreadIo: " + threadIrps(thread).size() + " IRPs still on the list after "
                        + (RETRIES + 1) + " waits of 100 ms");
                while (!io.lists.IsListEmpty(thread.irpListHead())) {
                    if (!IopDisassociateThreadIrp(thread)) break;
                }
            }
            return null;
        });
    }

    /**
     * IopDisassociateThreadIrp: the first IRP of the list leaves it, Tail.Overlay.Thread becomes NULL,
     * and an error log entry IO_DRIVER_CANCEL_TIMEOUT names the device of its current stack location.
     * False when the IRP was already completed past its last location (its APC will dequeue it).
     */
    private boolean IopDisassociateThreadIrp(KThread thread) {
        int old = kernel.KeGetCurrentIrql();
        kernel.setIrql(Math.max(old, Irql.APC_LEVEL));
        Irp irp = irpOfEntry(io.mm.read(thread.irpListHead(), 8));
        if (irp.CurrentLocation() == irp.StackCount() + 2) {
            kernel.setIrql(old);
            return false;
        }
        irp.Tail.Overlay.setThread(null);
        io.lists.RemoveHeadList(thread.irpListHead());
        io.lists.InitializeListHead(threadListEntry(irp));
        DeviceObject device = irp.CurrentLocation() <= irp.StackCount() ? irp.Tail.Overlay.CurrentStackLocation().DeviceObject() : null;
        kernel.setIrql(old);
        io.trace.add(Trace.Kind.NOTE, "IopDisassociateThreadIrp " + irp + ": Tail.Overlay.Thread = NULL");
        if (device != null) {
            DriverObject driver = device.DriverObject();
            ErrorLogEntry e = new ErrorLogEntry(IO_DRIVER_CANCEL_TIMEOUT, device.address, driver == null ? "?" : driver.DriverName());
            errorLog.add(e);
            io.trace.add(Trace.Kind.NOTE, String.format("IoWriteErrorLogEntry IO_DRIVER_CANCEL_TIMEOUT (0x%08X) for %s of %s",
                    IO_DRIVER_CANCEL_TIMEOUT, device, e.driver()));
        }
        return true;
    }

    /** Runs IoCancelThreadIo for every thread of a process that exits. */
    public void rundownProcess(EProcess process) {
        for (KThread t : kernel.threadsOf(process)) {
            kernel.runOnThread(t, () -> IoCancelThreadIo(t));
        }
    }
}
