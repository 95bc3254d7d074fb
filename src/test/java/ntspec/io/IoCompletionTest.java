package ntspec.io;

import static ntspec.io.IoConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import ntspec.TestMachine;
import ntspec.ke.KQueue;
import ntspec.ke.NtStatus;
import ntspec.ke.Win32Error;
import ntspec.mm.Pool;
import ntspec.mm.Protection;
import ntspec.wdm.Wdm;
import org.junit.jupiter.api.Test;

/** Completion ports (IoCompletion), the packets stage 2 of completion queues, user APCs of requests, and kernel32's side (Win32). */
class IoCompletionTest {
    private final TestMachine t = new TestMachine();
    private final IoManager io = t.machine.io;
    private final Win32 w = io.win32;
    private final Wdm echo = ntspec.TestMachine.acceptsOpens(new Wdm(t.machine, "Echo.sys"));
    private final DeviceObject device = io.device.IoCreateDevice(echo.DriverObject(), 0, "\\Device\\Echo", FILE_DEVICE_UNKNOWN, 0, false);
    private final long buf = t.allocate(0x1000, Protection.PAGE_READWRITE);
    private final long outputs = t.allocate(0x1000, Protection.PAGE_READWRITE);
    private Irp pending;
    private int status = NtStatus.STATUS_SUCCESS;
    private boolean pend = true;

    IoCompletionTest() {
        DriverDispatch dispatch = (d, irp) -> {
            if (pend) {
                pending = irp;
                io.irp.IoMarkIrpPending(irp);
                return NtStatus.STATUS_PENDING;
            }
            irp.IoStatus.setStatus(status);
            irp.IoStatus.setInformation(2);
            io.irp.IoCompleteRequest(irp, IO_NO_INCREMENT);
            return status;
        };
        echo.setDispatch(IRP_MJ_DEVICE_CONTROL, dispatch);
        echo.setDispatch(IRP_MJ_READ, dispatch);
    }

    private Handle open(boolean overlapped) {
        return io.file.open(t.app, "\\Device\\Echo", GENERIC_READ | GENERIC_WRITE, overlapped);
    }

    /** DeviceIoControl with an OVERLAPPED at buf (no event), as kernel32 passes it: ApcContext = the OVERLAPPED. */
    private IoFunc.Request ioctl(Handle h) {
        w.beginOverlapped(buf);
        return io.func.NtDeviceIoControlFile(h, null, 0, w.apcContextOf(buf), buf, CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED,
                FILE_ANY_ACCESS), buf + 0x100, 8, buf + 0x200, 8);
    }

    private void complete(int st, long information) {
        pending.IoStatus.setStatus(st);
        pending.IoStatus.setInformation(information);
        t.machine.kernel.setCurrentProcessor(1);
        t.machine.kernel.inDpc(() -> {
            t.machine.kernel.setIrql(2);
            io.irp.IoCompleteRequest(pending, IO_NO_INCREMENT);
            t.machine.kernel.setIrql(0);
        });
        t.machine.kernel.setCurrentProcessor(0);
    }

    @Test
    void createIoCompletionPortMakesAQueueAndPutsTheContextInTheFileObject() {
        Handle h = open(true);
        Win32.Call port = w.CreateIoCompletionPort(h, 0, 0x77, 0);
        KQueue q = io.completion.port(port.returnValue());
        assertThat(q).isNotNull();
        assertThat(t.machine.mm.pool.find(q.address).tag).isEqualTo(Pool.tag("IoCo"));
        long context = h.file().CompletionContext();
        assertThat(t.machine.mm.read(context, 8)).isEqualTo(q.address);
        assertThat(t.machine.mm.read(context + 8, 8)).isEqualTo(0x77);
        assertThat(t.machine.mm.read(h.file().address + 0xB0, 8)).as("CompletionContext at +0xB0").isEqualTo(context);
        Win32.Call again = w.CreateIoCompletionPort(h, port.returnValue(), 1, 0);
        assertThat(again).isEqualTo(new Win32.Call("CreateIoCompletionPort", 0, Win32Error.ERROR_INVALID_PARAMETER));
        assertThat(w.CreateIoCompletionPort(open(false), 0, 1, 0).lastError()).isEqualTo(Win32Error.ERROR_INVALID_PARAMETER);
        assertThat(w.CreateIoCompletionPort(null, port.returnValue(), 1, 0).lastError()).isEqualTo(Win32Error.ERROR_INVALID_PARAMETER);
    }

    @Test
    void aPendedRequestBecomesThePacketAndGetQueuedCompletionStatusFreesIt() {
        Handle h = open(true);
        long port = w.CreateIoCompletionPort(h, 0, 0x77, 0).returnValue();
        ioctl(h);
        complete(NtStatus.STATUS_SUCCESS, 6);
        KQueue q = io.completion.port(port);
        assertThat(q.firstEntry()).isEqualTo(pending.address + 0xA8);
        Win32.QueuedStatus s = w.GetQueuedCompletionStatus(port, outputs, 0);
        assertThat(s.result).isTrue();
        assertThat(s.NumberOfBytesTransferred()).isEqualTo(6);
        assertThat(s.CompletionKey()).isEqualTo(0x77);
        assertThat(s.Overlapped()).isEqualTo(buf);
        assertThat(t.machine.mm.pool.isOnLookasideList(pending.address)).isTrue();
        Win32.QueuedStatus none = w.GetQueuedCompletionStatus(port, outputs, 0);
        assertThat(none.result).isFalse();
        assertThat(none.lastError).isEqualTo(Win32Error.WAIT_TIMEOUT);
        assertThat(none.Overlapped()).isZero();
        assertThat(w.GetQueuedCompletionStatus(0x1234, outputs, 0).lastError).as("not a port").isEqualTo(Win32Error.ERROR_INVALID_HANDLE);
    }

    @Test
    void skipCompletionPortOnSuccessKeepsBackOnlyNonPendingSuccess() {
        Handle h = open(true);
        long port = w.CreateIoCompletionPort(h, 0, 1, 0).returnValue();
        assertThat(w.SetFileCompletionNotificationModes(h, (int) Win32.FILE_SKIP_COMPLETION_PORT_ON_SUCCESS).returnValue()).isEqualTo(1);
        KQueue q = io.completion.port(port);
        pend = false;
        ioctl(h);
        assertThat(q.KeReadStateQueue()).as("non-pending success").isZero();
        status = 0x40000000; // STATUS_OBJECT_NAME_EXISTS: informational, NT_SUCCESS
        ioctl(h);
        assertThat(q.KeReadStateQueue()).as("non-pending informational").isZero();
        status = NtStatus.STATUS_BUFFER_OVERFLOW;
        ioctl(h);
        assertThat(q.KeReadStateQueue()).as("non-pending warning: Windows 8+ queues it").isEqualTo(1);
        status = NtStatus.STATUS_INVALID_PARAMETER;
        ioctl(h);
        assertThat(q.KeReadStateQueue()).as("non-pending error: never").isEqualTo(1);
        pend = true;
        ioctl(h);
        complete(NtStatus.STATUS_SUCCESS, 1);
        assertThat(q.KeReadStateQueue()).as("pending success").isEqualTo(2);
    }

    @Test
    void postQueuedCompletionStatusQueuesAMiniPacket() {
        long port = w.CreateIoCompletionPort(null, 0, 0, 1).returnValue();
        assertThat(w.PostQueuedCompletionStatus(port, 5, 9, 0x1234).returnValue()).isEqualTo(1);
        KQueue q = io.completion.port(port);
        long packet = q.firstEntry();
        assertThat(t.machine.mm.read(packet + 0x10, 4)).isEqualTo(IoCompletion.IopCompletionPacketMini);
        assertThat(t.machine.mm.pool.find(packet).tag).isEqualTo(Pool.tag("IOCT"));
        Win32.QueuedStatus s = w.GetQueuedCompletionStatus(port, outputs, Win32.INFINITE);
        assertThat(s.result).isTrue();
        assertThat(s.CompletionKey()).isEqualTo(9);
        assertThat(s.Overlapped()).isEqualTo(0x1234);
        assertThat(s.NumberOfBytesTransferred()).isEqualTo(5);
        assertThat(t.machine.mm.pool.find(packet).isFreed()).isTrue();
        assertThat(w.PostQueuedCompletionStatus(0x1234, 0, 0, 0).lastError()).isEqualTo(Win32Error.ERROR_INVALID_HANDLE);
    }

    @Test
    void aRequestWithAnApcRoutineQueuesAUserApcInTheIrpThatRunsInAnAlertableWait() {
        Handle h = open(true);
        int[] seen = new int[3];
        long routine = t.machine.kernel.registerRoutine(t.machine.kernel.userImage("app.exe"), "OnRead",
                (Win32.FileIOCompletionRoutine) (error, bytes, ov) -> {
                    seen[0]++;
                    seen[1] = error;
                    seen[2] = (int) bytes;
                });
        IoFunc.Request r = w.ReadWriteFileEx(true, h, buf + 0x200, 8, buf, routine);
        assertThat(r.returnValue()).isEqualTo(NtStatus.STATUS_PENDING);
        assertThat(IoFunc.win32(r).result()).isTrue();
        complete(NtStatus.STATUS_SUCCESS, 4);
        assertThat(t.machine.mm.read(t.appThread.userApcListHead(), 8)).isEqualTo(pending.address + 0x78 + 0x10);
        assertThat(w.SleepEx(0, false).returnValue()).isZero();
        assertThat(seen[0]).isZero();
        assertThat(w.SleepEx(0, true).returnValue()).isEqualTo(Win32.WAIT_IO_COMPLETION);
        assertThat(seen).containsExactly(1, 0, 4);
        assertThat(t.machine.mm.pool.isOnLookasideList(pending.address)).as("IopFreeIrpKernelApc freed the IRP").isTrue();
        // A handle bound to a port takes no APC routine.
        w.CreateIoCompletionPort(h, 0, 1, 0);
        IoFunc.Request bound = w.ReadWriteFileEx(true, h, buf + 0x200, 8, buf, routine);
        assertThat(bound.returnValue()).isEqualTo(NtStatus.STATUS_INVALID_PARAMETER);
        assertThat(bound.irp).isZero();
    }

    @Test
    void queueUserApcRunsTheProcsInOrderAndFreesTheKapc() {
        StringBuilder order = new StringBuilder();
        long proc = t.machine.kernel.registerRoutine(t.machine.kernel.userImage("app.exe"), "Record", (Win32.APCProc) p -> order.append(p));
        assertThat(w.QueueUserAPC(proc, t.appThread, 1).returnValue()).isEqualTo(1);
        assertThat(w.QueueUserAPC(proc, t.appThread, 2).returnValue()).isEqualTo(1);
        long apc = t.machine.mm.read(t.appThread.userApcListHead(), 8) - 0x10;
        assertThat(t.machine.mm.pool.find(apc).tag).isEqualTo(Pool.tag("Psap"));
        assertThat(w.WaitForSingleObjectEx(w.CreateEvent(true, false), 0, true).returnValue()).isEqualTo(Win32.WAIT_IO_COMPLETION);
        assertThat(order).hasToString("12");
        assertThat(t.machine.mm.pool.find(apc).isFreed()).isTrue();
        ntspec.ke.KThread idle = t.machine.kernel.idleThread(0);
        assertThat(w.QueueUserAPC(proc, idle, 3).lastError()).as("a system thread").isEqualTo(Win32Error.ERROR_INVALID_HANDLE);
    }
}
