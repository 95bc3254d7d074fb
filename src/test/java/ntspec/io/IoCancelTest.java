package ntspec.io;

import static ntspec.io.IoConstants.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ntspec.TestMachine;
import ntspec.ke.BugCheckCode;
import ntspec.ke.BugCheckException;
import ntspec.ke.Irql;
import ntspec.ke.KThread;
import ntspec.ke.NtStatus;
import ntspec.mm.Pool;
import ntspec.mm.Protection;
import ntspec.wdm.Wdm;
import org.junit.jupiter.api.Test;

/** IoCancelIrp, the cancel spin lock, the thread's IRP list, CancelIo/CancelIoEx, thread exit, cancel-safe queues. */
class IoCancelTest {
    private final TestMachine t = new TestMachine();
    private final IoManager io = t.machine.io;
    private final Wdm echo = ntspec.TestMachine.acceptsOpens(new Wdm(t.machine, "Echo.sys"));
    private final DeviceObject device = io.device.IoCreateDevice(echo.DriverObject(), 0, "\\Device\\Echo", FILE_DEVICE_UNKNOWN, 0, false);
    private Irp pending;
    private int cancelIrql = -1;
    private int cancelCalls;

    private final DriverCancel completingCancel = (d, irp) -> {
        cancelCalls++;
        cancelIrql = t.machine.kernel.KeGetCurrentIrql();
        io.cancel.IoReleaseCancelSpinLock(irp.CancelIrql());
        irp.IoStatus.setStatus(NtStatus.STATUS_CANCELLED);
        io.irp.IoCompleteRequest(irp, IO_NO_INCREMENT);
    };

    private void pendWith(DriverCancel cancel) {
        long routine = cancel == null ? 0 : echo.routineAddress("OnCancel", cancel);
        echo.setDispatch(IRP_MJ_DEVICE_CONTROL, (d, irp) -> {
            pending = irp;
            io.irp.IoMarkIrpPending(irp);
            io.cancel.IoSetCancelRoutine(irp, routine);
            return NtStatus.STATUS_PENDING;
        });
    }

    private Handle open() {
        return io.file.open(t.app, "\\Device\\Echo", GENERIC_READ | GENERIC_WRITE, true);
    }

    private IoFunc.Request ioctl(Handle h) {
        long buf = t.allocate(0x1000, Protection.PAGE_READWRITE);
        return io.func.NtDeviceIoControlFile(h, null, buf, CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS),
                buf + 0x100, 8, buf + 0x200, 8);
    }

    @Test
    void setCancelRoutineExchangesAndReturnsThePrevious() {
        pendWith(null);
        ioctl(open());
        assertThat(io.cancel.IoSetCancelRoutine(pending, 0x1234)).isZero();
        assertThat(io.cancel.IoSetCancelRoutine(pending, 0)).isEqualTo(0x1234);
        assertThat(t.machine.mm.read(pending.address + 0x68, 8)).isZero();
    }

    @Test
    void cancelIrpWithoutRoutineSetsCancelReleasesTheLockAndReturnsFalse() {
        pendWith(null);
        ioctl(open());
        assertThat(io.cancel.IoCancelIrp(pending)).isFalse();
        assertThat(pending.Cancel()).isTrue();
        assertThat(io.cancel.cancelSpinLockHeld()).isFalse();
        assertThat(t.machine.kernel.KeGetCurrentIrql()).isEqualTo(Irql.PASSIVE_LEVEL);
    }

    @Test
    void cancelIrpCallsTheRoutineAtDispatchLevelWithCancelIrql() {
        pendWith(completingCancel);
        IoFunc.Request r = ioctl(open());
        assertThat(io.cancel.IoCancelIrp(pending)).isTrue();
        assertThat(cancelIrql).isEqualTo(Irql.DISPATCH_LEVEL);
        assertThat(r.IoStatus().Status).isEqualTo(NtStatus.STATUS_CANCELLED);
        assertThat(io.cancel.cancelSpinLockHeld()).isFalse();
    }

    @Test
    void requestsAreOnTheThreadsIrpListUntilStageTwo() {
        pendWith(completingCancel);
        ioctl(open());
        assertThat(io.cancel.threadIrps(t.appThread)).extracting(i -> i.address).containsExactly(pending.address);
        assertThat(t.machine.mm.read(t.appThread.address + KThread.IRP_LIST, 8)).isEqualTo(pending.address + 0x20);
        io.cancel.IoCancelIrp(pending);
        assertThat(io.cancel.threadIrps(t.appThread)).isEmpty();
    }

    @Test
    void cancelIoExFindsOtherThreadsCancelIoOnlyTheCallers() {
        pendWith(completingCancel);
        Handle h = open();
        KThread worker = t.machine.ps.PsCreateThread(t.app);
        t.machine.kernel.setCurrentProcessor(1);
        t.machine.kernel.switchTo(worker);
        ioctl(h);
        t.machine.kernel.setCurrentProcessor(0);
        assertThat(io.cancel.NtCancelIoFile(h).cancelled).isZero();
        IoCancel.CancelRequest ex = io.cancel.NtCancelIoFileEx(h, 0);
        assertThat(ex.cancelled).isEqualTo(1);
        assertThat(ex.returnValue()).isEqualTo(NtStatus.STATUS_SUCCESS);
        assertThat(io.cancel.NtCancelIoFileEx(h, 0).returnValue()).isEqualTo(NtStatus.STATUS_NOT_FOUND);
    }

    @Test
    void aForgottenCancelSpinLockMakesTheNextAcquireSpinUntilTheWatchdog() {
        pendWith((d, irp) -> io.irp.IoCompleteRequest(irp, IO_NO_INCREMENT));
        Handle h = open();
        ioctl(h);
        io.cancel.NtCancelIoFileEx(h, 0);
        assertThat(io.cancel.cancelSpinLockHeld()).isTrue();
        assertThatThrownBy(() -> io.cancel.IoAcquireCancelSpinLock()).isInstanceOf(BugCheckException.class);
        assertThat(t.machine.bugCheck().code()).isEqualTo(BugCheckCode.DPC_WATCHDOG_VIOLATION);
        assertThat(t.machine.bugCheck().p1()).isEqualTo(1);
    }

    @Test
    void threadExitDisassociatesAnUncancellableIrpAfterFiveMinutes() {
        pendWith(null);
        ioctl(open());
        long t0 = t.machine.kernel.KeQueryInterruptTime();
        io.cancel.IoCancelThreadIo(t.appThread);
        assertThat(t.machine.kernel.KeQueryInterruptTime() - t0).isEqualTo(3001L * 1_000_000L);
        assertThat(pending.Tail.Overlay.ThreadAddress()).isZero();
        assertThat(io.cancel.errorLog()).singleElement().satisfies(e -> {
            assertThat(e.errorCode()).isEqualTo(IoCancel.IO_DRIVER_CANCEL_TIMEOUT);
            assertThat(e.deviceObject()).isEqualTo(device.address);
        });
        assertThat(io.cancel.threadIrps(t.appThread)).isEmpty();
    }

    @Test
    void removingAListEntryTwiceIsAKernelSecurityCheckFailure() {
        long head = t.machine.mm.pool.allocateObject(0x20, Pool.tag("Test"));
        io.lists.InitializeListHead(head);
        io.lists.InsertTailList(head, head + 0x10);
        io.lists.InsertTailList(head, t.machine.mm.pool.allocateObject(0x10, Pool.tag("Test")));
        assertThat(io.lists.RemoveEntryList(head + 0x10)).isFalse();
        assertThatThrownBy(() -> io.lists.RemoveEntryList(head + 0x10)).isInstanceOf(BugCheckException.class);
        assertThat(t.machine.bugCheck().code()).isEqualTo(BugCheckCode.KERNEL_SECURITY_CHECK_FAILURE);
        assertThat(t.machine.bugCheck().p1()).isEqualTo(3);
    }

    @Test
    void closingTheHandleSendsCleanupThenCloseAndInvalidatesIt() {
        StringBuilder order = new StringBuilder();
        echo.setDispatch(IRP_MJ_CLEANUP, (d, irp) -> {
            order.append("cleanup ");
            irp.IoStatus.setStatus(0);
            io.irp.IoCompleteRequest(irp, IO_NO_INCREMENT);
            return 0;
        });
        echo.setDispatch(IRP_MJ_CLOSE, (d, irp) -> {
            order.append("close");
            irp.IoStatus.setStatus(0);
            io.irp.IoCompleteRequest(irp, IO_NO_INCREMENT);
            return 0;
        });
        Handle h = open();
        assertThat(io.file.NtClose(h)).isEqualTo(NtStatus.STATUS_SUCCESS);
        assertThat(order.toString()).isEqualTo("cleanup close");
        assertThat(h.file().Flags() & FileObject.FO_CLEANUP_COMPLETE).isNotZero();
        assertThat(io.file.NtClose(h)).isEqualTo(NtStatus.STATUS_INVALID_HANDLE);
        assertThat(ioctl(h).returnValue()).isEqualTo(NtStatus.STATUS_INVALID_HANDLE);
    }

    @Test
    void csqInitializeWritesTheX64Layout() {
        long csq = t.machine.mm.pool.allocateObject(IoCsq.TYPE.size(), Pool.tag("Test"));
        io.csq.IoCsqInitialize(csq, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60);
        assertThat(t.machine.mm.read(csq, 4)).isEqualTo(IoCsq.IO_TYPE_CSQ);
        for (int i = 0; i < 6; i++) assertThat(t.machine.mm.read(csq + 8 + 8L * i, 8)).isEqualTo(0x10L * (i + 1));
        assertThat(t.machine.mm.read(csq + 0x38, 8)).isZero();
        assertThat(IoCsq.TYPE.size()).isEqualTo(0x40);
        assertThat(IoCsq.IRP_CONTEXT.size()).isEqualTo(0x18);
    }
}
