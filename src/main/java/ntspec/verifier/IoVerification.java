package ntspec.verifier;

import java.util.ArrayDeque;
import java.util.Deque;
import ntspec.Machine;
import ntspec.io.DeviceObject;
import ntspec.io.IoConstants;
import ntspec.io.IoObserver;
import ntspec.io.Irp;
import ntspec.ke.BugCheckCode;
import ntspec.ke.Irql;
import ntspec.ke.NtStatus;

/**
 * I/O Verification (0x10, with Enhanced I/O Verification on since Windows 7): the checks Verifier
 * makes on the IRPs a verified driver handles, as DRIVER_VERIFIER_IOMANAGER_VIOLATION (0xC9) with
 * the violation code as parameter 1
 * (https://learn.microsoft.com/windows-hardware/drivers/devtest/i-o-verification,
 * https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc9--driver-verifier-iomanager-violation):
 * 0x05 IRQL changed across a dispatch routine (device, IRQL before, IRQL after); 0x06
 * IoCompleteRequest with status STATUS_PENDING or -1 (status, IRP, 0); 0x07 completed with a cancel
 * routine still set (cancel routine, IRP, 0); 0x0E IoCompleteRequest above DISPATCH_LEVEL (IRQL,
 * IRP, 0); 0x23D STATUS_PENDING returned without IoMarkIrpPending and 0x23E the other way round
 * (dispatch routine, IRP, status); 0x228 a completion routine that does not propagate pending
 * (completion routine, IRP, 0).
 */
final class IoVerification implements IoObserver {
    private static final class Frame {
        final long routine;
        final long irp;
        final long sp;
        final int irqlBefore;
        final Verifier.Entry entry;
        boolean completed;
        boolean markedAtCompletion;
        /** The routine passed the IRP down: its pending state is the lower drivers' and its completion routine's to settle. */
        boolean forwarded;

        Frame(long routine, long irp, long sp, int irqlBefore, Verifier.Entry entry) {
            this.routine = routine;
            this.irp = irp;
            this.sp = sp;
            this.irqlBefore = irqlBefore;
            this.entry = entry;
        }
    }

    private final Machine machine;
    private final Verifier verifier;
    private final Deque<Frame> frames = new ArrayDeque<>();

    IoVerification(Machine machine, Verifier verifier) {
        this.machine = machine;
        this.verifier = verifier;
    }

    private Verifier.Entry verifiedCode(long address) {
        var image = machine.kernel.imageAt(address);
        Verifier.Entry e = image == null ? null : verifier.entry(image.name());
        return e != null && (e.flags & Verifier.IO_VERIFICATION) != 0 ? e : null;
    }

    private RuntimeException violation(long code, long p2, long p3, long p4) {
        throw machine.kernel.KeBugCheckEx(BugCheckCode.DRIVER_VERIFIER_IOMANAGER_VIOLATION, code, p2, p3, p4);
    }

    private boolean pendingMarked(long sp) {
        Long control = machine.mm.peek(sp + 3, 1);
        return control != null && (control & IoConstants.SL_PENDING_RETURNED) != 0;
    }

    @Override
    public void beforeDispatch(long routine, DeviceObject device, Irp irp, long sp) {
        for (Frame f : frames) {
            if (f.irp == irp.address) {
                f.forwarded = true;
                break;
            }
        }
        frames.push(new Frame(routine, irp.address, sp, machine.kernel.KeGetCurrentIrql(), verifiedCode(routine)));
    }

    @Override
    public void afterDispatch(long routine, DeviceObject device, Irp irp, long sp, int status) {
        Frame f = frames.pop();
        if (f.entry == null) return;
        int irqlAfter = machine.kernel.KeGetCurrentIrql();
        if (irqlAfter != f.irqlBefore) throw violation(0x05, device.address, f.irqlBefore, irqlAfter);
        // A routine that passed the IRP down returns the lower driver's status; its completion
        // routine marks it pending later (if (Irp->PendingReturned) IoMarkIrpPending(Irp)). Windows
        // checks that at completion; this model checks only routines that kept the IRP.
        if (f.forwarded) return;
        boolean marked = f.completed ? f.markedAtCompletion : pendingMarked(f.sp);
        long s = status & 0xFFFFFFFFL;
        if (status == NtStatus.STATUS_PENDING && !marked) throw violation(0x23D, routine, irp.address, s);
        if (status != NtStatus.STATUS_PENDING && marked) throw violation(0x23E, routine, irp.address, s);
    }

    /**
     * 0x228: a completion routine saw Irp->PendingReturned and let completion go on without
     * IoMarkIrpPending in its own stack location (the routine, the IRP, 0): the requester would wait
     * for an event nobody sets.
     */
    @Override
    public void afterCompletionRoutine(long routine, Irp irp, boolean pendingReturned, int result) {
        if (verifiedCode(routine) == null || !pendingReturned || result == NtStatus.STATUS_MORE_PROCESSING_REQUIRED) return;
        if (irp.CurrentLocation() > irp.StackCount()) return; // the originator's routine has no location to mark
        if (!pendingMarked(irp.Tail.Overlay.CurrentStackLocationAddress())) throw violation(0x228, routine, irp.address, 0);
    }

    @Override
    public void dispatchUnwound() {
        if (!frames.isEmpty()) frames.pop();
    }

    /**
     * IoFreeIrp by a verified driver: 0x01 for an object that is not an IRP (its Type is not
     * IO_TYPE_IRP) and 0x02 for an IRP still associated with a thread (on a thread's IrpList, as an
     * IRP from IoBuildSynchronousFsdRequest or IoBuildDeviceIoControlRequest is until the I/O manager
     * completes it), each with the IRP's address.
     */
    @Override
    public void beforeFreeIrp(Irp irp) {
        var caller = machine.kernel.callersImage();
        Verifier.Entry e = caller == null ? null : verifier.entry(caller.name());
        if (e == null || (e.flags & Verifier.IO_VERIFICATION) == 0) return;
        if (irp.Type() != IoConstants.IO_TYPE_IRP) throw violation(0x01, irp.address, 0, 0);
        if (machine.mm.read(irp.address + 0x20, 8) != irp.address + 0x20) throw violation(0x02, irp.address, 0, 0);
    }

    @Override
    public void beforeComplete(Irp irp) {
        for (Frame f : frames) {
            if (f.irp == irp.address && !f.completed) {
                f.completed = true;
                f.markedAtCompletion = pendingMarked(f.sp);
            }
        }
        var caller = machine.kernel.callersImage();
        Verifier.Entry e = caller == null ? null : verifier.entry(caller.name());
        if (e == null || (e.flags & Verifier.IO_VERIFICATION) == 0) return;
        int irql = machine.kernel.KeGetCurrentIrql();
        if (irql > Irql.DISPATCH_LEVEL) throw violation(0x0E, irql, irp.address, 0);
        int status = irp.IoStatus.Status();
        if (status == NtStatus.STATUS_PENDING || status == -1) throw violation(0x06, status & 0xFFFFFFFFL, irp.address, 0);
        if (irp.CancelRoutine() != 0) throw violation(0x07, irp.CancelRoutine(), irp.address, 0);
    }
}
