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

/** IRPs in memory, building per transfer method, completion order, and APC delivery. */
class IoManagerTest {
    private final TestMachine t = new TestMachine();
    private final IoManager io = t.machine.io;
    private final Wdm lowDriver = ntspec.TestMachine.acceptsOpens(new Wdm(t.machine, "Low.sys"));
    private final DeviceObject low = io.device.IoCreateDevice(lowDriver.DriverObject(), 0, "\\Device\\Low", FILE_DEVICE_UNKNOWN, 0, false);
    private final List<String> events = new ArrayList<>();
    private Irp seen;

    private void dispatch(Wdm driver, DriverDispatch routine) {
        driver.setDispatch(IRP_MJ_DEVICE_CONTROL, routine);
    }

    private void lowCompletesWith(int status, long information) {
        dispatch(lowDriver, (d, irp) -> {
            seen = irp;
            events.add("dispatch Low");
            irp.IoStatus.setStatus(status);
            irp.IoStatus.setInformation(information);
            io.irp.IoCompleteRequest(irp, IO_NO_INCREMENT);
            return status;
        });
    }

    private IoFunc.Request ioctl(Handle h, int method, long in, long inLen, long out, long outLen) {
        return io.func.NtDeviceIoControlFile(h, null, t.allocate(0x1000, Protection.PAGE_READWRITE),
                CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, method, FILE_ANY_ACCESS), in, inLen, out, outLen);
    }

    private Handle open(int access) {
        return io.file.open(t.app, "\\Device\\Low", access, false);
    }

    @Test
    void ctlCodeHasTheWdmLayout() {
        assertThat(CTL_CODE(0x22, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)).isEqualTo(0x222000);
        assertThat(CTL_CODE(0x22, 0x80A, METHOD_OUT_DIRECT, FILE_ANY_ACCESS)).isEqualTo(0x22202A);
        assertThat(METHOD_FROM_CTL_CODE(0x22202B)).isEqualTo(METHOD_NEITHER);
    }

    @Test
    void objectsLiveInMemoryWithTheirX64Layouts() {
        assertThat(t.machine.mm.read(low.address, 2)).as("DEVICE_OBJECT.Type").isEqualTo(3);
        assertThat(t.machine.mm.read(low.address + 8, 8)).as("DriverObject at +0x08").isEqualTo(lowDriver.DriverObject().address);
        assertThat(t.machine.mm.read(lowDriver.DriverObject().address, 2)).as("DRIVER_OBJECT.Type").isEqualTo(4);
        assertThat(lowDriver.DriverObject().DriverName()).isEqualTo("\\Driver\\Low");
        assertThat(lowDriver.DriverObject().DeviceObject()).isEqualTo(low);
        Handle h = open(GENERIC_READ);
        assertThat(t.machine.mm.read(h.file().address, 2)).as("FILE_OBJECT.Type").isEqualTo(5);
        assertThat(h.file().Event().isSignaled()).as("the create completed").isTrue();
    }

    @Test
    void attachingStacksDevicesAndTheFileNamesTheOpenedDevice() {
        Wdm filterDriver = ntspec.TestMachine.acceptsOpens(new Wdm(t.machine, "Filter.sys"));
        DeviceObject filter = io.device.IoCreateDevice(filterDriver.DriverObject(), 0, null, FILE_DEVICE_UNKNOWN, 0, false);
        assertThat(io.device.IoAttachDeviceToDeviceStack(filter, low)).isEqualTo(low);
        assertThat(low.AttachedDevice()).isEqualTo(filter);
        assertThat(filter.AttachedTo()).isEqualTo(low);
        assertThat(filter.StackSize()).isEqualTo(2);
        Handle h = open(GENERIC_READ);
        assertThat(h.file().DeviceObject()).as("FILE_OBJECT.DeviceObject is the device opened").isEqualTo(low);
        assertThat(io.file.IoGetRelatedDeviceObject(h.file())).as("requests go to the top of its stack").isEqualTo(filter);
        assertThat(io.device.IoCreateDevice(filterDriver.DriverObject(), 0, "\\Device\\Low", FILE_DEVICE_UNKNOWN, 0, false))
                .as("name collision").isNull();
    }

    @Test
    void aFreshIrpHasWindowsAllocationFlagsAndStartsAboveItsStack() {
        Irp irp = io.irp.IoAllocateIrp(2, false);
        assertThat(irp.Type()).isEqualTo((short) 6);
        assertThat(irp.StackCount()).isEqualTo(2);
        assertThat(irp.CurrentLocation()).isEqualTo(3);
        assertThat(irp.Tail.Overlay.CurrentStackLocationAddress()).as("one past the last location")
                .isEqualTo(irp.address + 0xD0 + 2 * 0x48);
        assertThat(irp.Size()).as("a fixed-size IRP from the lookaside list").isGreaterThanOrEqualTo(0xD0 + 2 * 0x48);
        assertThat(irp.AllocationFlags()).isEqualTo(IRP_ALLOCATED_FIXED_SIZE);
        assertThat(io.irp.IoAllocateIrp(2, true).AllocationFlags()).as("kmtest IoIrp: quota → lookaside flag")
                .isEqualTo(IRP_ALLOCATED_FIXED_SIZE | IRP_LOOKASIDE_ALLOCATION);
        Irp big = io.irp.IoAllocateIrp(12, true);
        assertThat(big.AllocationFlags()).isEqualTo(IRP_QUOTA_CHARGED);
        assertThat(big.Size()).isEqualTo(0xD0 + 12 * 0x48);
        assertThat(t.machine.mm.read(irp.address + 0x20, 8)).as("ThreadListEntry is empty").isEqualTo(irp.address + 0x20);
    }

    @Test
    void ioCallDriverMovesDownAndRecordsTheDevice() {
        Irp irp = io.irp.IoAllocateIrp(2, false);
        io.irp.IoGetNextIrpStackLocation(irp).setMajorFunction(IRP_MJ_DEVICE_CONTROL);
        dispatch(lowDriver, (d, i) -> {
            assertThat(i.CurrentLocation()).isEqualTo(2);
            assertThat(io.irp.IoGetCurrentIrpStackLocation(i).DeviceObject()).isEqualTo(low);
            return NtStatus.STATUS_PENDING;
        });
        assertThat(io.irp.IoCallDriver(low, irp)).isEqualTo(NtStatus.STATUS_PENDING);
        String dump = new ntspec.debug.Debugger(t.machine).irp(irp.address);
        assertThat(dump).startsWith("Irp is active with 2 stacks 2 is current").contains(">[  e, 0]");
    }

    @Test
    void methodBufferedAllocatesMaxOfTheLengthsAndCopiesTheInput() {
        long in = t.allocate(0x1000, Protection.PAGE_READWRITE);
        long out = t.allocate(0x1000, Protection.PAGE_READWRITE);
        t.userWrite(in, "input");
        dispatch(lowDriver, (d, irp) -> {
            seen = irp;
            long system = irp.AssociatedIrp.SystemBuffer();
            assertThat(t.machine.mm.pool.find(system).size).isEqualTo(0x40);
            assertThat(t.kernelRead(system, 5)).isEqualTo("input");
            assertThat(irp.Flags()).isEqualTo(IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | IRP_INPUT_OPERATION);
            assertThat(irp.UserBuffer()).isEqualTo(out);
            t.machine.mm.write(system, "OUT".getBytes(), false);
            irp.IoStatus.setInformation(3);
            io.irp.IoCompleteRequest(irp, IO_NO_INCREMENT);
            return NtStatus.STATUS_SUCCESS;
        });
        IoFunc.Request r = ioctl(open(GENERIC_READ | GENERIC_WRITE), METHOD_BUFFERED, in, 5, out, 0x40);
        assertThat(r.returnValue()).isEqualTo(NtStatus.STATUS_SUCCESS);
        assertThat(new String(t.machine.mm.read(out, 3, true))).isEqualTo("OUT");
        assertThat(r.IoStatus().Information).isEqualTo(3);
        assertThat(t.machine.mm.pool.isOnLookasideList(seen.address)).as("stage 2 freed the IRP to its lookaside list").isTrue();
    }

    @Test
    void methodOutDirectLocksTheOutputForWriteAndCompletionUnlocksThenFrees() {
        long out = t.allocate(0x2000, Protection.PAGE_READWRITE);
        long[] mdl = new long[1];
        dispatch(lowDriver, (d, irp) -> {
            Mdl m = irp.MdlAddress();
            mdl[0] = m.address;
            assertThat(m.MdlFlags() & (Mdl.MDL_PAGES_LOCKED | Mdl.MDL_WRITE_OPERATION)).isEqualTo(Mdl.MDL_PAGES_LOCKED | Mdl.MDL_WRITE_OPERATION);
            assertThat(t.app.numberOfLockedPages()).isEqualTo(2);
            irp.IoStatus.setStatus(NtStatus.STATUS_SUCCESS);
            io.irp.IoCompleteRequest(irp, IO_NO_INCREMENT);
            return NtStatus.STATUS_SUCCESS;
        });
        ioctl(open(GENERIC_READ), METHOD_OUT_DIRECT, 0, 0, out, 0x2000);
        assertThat(t.app.numberOfLockedPages()).isZero();
        assertThat(t.machine.mm.pool.isOnLookasideList(mdl[0])).isTrue();
    }

    @Test
    void methodNeitherPassesRawAddressesAndAProbeFailureSendsNoIrp() {
        long[] got = new long[2];
        dispatch(lowDriver, (d, irp) -> {
            got[0] = io.irp.IoGetCurrentIrpStackLocation(irp).Parameters.DeviceIoControl.Type3InputBuffer();
            got[1] = irp.UserBuffer();
            irp.IoStatus.setStatus(NtStatus.STATUS_SUCCESS);
            io.irp.IoCompleteRequest(irp, IO_NO_INCREMENT);
            return NtStatus.STATUS_SUCCESS;
        });
        Handle h = open(GENERIC_READ);
        ioctl(h, METHOD_NEITHER, 0x1234, 8, 0xFFFF_F800_0000_0000L, 8);
        assertThat(got).containsExactly(0x1234, 0xFFFF_F800_0000_0000L);
        got[0] = 0;
        IoFunc.Request r = ioctl(h, METHOD_BUFFERED, 0, 0, 0xFFFF_F800_0000_0000L, 8);
        assertThat(r.returnValue()).isEqualTo(NtStatus.STATUS_ACCESS_VIOLATION);
        assertThat(r.irp).isZero();
        assertThat(got[0]).isZero();
    }

    /** A stack of n devices on Low, each passing the IRP down with a completion routine. */
    private DeviceObject[] stack(int n, int topStatus) {
        DeviceObject[] devs = new DeviceObject[n];
        devs[0] = low;
        for (int i = 1; i < n; i++) {
            Wdm w = ntspec.TestMachine.acceptsOpens(new Wdm(t.machine, "F" + i + ".sys"));
            devs[i] = io.device.IoCreateDevice(w.DriverObject(), 0, null, FILE_DEVICE_UNKNOWN, 0, false);
            io.device.IoAttachDeviceToDeviceStack(devs[i], devs[i - 1]);
            int level = i;
            IoCompletionRoutine routine = (dd, pp, ctx) -> {
                events.add("completion F" + level + " pending " + pp.PendingReturned() + " device " + (dd == null ? "none" : "F" + level));
                return level == n - 1 ? topStatus : NtStatus.STATUS_SUCCESS;
            };
            dispatch(w, (d, p) -> {
                io.irp.IoCopyCurrentIrpStackLocationToNext(p);
                w.IoSetCompletionRoutine(p, routine, 0, true, true, true);
                return io.irp.IoCallDriver(devs[level - 1], p);
            });
        }
        dispatch(lowDriver, (d, p) -> {
            io.irp.IoMarkIrpPending(p);
            seen = p;
            return NtStatus.STATUS_PENDING;
        });
        return devs;
    }

    @Test
    void completionRoutinesRunUpwardAndPendingPropagates() {
        Irp irp = io.irp.IoAllocateIrp(3, false);
        DeviceObject[] devs = stack(3, NtStatus.STATUS_MORE_PROCESSING_REQUIRED);
        io.irp.IoGetNextIrpStackLocation(irp).setMajorFunction(IRP_MJ_DEVICE_CONTROL);
        assertThat(io.irp.IoCallDriver(devs[2], irp)).isEqualTo(NtStatus.STATUS_PENDING);
        seen.IoStatus.setStatus(NtStatus.STATUS_SUCCESS);
        io.irp.IoCompleteRequest(seen, IO_NO_INCREMENT);
        assertThat(events).containsExactly("completion F1 pending true device F1", "completion F2 pending false device F2");
        assertThat(t.machine.bugCheck()).as("the creator's routine kept the IRP").isNull();
    }

    @Test
    void aThreadlessIrpWhoseCompletionRunsOnQueuesItsApcToNoThreadAndCrashes() {
        Irp irp = io.irp.IoAllocateIrp(3, false);
        DeviceObject[] devs = stack(3, NtStatus.STATUS_SUCCESS);
        io.irp.IoGetNextIrpStackLocation(irp).setMajorFunction(IRP_MJ_DEVICE_CONTROL);
        io.irp.IoCallDriver(devs[2], irp);
        seen.IoStatus.setStatus(NtStatus.STATUS_SUCCESS);
        BugCheck bc = t.asDriver(() -> io.irp.IoCompleteRequest(seen, IO_NO_INCREMENT));
        assertThat(bc.code()).as("IRQL_NOT_LESS_OR_EQUAL in KeInsertQueueApc").isEqualTo(0xA);
        assertThat(bc.p1()).as("NULL + KTHREAD.ThreadLock").isEqualTo(KThread.THREAD_LOCK);
        assertThat(bc.p2()).as("at SYNCH_LEVEL").isEqualTo(12);
        assertThat(t.machine.kernel.symbol(bc.p4())).contains("nt");
    }

    @Test
    void aCancelledThreadlessIrpIsCleanedUpWithoutStageTwo() {
        Irp irp = io.irp.IoAllocateIrp(1, false);
        long iosb = t.allocate(0x1000, Protection.PAGE_READWRITE);
        t.userWrite(iosb, "untouched");
        irp.setUserIosb(iosb);
        irp.setCancel(true);
        irp.IoStatus.setStatus(NtStatus.STATUS_CANCELLED);
        io.irp.IoGetNextIrpStackLocation(irp).setMajorFunction(IRP_MJ_DEVICE_CONTROL);
        dispatch(lowDriver, (d, p) -> NtStatus.STATUS_PENDING);
        io.irp.IoCallDriver(low, irp);
        assertThat(t.asDriver(() -> io.irp.IoCompleteRequest(irp, IO_NO_INCREMENT))).isNull();
        assertThat(t.kernelRead(iosb, 9)).as("no IOSB write").isEqualTo("untouched");
        assertThat(t.machine.mm.pool.isOnLookasideList(irp.address)).as("freed").isTrue();
    }

    @Test
    void withoutACompletionRoutinePendingReturnedIsPropagatedToTheLocationAbove() {
        Irp irp = io.irp.IoAllocateIrp(2, false);
        Wdm w = ntspec.TestMachine.acceptsOpens(new Wdm(t.machine, "Skip.sys"));
        DeviceObject top = io.device.IoCreateDevice(w.DriverObject(), 0, null, FILE_DEVICE_UNKNOWN, 0, false);
        io.device.IoAttachDeviceToDeviceStack(top, low);
        IoCompletionRoutine routine = (dd, pp, ctx) -> {
            events.add("top pending " + pp.PendingReturned());
            return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
        };
        dispatch(w, (d, p) -> {
            io.irp.IoCopyCurrentIrpStackLocationToNext(p);
            w.IoSetCompletionRoutine(p, routine, 0, true, true, true);
            return io.irp.IoCallDriver(low, p);
        });
        dispatch(lowDriver, (d, p) -> {
            io.irp.IoMarkIrpPending(p);
            return NtStatus.STATUS_PENDING;
        });
        io.irp.IoGetNextIrpStackLocation(irp).setMajorFunction(IRP_MJ_DEVICE_CONTROL);
        io.irp.IoCallDriver(top, irp);
        io.irp.IoCompleteRequest(irp, IO_NO_INCREMENT);
        assertThat(events).containsExactly("top pending true");
        assertThat(t.machine.mm.pool.isOnLookasideList(irp.address)).as("MORE_PROCESSING_REQUIRED: the routine owns it").isFalse();
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
    void aSecondCompletionBugChecks0x44FromWhatTheFreedPacketStillSays() {
        Irp irp = io.irp.IoAllocateIrp(1, false);
        irp.Tail.Overlay.setThread(t.machine.kernel.currentThread());
        io.irp.IoGetNextIrpStackLocation(irp).setMajorFunction(IRP_MJ_DEVICE_CONTROL);
        dispatch(lowDriver, (d, p) -> NtStatus.STATUS_PENDING);
        io.irp.IoCallDriver(low, irp);
        io.irp.IoCompleteRequest(irp, IO_NO_INCREMENT);
        assertThat(t.machine.mm.pool.isOnLookasideList(irp.address)).as("stage 2 ran and freed it").isTrue();
        BugCheck bc = t.asDriver(() -> io.irp.IoCompleteRequest(irp, IO_NO_INCREMENT));
        assertThat(bc).isEqualTo(new BugCheck(0x44, irp.address, 0, 0, 0));
    }

    @Test
    void aStoreThroughAnIrpViewChangesWhatTheIoManagerReads() {
        Irp irp = io.irp.IoAllocateIrp(1, false);
        t.machine.mm.write(irp.address + 0x43, 1, 7);
        assertThat(irp.CurrentLocation()).isEqualTo(7);
        BugCheck bc = t.asDriver(() -> io.irp.IoCompleteRequest(irp, IO_NO_INCREMENT));
        assertThat(bc.code()).as("CurrentLocation > StackCount + 1").isEqualTo(0x44);
    }

    @Test
    void unloadingTheThreadsFilterDetachesDeletesItsDeviceAndUnloadsTheImage() {
        var filter = new ntspec.drivers.UpperFilter(t.machine, "Filter.sys", low, ntspec.drivers.UpperFilter.Cleanup.UNLOCK_FREE);
        assertThat(low.AttachedDevice()).isEqualTo(filter.device());
        assertThat(io.driver.unloadDriver(filter.DriverObject())).isEqualTo(NtStatus.STATUS_SUCCESS);
        assertThat(low.AttachedDevice()).isNull();
        assertThat(filter.device().isDeleted()).isTrue();
        assertThat(t.machine.kernel.isUnloadedImageAddress(filter.image().base())).isTrue();
        assertThat(io.driver.unloadDriver(lowDriver.DriverObject())).as("no DriverUnload: cannot unload").isEqualTo(NtStatus.STATUS_INVALID_DEVICE_REQUEST);
    }

    /**
     * With nonpaged pool exhausted IoAllocateIrp returns NULL, and the system services return
     * STATUS_INSUFFICIENT_RESOURCES without an IRP (found by random testing: it used to throw).
     */
    @Test
    void servicesAnswerInsufficientResourcesWhenNoIrpCanBeAllocated() {
        TestMachine small = new TestMachine(ntspec.Machine.Config.defaults().withPhysicalMemory(8L << 20).withPagingFile(8L << 20));
        IoManager sio = small.machine.io;
        Wdm driver = ntspec.TestMachine.acceptsOpens(new Wdm(small.machine, "Buf.sys"));
        DeviceObject dev = sio.device.IoCreateDevice(driver.DriverObject(), 0, "\\Device\\Buf", FILE_DEVICE_UNKNOWN, 0, false);
        dev.setFlags(dev.Flags() | DO_BUFFERED_IO);
        Handle h = sio.file.open(small.app, "\\Device\\Buf", GENERIC_READ | GENERIC_WRITE, false);
        long buffer = small.allocate(0x1000, Protection.PAGE_READWRITE);
        long iosb = small.allocate(0x1000, Protection.PAGE_READWRITE);
        small.machine.mm.writeByte(buffer, 1, true);
        small.machine.mm.writeByte(iosb, 1, true);
        // Take every page pool can get: whole pages first, then small blocks.
        var pool = small.machine.mm.pool;
        while (pool.ExAllocatePoolWithTag(ntspec.mm.Pool.NonPagedPool, 0x1000, 0x676F4800) != 0) { }
        while (pool.ExAllocatePoolWithTag(ntspec.mm.Pool.NonPagedPool, 0x10, 0x676F4800) != 0) { }
        while (pool.allocateFromLookaside(Irp.IoSizeOfIrp(1), IoIrp.TAG_IRP) != 0) { }
        assertThat(small.wdm.IoAllocateIrp(1, false)).as("IoAllocateIrp with pool exhausted").isNull();

        IoFunc.Request read = sio.func.NtReadWriteFile(true, h, null, iosb, buffer, 0x10);
        assertThat(NtStatus.name(read.returnValue())).isEqualTo("STATUS_INSUFFICIENT_RESOURCES");
        IoFunc.Request ioctl = sio.func.NtDeviceIoControlFile(h, null, iosb,
                CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS), buffer, 8, buffer, 8);
        assertThat(NtStatus.name(ioctl.returnValue())).isEqualTo("STATUS_INSUFFICIENT_RESOURCES");
        assertThat(small.machine.isHalted()).isFalse();
    }

    @Test
    void openingSendsCreateAndAFailedCreateLeavesNoHandle() {
        int[] seenFlags = {0};
        int[] seenMode = {-1};
        lowDriver.setDispatch(IRP_MJ_CREATE, (d, irp) -> {
            seenFlags[0] = irp.Flags();
            seenMode[0] = irp.RequestorMode();
            irp.IoStatus.setStatus(NtStatus.STATUS_ACCESS_DENIED);
            io.irp.IoCompleteRequest(irp, IO_NO_INCREMENT);
            return NtStatus.STATUS_ACCESS_DENIED;
        });
        long iosb = t.allocate(0x1000, Protection.PAGE_READWRITE);
        IoFile.Create c = io.file.NtCreateFile(t.app, "\\Device\\Low", GENERIC_READ, false, iosb);
        assertThat(c.status()).isEqualTo(NtStatus.STATUS_ACCESS_DENIED);
        assertThat(c.handle()).isNull();
        assertThat(seenFlags[0] & (IRP_CREATE_OPERATION | IRP_SYNCHRONOUS_API | IRP_DEFER_IO_COMPLETION))
                .isEqualTo(IRP_CREATE_OPERATION | IRP_SYNCHRONOUS_API | IRP_DEFER_IO_COMPLETION);
        assertThat(seenMode[0]).isEqualTo(ntspec.mm.MdlRoutines.UserMode);
        assertThat(t.machine.mm.read(iosb, 4)).as("an error leaves the caller's status block alone").isZero();
        TestMachine.acceptsOpens(lowDriver);
        IoFile.Create ok = io.file.NtCreateFile(t.app, "\\Device\\Low", GENERIC_READ, false, iosb);
        assertThat(ok.handle()).isNotNull();
        assertThat(ok.handle().value()).as("the failed open took no handle value").isEqualTo(4);
        assertThat(io.file.NtCreateFile(t.app, "\\Device\\Nothing", GENERIC_READ, false, 0).status())
                .isEqualTo(NtStatus.STATUS_OBJECT_NAME_NOT_FOUND);
    }
}
