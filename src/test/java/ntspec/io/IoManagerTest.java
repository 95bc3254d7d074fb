package ntspec.io;

import static ntspec.io.IoConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import ntspec.TestMachine;
import ntspec.ke.BugCheck;
import ntspec.ke.Irql;
import ntspec.ke.KApc;
import ntspec.ke.KThread;
import ntspec.ke.NtStatus;
import ntspec.mm.EProcess;
import ntspec.mm.Mdl;
import ntspec.mm.Protection;
import ntspec.wdm.Wdm;
import org.junit.jupiter.api.Test;

/** IRP building per transfer method, completion order, and APC delivery (mdl-and-io-semantics.md C). */
class IoManagerTest {
    private final TestMachine t = new TestMachine();
    private final IoManager io = t.machine.iomgr;
    private final Wdm lowDriver = new Wdm(t.machine, "Low.sys");
    private final DeviceObject low = io.IoCreateDevice(lowDriver.DriverObject(), "\\Device\\Low", FILE_DEVICE_UNKNOWN, 0);
    private final List<String> events = new ArrayList<>();
    private Irp seen;

    private void lowCompletesWith(int status, long information) {
        lowDriver.DriverObject().MajorFunction[IRP_MJ_DEVICE_CONTROL] = (d, irp) -> {
            seen = irp;
            events.add("dispatch Low");
            irp.IoStatus.Status = status;
            irp.IoStatus.Information = information;
            io.IoCompleteRequest(irp, IO_NO_INCREMENT);
            return status;
        };
    }

    private IoManager.Request ioctl(FileObject f, int method, long in, long inLen, long out, long outLen) {
        return io.NtDeviceIoControlFile(f, null, t.allocate(0x1000, Protection.PAGE_READWRITE),
                CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, method, FILE_ANY_ACCESS), in, inLen, out, outLen);
    }

    @Test
    void ctlCodeHasTheWdmLayout() {
        assertThat(CTL_CODE(0x22, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)).isEqualTo(0x222000);
        assertThat(CTL_CODE(0x22, 0x80A, METHOD_OUT_DIRECT, FILE_ANY_ACCESS)).isEqualTo(0x22202A);
        assertThat(METHOD_FROM_CTL_CODE(0x22202B)).isEqualTo(METHOD_NEITHER);
    }

    @Test
    void attachingStacksDevicesAndGrowsTheStackSize() {
        Wdm filterDriver = new Wdm(t.machine, "Filter.sys");
        DeviceObject filter = io.IoCreateDevice(filterDriver.DriverObject(), null, FILE_DEVICE_UNKNOWN, 0);
        assertThat(io.IoAttachDeviceToDeviceStack(filter, low)).isSameAs(low);
        assertThat(low.AttachedDevice).isSameAs(filter);
        assertThat(filter.StackSize).isEqualTo(2);
        assertThat(io.open(t.app, "\\Device\\Low", GENERIC_READ, false).DeviceObject).as("a handle opens the top").isSameAs(filter);
        assertThat(io.IoCreateDevice(filterDriver.DriverObject(), "\\Device\\Low", FILE_DEVICE_UNKNOWN, 0)).as("name collision").isNull();
    }

    @Test
    void anIrpStartsAboveItsStackAndIoCallDriverMovesDown() {
        Irp irp = io.IoAllocateIrp(2, false);
        assertThat(irp.CurrentLocation).isEqualTo(3);
        assertThat(irp.Size).isEqualTo(0xD0 + 2 * 0x48);
        assertThat(io.IoGetCurrentIrpStackLocation(irp)).isNull();
        io.IoGetNextIrpStackLocation(irp).MajorFunction = IRP_MJ_DEVICE_CONTROL;
        lowCompletesWith(NtStatus.STATUS_SUCCESS, 0);
        lowDriver.DriverObject().MajorFunction[IRP_MJ_DEVICE_CONTROL] = (d, i) -> {
            assertThat(i.CurrentLocation).isEqualTo(2);
            assertThat(io.IoGetCurrentIrpStackLocation(i).DeviceObject).isSameAs(low);
            return NtStatus.STATUS_PENDING;
        };
        assertThat(io.IoCallDriver(low, irp)).isEqualTo(NtStatus.STATUS_PENDING);
        String dump = new ntspec.debug.Debugger(t.machine).irp(irp);
        assertThat(dump).startsWith("Irp is active with 2 stacks 2 is current").contains(">[  e, 0]");
    }

    @Test
    void methodBufferedAllocatesMaxOfTheLengthsAndCopiesTheInput() {
        long in = t.allocate(0x1000, Protection.PAGE_READWRITE);
        long out = t.allocate(0x1000, Protection.PAGE_READWRITE);
        t.userWrite(in, "input");
        lowCompletesWith(NtStatus.STATUS_SUCCESS, 3);
        lowDriver.DriverObject().MajorFunction[IRP_MJ_DEVICE_CONTROL] = (d, irp) -> {
            seen = irp;
            assertThat(t.machine.mm.pool.find(irp.AssociatedIrp.SystemBuffer).size).isEqualTo(0x40);
            assertThat(t.kernelRead(irp.AssociatedIrp.SystemBuffer, 5)).isEqualTo("input");
            assertThat(irp.Flags).isEqualTo(IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | IRP_INPUT_OPERATION);
            assertThat(irp.UserBuffer).isEqualTo(out);
            t.machine.mm.write(irp.AssociatedIrp.SystemBuffer, "OUT".getBytes(), false);
            irp.IoStatus.Information = 3;
            io.IoCompleteRequest(irp, IO_NO_INCREMENT);
            return NtStatus.STATUS_SUCCESS;
        };
        FileObject f = io.open(t.app, "\\Device\\Low", GENERIC_READ | GENERIC_WRITE, false);
        IoManager.Request r = ioctl(f, METHOD_BUFFERED, in, 5, out, 0x40);
        assertThat(r.returnValue()).isEqualTo(NtStatus.STATUS_SUCCESS);
        assertThat(new String(t.machine.mm.read(out, 3, true))).isEqualTo("OUT");
        assertThat(r.IoStatus().Information).isEqualTo(3);
        assertThat(seen.isFreed()).isTrue();
    }

    @Test
    void methodOutDirectLocksTheOutputForWriteAndCompletionUnlocksThenFrees() {
        long out = t.allocate(0x2000, Protection.PAGE_READWRITE);
        Mdl[] mdl = new Mdl[1];
        lowDriver.DriverObject().MajorFunction[IRP_MJ_DEVICE_CONTROL] = (d, irp) -> {
            mdl[0] = irp.MdlAddress;
            assertThat(irp.MdlAddress.MdlFlags & (Mdl.MDL_PAGES_LOCKED | Mdl.MDL_WRITE_OPERATION))
                    .isEqualTo(Mdl.MDL_PAGES_LOCKED | Mdl.MDL_WRITE_OPERATION);
            assertThat(t.app.numberOfLockedPages()).isEqualTo(2);
            irp.IoStatus.Status = NtStatus.STATUS_SUCCESS;
            io.IoCompleteRequest(irp, IO_NO_INCREMENT);
            return NtStatus.STATUS_SUCCESS;
        };
        FileObject f = io.open(t.app, "\\Device\\Low", GENERIC_READ, false);
        ioctl(f, METHOD_OUT_DIRECT, 0, 0, out, 0x2000);
        assertThat(t.app.numberOfLockedPages()).isZero();
        assertThat(mdl[0].isFreed()).isTrue();
    }

    @Test
    void methodNeitherPassesRawAddressesAndAProbeFailureSendsNoIrp() {
        long[] got = new long[2];
        lowDriver.DriverObject().MajorFunction[IRP_MJ_DEVICE_CONTROL] = (d, irp) -> {
            got[0] = io.IoGetCurrentIrpStackLocation(irp).Parameters.DeviceIoControl.Type3InputBuffer;
            got[1] = irp.UserBuffer;
            irp.IoStatus.Status = NtStatus.STATUS_SUCCESS;
            io.IoCompleteRequest(irp, IO_NO_INCREMENT);
            return NtStatus.STATUS_SUCCESS;
        };
        FileObject f = io.open(t.app, "\\Device\\Low", GENERIC_READ, false);
        ioctl(f, METHOD_NEITHER, 0x1234, 8, 0xFFFF_F800_0000_0000L, 8);
        assertThat(got).containsExactly(0x1234, 0xFFFF_F800_0000_0000L);
        got[0] = 0;
        IoManager.Request r = ioctl(f, METHOD_BUFFERED, 0, 0, 0xFFFF_F800_0000_0000L, 8);
        assertThat(r.returnValue()).isEqualTo(NtStatus.STATUS_ACCESS_VIOLATION);
        assertThat(r.irp).isNull();
        assertThat(got[0]).isZero();
    }

    @Test
    void completionRoutinesRunUpwardAndPendingPropagates() {
        Irp irp = io.IoAllocateIrp(3, false);
        DeviceObject[] devs = new DeviceObject[3];
        devs[0] = low;
        for (int i = 1; i < 3; i++) {
            Wdm w = new Wdm(t.machine, "F" + i + ".sys");
            devs[i] = io.IoCreateDevice(w.DriverObject(), null, FILE_DEVICE_UNKNOWN, 0);
            io.IoAttachDeviceToDeviceStack(devs[i], devs[i - 1]);
            int level = i;
            w.DriverObject().MajorFunction[IRP_MJ_DEVICE_CONTROL] = (d, p) -> {
                io.IoCopyCurrentIrpStackLocationToNext(p);
                io.IoSetCompletionRoutine(p, (dd, pp, ctx) -> {
                    events.add("completion F" + level + " pending " + pp.PendingReturned + " device " + (dd == null ? "none" : dd.name == null ? "F" + level : dd.name));
                    return NtStatus.STATUS_SUCCESS;
                }, null, true, true, true, null, "F" + level);
                return io.IoCallDriver(devs[level - 1], p);
            };
        }
        lowDriver.DriverObject().MajorFunction[IRP_MJ_DEVICE_CONTROL] = (d, p) -> {
            io.IoMarkIrpPending(p);
            seen = p;
            return NtStatus.STATUS_PENDING;
        };
        io.IoGetNextIrpStackLocation(irp).MajorFunction = IRP_MJ_DEVICE_CONTROL;
        assertThat(io.IoCallDriver(devs[2], irp)).isEqualTo(NtStatus.STATUS_PENDING);
        seen.IoStatus.Status = NtStatus.STATUS_SUCCESS;
        io.IoCompleteRequest(seen, IO_NO_INCREMENT);
        assertThat(events).containsExactly("completion F1 pending true device F1", "completion F2 pending false device F2");
        assertThat(irp.isFreed()).as("no thread: stage 2 ran at once and freed it").isTrue();
    }

    @Test
    void withoutACompletionRoutinePendingReturnedIsPropagatedToTheLocationAbove() {
        Irp irp = io.IoAllocateIrp(2, false);
        Wdm w = new Wdm(t.machine, "Skip.sys");
        DeviceObject top = io.IoCreateDevice(w.DriverObject(), null, FILE_DEVICE_UNKNOWN, 0);
        io.IoAttachDeviceToDeviceStack(top, low);
        w.DriverObject().MajorFunction[IRP_MJ_DEVICE_CONTROL] = (d, p) -> {
            io.IoCopyCurrentIrpStackLocationToNext(p);
            io.IoSetCompletionRoutine(p, (dd, pp, ctx) -> {
                events.add("top pending " + pp.PendingReturned);
                return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true, null, "Top");
            return io.IoCallDriver(low, p);
        };
        lowDriver.DriverObject().MajorFunction[IRP_MJ_DEVICE_CONTROL] = (d, p) -> {
            io.IoMarkIrpPending(p);
            return NtStatus.STATUS_PENDING;
        };
        io.IoGetNextIrpStackLocation(irp).MajorFunction = IRP_MJ_DEVICE_CONTROL;
        io.IoCallDriver(top, irp);
        io.IoCompleteRequest(irp, IO_NO_INCREMENT);
        assertThat(events).containsExactly("top pending true");
        assertThat(irp.isFreed()).as("MORE_PROCESSING_REQUIRED: the routine owns it").isFalse();
    }

    @Test
    void anApcForARunningThreadBelowApcLevelRunsAtOnceAtApcLevel() {
        KThread me = t.machine.kernel.currentThread();
        int[] irql = {-1};
        t.machine.kernel.KeInsertQueueApc(me, new KApc("Test", () -> irql[0] = t.machine.kernel.KeGetCurrentIrql()));
        assertThat(irql[0]).isEqualTo(Irql.APC_LEVEL);
        assertThat(t.machine.kernel.KeGetCurrentIrql()).isEqualTo(Irql.PASSIVE_LEVEL);
    }

    @Test
    void anApcWaitsWhileItsThreadRunsAtDispatchLevelAndRunsWhenItLowers() {
        KThread me = t.machine.kernel.currentThread();
        List<String> order = new ArrayList<>();
        int old = t.machine.kernel.KeRaiseIrql(Irql.DISPATCH_LEVEL);
        t.machine.kernel.KeInsertQueueApc(me, new KApc("Test", () -> order.add("apc")));
        order.add("still at DISPATCH_LEVEL");
        assertThat(me.pendingKernelApcs()).isEqualTo(1);
        t.machine.kernel.KeLowerIrql(old);
        assertThat(order).containsExactly("still at DISPATCH_LEVEL", "apc");
    }

    @Test
    void anApcRunsOnTheProcessorWhereItsThreadRunsInThatThreadsAddressSpace() {
        EProcess other = t.machine.ps.PsCreateProcess("other");
        KThread app = t.machine.kernel.currentThread();
        t.machine.kernel.setCurrentProcessor(1);
        t.machine.kernel.switchTo(t.machine.ps.PsCreateThread(other));
        t.machine.kernel.KeRaiseIrql(Irql.DISPATCH_LEVEL);
        Object[] where = new Object[2];
        t.machine.kernel.KeInsertQueueApc(app, new KApc("Test", () -> {
            where[0] = t.machine.kernel.currentProcessor().number;
            where[1] = t.machine.kernel.currentProcess();
        }));
        assertThat(where).containsExactly(0, t.app);
        assertThat(t.machine.kernel.currentProcessor().number).as("back on the DPC's processor").isEqualTo(1);
    }

    @Test
    void aSecondCompletionBugChecks0x44() {
        Irp irp = io.IoAllocateIrp(1, false);
        io.IoGetNextIrpStackLocation(irp).MajorFunction = IRP_MJ_DEVICE_CONTROL;
        lowDriver.DriverObject().MajorFunction[IRP_MJ_DEVICE_CONTROL] = (d, p) -> NtStatus.STATUS_PENDING;
        io.IoCallDriver(low, irp);
        io.IoCompleteRequest(irp, IO_NO_INCREMENT);
        BugCheck bc = t.asDriver(() -> io.IoCompleteRequest(irp, IO_NO_INCREMENT));
        assertThat(bc).isEqualTo(new BugCheck(0x44, irp.address, 0, 0, 0));
    }

    @Test
    void unloadingTheThreadsFilterDetachesAndDeletesItsDevice() {
        var filter = new ntspec.drivers.UpperFilter(t.machine, "Filter.sys", low, ntspec.drivers.UpperFilter.Cleanup.UNLOCK_FREE);
        assertThat(low.AttachedDevice).isSameAs(filter.device());
        assertThat(io.unloadDriver(filter.DriverObject())).isEqualTo(NtStatus.STATUS_SUCCESS);
        assertThat(low.AttachedDevice).isNull();
        assertThat(filter.device().isDeleted()).isTrue();
        assertThat(io.unloadDriver(lowDriver.DriverObject())).as("no DriverUnload: cannot unload").isEqualTo(NtStatus.STATUS_INVALID_DEVICE_REQUEST);
    }
}
