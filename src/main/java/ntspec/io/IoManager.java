package ntspec.io;

import static ntspec.io.IoConstants.*;

import java.util.LinkedHashMap;
import java.util.Map;
import ntspec.ke.BugCheckCode;
import ntspec.ke.CodeImage;
import ntspec.ke.Irql;
import ntspec.ke.KApc;
import ntspec.ke.KEvent;
import ntspec.ke.KThread;
import ntspec.ke.Kernel;
import ntspec.ke.NtStatus;
import ntspec.mm.EProcess;
import ntspec.mm.Mdl;
import ntspec.mm.MdlRoutines;
import ntspec.mm.Mm;
import ntspec.mm.Pool;
import ntspec.trace.Trace;

/**
 * The I/O manager: driver and device objects, device stacks, handles, IRPs and their stack
 * locations, IoCallDriver, the two stages of IoCompleteRequest, and the system services that
 * build IRPs for user and kernel requesters (mdl-and-io-semantics.md section C, after ReactOS
 * ntoskrnl/io/iomgr/irp.c, iofunc.c; kernel-rules.md 3.8, 3.9).
 */
public final class IoManager {
    private static final int TAG_IRP = Pool.tag("Irp ");
    private static final int TAG_SYS_BUF = Pool.tag("BSYS");
    private static final int TAG_IO = Pool.tag("Io  ");

    private final Kernel kernel;
    private final Mm mm;
    private final IoMdl io;
    private final Trace trace;
    private final Map<String, DeviceObject> namespace = new LinkedHashMap<>();
    private final Map<String, DriverObject> drivers = new LinkedHashMap<>();

    public IoManager(Kernel kernel, Mm mm, IoMdl io) {
        this.kernel = kernel;
        this.mm = mm;
        this.io = io;
        this.trace = kernel.trace();
    }

    // ------------------------------------------------------------------ objects

    /** Loads a driver: a DRIVER_OBJECT whose dispatch table starts as IopInvalidDeviceRequest. */
    public DriverObject createDriver(String driverName, CodeImage image) {
        if (drivers.containsKey(driverName)) throw new IllegalArgumentException("driver " + driverName + " is already loaded");
        DriverObject d = new DriverObject(mm.pool.allocateObject(0x150, TAG_IO), driverName, image);
        drivers.put(driverName, d);
        trace.add(Trace.Kind.NOTE, "loaded " + d);
        return d;
    }

    /** IoCreateDevice; returns null (STATUS_OBJECT_NAME_COLLISION) when the name is taken. */
    public DeviceObject IoCreateDevice(DriverObject driver, String deviceName, int deviceType, int flags) {
        if (deviceName != null && namespace.containsKey(deviceName)) return null;
        DeviceObject d = new DeviceObject(mm.pool.allocateObject(0x150, TAG_IO), deviceName, driver, deviceType);
        d.Flags = flags;
        if (driver.DeviceObject == null) driver.DeviceObject = d;
        if (deviceName != null) namespace.put(deviceName, d);
        trace.add(Trace.Kind.NOTE, "IoCreateDevice " + d);
        return d;
    }

    public DeviceObject device(String name) {
        return namespace.get(name);
    }

    public Map<String, DeviceObject> devices() {
        return java.util.Collections.unmodifiableMap(namespace);
    }

    /** IoGetAttachedDevice: the top of the stack the device is in. */
    public DeviceObject IoGetAttachedDevice(DeviceObject device) {
        DeviceObject d = device;
        while (d.AttachedDevice != null) d = d.AttachedDevice;
        return d;
    }

    /**
     * IoAttachDeviceToDeviceStack: attaches source on top of target's stack; returns the device it
     * is attached to (the previous top). StackSize becomes that device's + 1.
     */
    public DeviceObject IoAttachDeviceToDeviceStack(DeviceObject source, DeviceObject target) {
        DeviceObject top = IoGetAttachedDevice(target);
        top.AttachedDevice = source;
        source.AttachedTo = top;
        source.StackSize = top.StackSize + 1;
        trace.add(Trace.Kind.NOTE, "attached " + source + " on " + top);
        return top;
    }

    /** IoDetachDevice(TargetDevice): removes the device attached on top of the target. */
    public void IoDetachDevice(DeviceObject target) {
        DeviceObject above = target.AttachedDevice;
        if (above != null) above.AttachedTo = null;
        target.AttachedDevice = null;
        trace.add(Trace.Kind.NOTE, "IoDetachDevice " + target);
    }

    /** IoDeleteDevice: the name goes; the object is freed (its pool block with it). */
    public void IoDeleteDevice(DeviceObject device) {
        if (device.name != null) namespace.remove(device.name, device);
        device.deleted = true;
        mm.pool.ExFreePoolWithTag(device.address, TAG_IO);
        trace.add(Trace.Kind.NOTE, "IoDeleteDevice " + device);
    }

    /**
     * Unloads a driver (IopUnloadDriver): its DriverUnload routine runs at PASSIVE_LEVEL in the
     * System context; a driver without one cannot be unloaded (STATUS_INVALID_DEVICE_REQUEST).
     */
    public int unloadDriver(DriverObject driver) {
        kernel.ensureRunning();
        if (driver.DriverUnload == null || driver.unloaded) return NtStatus.STATUS_INVALID_DEVICE_REQUEST;
        long ip = kernel.enter(driver.image.routine("DriverUnload"));
        try {
            kernel.runUnhandledExceptionBoundary(() -> driver.DriverUnload.accept(driver));
        } finally {
            kernel.leave(ip);
        }
        driver.unloaded = true;
        drivers.remove(driver.DriverName);
        trace.add(Trace.Kind.NOTE, "unloaded " + driver);
        return NtStatus.STATUS_SUCCESS;
    }

    /**
     * Opens a device for a process (NtCreateFile on \Device\Name): the handle refers to the top of
     * the device's stack; {@code overlapped} = FILE_FLAG_OVERLAPPED (no FO_SYNCHRONOUS_IO).
     */
    public FileObject open(EProcess process, String deviceName, int desiredAccess, boolean overlapped) {
        DeviceObject d = namespace.get(deviceName);
        if (d == null) return null;
        int granted = desiredAccess;
        if ((granted & GENERIC_READ) != 0) granted |= FILE_READ_DATA;
        if ((granted & GENERIC_WRITE) != 0) granted |= FILE_WRITE_DATA;
        FileObject f = new FileObject(mm.pool.allocateObject(0xD8, Pool.tag("File")), IoGetAttachedDevice(d), process, granted, !overlapped);
        trace.add(Trace.Kind.NOTE, "opened " + f + " for " + process.name + ", access", granted);
        return f;
    }

    // ------------------------------------------------------------------ IRPs

    /** IoAllocateIrp: an IRP with StackSize locations in nonpaged pool, not associated with a thread. */
    public Irp IoAllocateIrp(int stackSize, boolean chargeQuota) {
        if (stackSize < 1 || stackSize > 127) return null;
        long size = SIZEOF_IRP + (long) stackSize * SIZEOF_IO_STACK_LOCATION;
        long va = mm.pool.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, size, TAG_IRP);
        if (va == 0) return null;
        Irp irp = new Irp(va, stackSize);
        irp.AllocationFlags = (stackSize <= 8 ? IRP_ALLOCATED_FIXED_SIZE : 0) | (chargeQuota ? IRP_QUOTA_CHARGED : 0);
        irp.IoStatus.Status = 0;
        return irp;
    }

    /** IoFreeIrp: frees the packet (a second free is the pool's BAD_POOL_CALLER). */
    public void IoFreeIrp(Irp irp) {
        mm.pool.ExFreePoolWithTag(irp.address, TAG_IRP);
        irp.freed = true;
    }

    public IoStackLocation IoGetCurrentIrpStackLocation(Irp irp) {
        return irp.location(irp.CurrentLocation);
    }

    public IoStackLocation IoGetNextIrpStackLocation(Irp irp) {
        return irp.location(irp.CurrentLocation - 1);
    }

    public void IoSkipCurrentIrpStackLocation(Irp irp) {
        irp.CurrentLocation++;
    }

    public void IoCopyCurrentIrpStackLocationToNext(Irp irp) {
        IoStackLocation next = IoGetNextIrpStackLocation(irp);
        IoStackLocation cur = IoGetCurrentIrpStackLocation(irp);
        if (next == null || cur == null) {
            // The macro writes below the IRP's stack: the next IoCallDriver bug-checks 0x35.
            return;
        }
        next.copyParametersFrom(cur);
    }

    /** IoSetCompletionRoutine: stored in the next location, run as {@code image}'s code. */
    public void IoSetCompletionRoutine(Irp irp, IoCompletionRoutine routine, Object context, boolean onSuccess,
                                       boolean onError, boolean onCancel, CodeImage image, String routineName) {
        IoStackLocation next = IoGetNextIrpStackLocation(irp);
        if (next == null) return;
        next.CompletionRoutine = routine;
        next.completionImage = image;
        next.completionName = routineName;
        next.Context = context;
        next.Control = (onSuccess ? SL_INVOKE_ON_SUCCESS : 0) | (onError ? SL_INVOKE_ON_ERROR : 0) | (onCancel ? SL_INVOKE_ON_CANCEL : 0);
    }

    /** IoMarkIrpPending: SL_PENDING_RETURNED in the current location. */
    public void IoMarkIrpPending(Irp irp) {
        IoStackLocation cur = IoGetCurrentIrpStackLocation(irp);
        if (cur != null) cur.Control |= SL_PENDING_RETURNED;
    }

    /**
     * IoCallDriver: moves to the next stack location (none left: NO_MORE_IRP_STACK_LOCATIONS
     * (IRP, 0, 0, 0)), records the device there and calls the driver's dispatch routine as that
     * driver's code. A missing entry is IopInvalidDeviceRequest.
     */
    public int IoCallDriver(DeviceObject device, Irp irp) {
        kernel.ensureRunning();
        irp.CurrentLocation--;
        if (irp.CurrentLocation <= 0) {
            throw kernel.KeBugCheckEx(BugCheckCode.NO_MORE_IRP_STACK_LOCATIONS, irp.address, 0, 0, 0);
        }
        IoStackLocation sp = IoGetCurrentIrpStackLocation(irp);
        sp.DeviceObject = device;
        DriverDispatch dispatch = device.DriverObject.MajorFunction[sp.MajorFunction];
        trace.add(Trace.Kind.NOTE, "IoCallDriver " + majorName(sp.MajorFunction) + " " + irp + " to " + device
                + " at " + Irql.name(kernel.KeGetCurrentIrql()) + " in " + kernel.currentThread());
        if (dispatch == null) {
            irp.IoStatus.Status = NtStatus.STATUS_INVALID_DEVICE_REQUEST;
            irp.IoStatus.Information = 0;
            IoCompleteRequest(irp, IO_NO_INCREMENT);
            return NtStatus.STATUS_INVALID_DEVICE_REQUEST;
        }
        int[] status = new int[1];
        long ip = kernel.enter(device.DriverObject.image.routine("Dispatch" + majorName(sp.MajorFunction)));
        try {
            kernel.runUnhandledExceptionBoundary(() -> status[0] = dispatch.dispatch(device, irp));
        } finally {
            kernel.leave(ip);
        }
        trace.add(Trace.Kind.RETURN, "dispatch of " + device.DriverObject.DriverName + " returned " + NtStatus.name(status[0]));
        return status[0];
    }

    // ------------------------------------------------------------------ completion

    /**
     * IoCompleteRequest, stage 1 (C.4): completion routines upward with the invoke-on rules and
     * pending propagation, STATUS_MORE_PROCESSING_REQUIRED stops; then MmUnlockPages on every MDL
     * of the chain, then stage 2 queued as a special kernel APC to the requesting thread.
     */
    public void IoCompleteRequest(Irp irp, int priorityBoost) {
        kernel.ensureRunning();
        if (irp.freed || irp.CurrentLocation > irp.StackCount + 1) {
            throw kernel.KeBugCheckEx(BugCheckCode.MULTIPLE_IRP_COMPLETE_REQUESTS, irp.address, 0, 0, 0);
        }
        int irql = kernel.KeGetCurrentIrql();
        trace.add(Trace.Kind.NOTE, "IoCompleteRequest " + irp + " status " + NtStatus.name(irp.IoStatus.Status)
                + " at " + Irql.name(irql) + " in " + kernel.currentThread(), irp.IoStatus.Information);
        // Walk upward from the current location.
        irp.CurrentLocation++;
        for (; irp.CurrentLocation <= irp.StackCount + 1; irp.CurrentLocation++) {
            IoStackLocation sp = irp.location(irp.CurrentLocation - 1);
            irp.PendingReturned = (sp.Control & SL_PENDING_RETURNED) != 0;
            int status = irp.IoStatus.Status;
            boolean success = NtStatus.NT_SUCCESS(status);
            boolean invoke = sp.CompletionRoutine != null
                    && ((success && (sp.Control & SL_INVOKE_ON_SUCCESS) != 0)
                    || (!success && (sp.Control & SL_INVOKE_ON_ERROR) != 0)
                    || (irp.Cancel && (sp.Control & SL_INVOKE_ON_CANCEL) != 0));
            if (invoke) {
                IoCompletionRoutine routine = sp.CompletionRoutine;
                CodeImage image = sp.completionImage;
                String name = sp.completionName;
                Object context = sp.Context;
                sp.clear();
                IoStackLocation upper = irp.location(irp.CurrentLocation);
                DeviceObject device = irp.CurrentLocation == irp.StackCount + 1 || upper == null ? null : upper.DeviceObject;
                trace.add(Trace.Kind.NOTE, "completion routine " + (name == null ? "" : name) + " of "
                        + (image == null ? "?" : image.name()) + " at " + Irql.name(kernel.KeGetCurrentIrql())
                        + ", PendingReturned " + (irp.PendingReturned ? "TRUE" : "FALSE"));
                int r = runCompletionRoutine(routine, image, name, device, irp, context);
                if (r == NtStatus.STATUS_MORE_PROCESSING_REQUIRED) {
                    trace.add(Trace.Kind.NOTE, "STATUS_MORE_PROCESSING_REQUIRED: completion of " + irp + " stops");
                    return;
                }
            } else {
                if (irp.PendingReturned && irp.CurrentLocation <= irp.StackCount) {
                    IoStackLocation upper = irp.location(irp.CurrentLocation);
                    upper.Control |= SL_PENDING_RETURNED; // IoMarkIrpPending on the next-higher location
                }
                sp.clear();
            }
        }
        irp.completed = true;
        // Stage 1, step 7: unlock every MDL of the chain here, in the completing thread's context.
        for (Mdl m = irp.MdlAddress; m != null; m = m.Next) {
            trace.add(Trace.Kind.DDI, "IopCompleteRequest stage 1: MmUnlockPages(" + Trace.hex(m.address) + ")");
            mm.mdl.MmUnlockPages(m);
        }
        if ((irp.Flags & IRP_DEFER_IO_COMPLETION) != 0 && !irp.PendingReturned) {
            trace.add(Trace.Kind.NOTE, "IRP_DEFER_IO_COMPLETION: the caller runs stage 2");
            return;
        }
        KThread thread = irp.Tail.Overlay.Thread;
        if (thread == null) {
            stage2(irp);
            return;
        }
        kernel.KeInsertQueueApc(thread, new KApc("IopCompleteRequest", () -> stage2(irp)));
    }

    private int runCompletionRoutine(IoCompletionRoutine routine, CodeImage image, String name, DeviceObject device,
                                     Irp irp, Object context) {
        int[] r = new int[1];
        long ip = kernel.enter(image == null ? kernel.nt().routine("IopCompletion") : image.routine(name == null ? "Completion" : name));
        try {
            kernel.runUnhandledExceptionBoundary(() -> r[0] = routine.complete(device, irp, context));
        } finally {
            kernel.leave(ip);
        }
        return r[0];
    }

    /**
     * IopCompleteRequest, stage 2 (C.5), in the requesting thread at APC_LEVEL: buffered
     * copy-back, IoFreeMdl of the chain, the IOSB and the event, and the IRP freed.
     */
    void stage2(Irp irp) {
        int status = irp.IoStatus.Status;
        trace.add(Trace.Kind.NOTE, "IopCompleteRequest stage 2 for " + irp + " at " + Irql.name(kernel.KeGetCurrentIrql())
                + " in " + kernel.currentThread());
        if ((irp.Flags & IRP_BUFFERED_IO) != 0) {
            if ((irp.Flags & IRP_INPUT_OPERATION) != 0 && status != NtStatus.STATUS_VERIFY_REQUIRED && !NtStatus.NT_ERROR(status)) {
                long n = irp.IoStatus.Information;
                int[] caught = {0};
                kernel.tryExcept(() -> copy(irp.UserBuffer, irp.AssociatedIrp.SystemBuffer, n), code -> caught[0] = code);
                if (caught[0] != 0) {
                    status = caught[0];
                    irp.IoStatus.Status = status;
                }
                trace.add(Trace.Kind.NOTE, "copied SystemBuffer back to UserBuffer (bytes, to)", n, irp.UserBuffer);
            }
            if ((irp.Flags & IRP_DEALLOCATE_BUFFER) != 0 && irp.AssociatedIrp.SystemBuffer != 0) {
                mm.pool.ExFreePoolWithTag(irp.AssociatedIrp.SystemBuffer, TAG_SYS_BUF);
            }
            irp.Flags &= ~(IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER);
        }
        Mdl m = irp.MdlAddress;
        while (m != null) {
            Mdl next = m.Next;
            trace.add(Trace.Kind.DDI, "IopCompleteRequest stage 2: IoFreeMdl(" + Trace.hex(m.address) + ")");
            io.IoFreeMdl(m);
            m = next;
        }
        irp.MdlAddress = null;
        FileObject file = irp.Tail.Overlay.OriginalFileObject;
        boolean synchronous = (irp.Flags & IRP_SYNCHRONOUS_API) != 0 || (file != null && file.synchronous);
        if (!NtStatus.NT_ERROR(status) || (irp.PendingReturned && !synchronous)) {
            if (irp.UserIosb != 0) {
                long info = irp.IoStatus.Information;
                int st = status;
                byte[] iosb = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                        .putLong(st & 0xFFFFFFFFL).putLong(info).array();
                kernel.tryExcept(() -> mm.write(irp.UserIosb, iosb, false), code -> { });
            }
            if (irp.UserEvent != null) {
                irp.UserEvent.set();
                if (file != null) file.FinalStatus = status;
            } else if (file != null) {
                file.FinalStatus = status;
                file.Event.set();
            }
        } else if (irp.PendingReturned && file != null) {
            file.FinalStatus = status;
            file.Event.set();
        }
        IoFreeIrp(irp);
    }

    private void copy(long to, long from, long n) {
        byte[] data = mm.read(from, (int) n, false);
        mm.write(to, data, false);
    }

    // ------------------------------------------------------------------ system services

    /**
     * What a user-mode request left: the service's return value once it returned, and where the
     * caller's IOSB is. While a synchronous request waits for a pending IRP, it has not returned.
     */
    public final class Request {
        public final FileObject file;
        public final long iosb;
        public final KEvent event;
        /** The driver's return from IoCallDriver, or the probe/setup failure; null if no IRP was sent. */
        Integer dispatchStatus;
        Integer earlyStatus;
        public final Irp irp;

        Request(FileObject file, long iosb, KEvent event, Irp irp) {
            this.file = file;
            this.iosb = iosb;
            this.event = event;
            this.irp = irp;
        }

        /** True while a synchronous request still waits for its pending IRP. */
        public boolean isWaiting() {
            return earlyStatus == null && dispatchStatus != null && dispatchStatus == NtStatus.STATUS_PENDING
                    && file.synchronous && !file.Event.isSignaled();
        }

        /**
         * The caller's IO_STATUS_BLOCK as it is in the caller's memory now, read through the
         * caller's page tables as a debugger does (no fault); null if that page is not resident.
         */
        public IoStatusBlockView IoStatus() {
            long cr3 = file.process.directoryTableBase;
            long[] q = new long[2];
            for (int i = 0; i < 2; i++) {
                long va = iosb + 8L * i;
                long pte = mm.mmu().readPte(cr3, va);
                if (!ntspec.hw.Pte.isValid(pte)) return null;
                q[i] = mm.memory().readQword((ntspec.hw.Pte.pfn(pte) << 12) | (va & 0xFFF));
            }
            return new IoStatusBlockView((int) q[0], q[1]);
        }

        /** The NTSTATUS the service returned (C.1 step 8); null while it waits. */
        public Integer returnValue() {
            if (earlyStatus != null) return earlyStatus;
            if (dispatchStatus == NtStatus.STATUS_PENDING && file.synchronous) {
                return file.Event.isSignaled() ? file.FinalStatus : null;
            }
            return dispatchStatus;
        }
    }

    /** IO_STATUS_BLOCK as read from memory. */
    public static final class IoStatusBlockView {
        public final int Status;
        public final long Information;

        IoStatusBlockView(int status, long information) {
            Status = status;
            Information = information;
        }
    }

    /** Pool and quota charge for a system buffer; raises STATUS_INSUFFICIENT_RESOURCES on failure. */
    private long allocateSystemBuffer(long length) {
        long p = mm.pool.ExAllocatePoolWithTag(Pool.NonPagedPoolCacheAligned, length, TAG_SYS_BUF);
        if (p == 0) throw kernel.ExRaiseStatus(NtStatus.STATUS_INSUFFICIENT_RESOURCES);
        return p;
    }

    private Irp newRequestIrp(DeviceObject device, FileObject file, long iosb, KEvent event, int requestorMode) {
        Irp irp = IoAllocateIrp(device.StackSize, true);
        irp.UserIosb = iosb;
        irp.UserEvent = event;
        irp.RequestorMode = requestorMode;
        irp.Tail.Overlay.Thread = kernel.currentThread();
        irp.Tail.Overlay.OriginalFileObject = file;
        IoStackLocation sp = IoGetNextIrpStackLocation(irp);
        sp.FileObject = file;
        return irp;
    }

    /** Frees what a failed build made (C.1 step 6's exception path). */
    private void discard(Irp irp) {
        for (Mdl m = irp.MdlAddress; m != null; ) {
            Mdl next = m.Next;
            if (m.hasFlag(Mdl.MDL_PAGES_LOCKED)) mm.mdl.MmUnlockPages(m);
            io.IoFreeMdl(m);
            m = next;
        }
        irp.MdlAddress = null;
        if (irp.AssociatedIrp.SystemBuffer != 0) mm.pool.ExFreePoolWithTag(irp.AssociatedIrp.SystemBuffer, TAG_SYS_BUF);
        IoFreeIrp(irp);
    }

    /**
     * NtDeviceIoControlFile from the current thread (C.1). {@code iosb} is the caller's
     * IO_STATUS_BLOCK address, {@code event} an optional event.
     */
    public Request NtDeviceIoControlFile(FileObject file, KEvent event, long iosb, int ioControlCode, long inputBuffer,
                                         long inputBufferLength, long outputBuffer, long outputBufferLength) {
        kernel.ensureRunning();
        int previousMode = MdlRoutines.UserMode;
        int method = ioControlCode & 3;
        trace.add(Trace.Kind.DDI, String.format("NtDeviceIoControlFile(%s, 0x%X, in %s/0x%X, out %s/0x%X)", file,
                ioControlCode, Trace.hex(inputBuffer), inputBufferLength, Trace.hex(outputBuffer), outputBufferLength));
        long[] lengths = {inputBufferLength & 0xFFFFFFFFL, outputBufferLength & 0xFFFFFFFFL};
        Request req = new Request(file, iosb, event, null);
        // Step 2: probes, in one __try.
        int[] caught = {0};
        kernel.tryExcept(() -> {
            mm.mdl.ProbeForWrite(iosb, 16, 4);
            if (method == METHOD_BUFFERED) {
                if (outputBuffer != 0) mm.mdl.ProbeForWrite(outputBuffer, lengths[1], 1);
                else lengths[1] = 0;
            }
            if (method != METHOD_NEITHER) {
                if (inputBuffer != 0) mm.mdl.ProbeForRead(inputBuffer, lengths[0], 1);
                else lengths[0] = 0;
            }
        }, code -> caught[0] = code);
        if (caught[0] != 0) return early(req, caught[0]);
        // Step 3: the code's access bits against the handle.
        int required = (ioControlCode >>> 14) & 3;
        if ((file.grantedAccess & required) != required) return early(req, NtStatus.STATUS_ACCESS_DENIED);
        if (event != null) event.reset();
        file.Event.reset();
        DeviceObject device = file.DeviceObject;
        Irp irp = newRequestIrp(device, file, iosb, event, previousMode);
        IoStackLocation sp = IoGetNextIrpStackLocation(irp);
        sp.MajorFunction = IRP_MJ_DEVICE_CONTROL;
        sp.Parameters.DeviceIoControl.IoControlCode = ioControlCode;
        sp.Parameters.DeviceIoControl.InputBufferLength = lengths[0];
        sp.Parameters.DeviceIoControl.OutputBufferLength = lengths[1];
        // Step 6: buffers, in a __try; an exception frees what was built.
        kernel.tryExcept(() -> buildIoctlBuffers(irp, sp, method, inputBuffer, lengths[0], outputBuffer, lengths[1], previousMode),
                code -> caught[0] = code);
        if (caught[0] != 0) {
            discard(irp);
            return early(req, caught[0]);
        }
        return call(new Request(file, iosb, event, irp), device, irp);
    }

    private void buildIoctlBuffers(Irp irp, IoStackLocation sp, int method, long in, long inLen, long out, long outLen, int mode) {
        switch (method) {
            case METHOD_BUFFERED -> {
                long len = Math.max(inLen, outLen);
                if (len > 0) {
                    irp.AssociatedIrp.SystemBuffer = allocateSystemBuffer(len);
                    if (in != 0) copy(irp.AssociatedIrp.SystemBuffer, in, inLen);
                    irp.Flags = IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | (out != 0 ? IRP_INPUT_OPERATION : 0);
                    irp.UserBuffer = out;
                } else {
                    irp.UserBuffer = 0;
                }
            }
            case METHOD_IN_DIRECT, METHOD_OUT_DIRECT -> {
                if (inLen != 0 && in != 0) {
                    irp.AssociatedIrp.SystemBuffer = allocateSystemBuffer(inLen);
                    copy(irp.AssociatedIrp.SystemBuffer, in, inLen);
                    irp.Flags = IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER;
                }
                // A user request keys on the length (a NULL buffer then fails in the probe); a
                // kernel-built one needs a buffer too (ReactOS IoBuildDeviceIoControlRequest).
                if (outLen != 0 && (mode == MdlRoutines.UserMode || out != 0)) {
                    lockedMdl(irp, out, outLen, false, mode, method == METHOD_IN_DIRECT ? MdlRoutines.IoReadAccess : MdlRoutines.IoWriteAccess);
                }
            }
            default -> {
                irp.UserBuffer = out;
                sp.Parameters.DeviceIoControl.Type3InputBuffer = in;
            }
        }
    }

    /** IoAllocateMdl on the IRP's chain, then MmProbeAndLockPages; failures raise (the caller's __try frees the IRP). */
    private void lockedMdl(Irp irp, long va, long length, boolean chargeQuota, int mode, int operation) {
        Mdl mdl = io.IoAllocateMdl(va, length, false, chargeQuota, irp);
        if (mdl == null) throw kernel.ExRaiseStatus(NtStatus.STATUS_INSUFFICIENT_RESOURCES);
        mm.mdl.MmProbeAndLockPages(mdl, mode, operation);
    }

    private Request early(Request req, int status) {
        req.earlyStatus = status;
        trace.add(Trace.Kind.RETURN, "system service returned " + NtStatus.name(status) + " (no IRP)");
        return req;
    }

    private Request call(Request req, DeviceObject device, Irp irp) {
        int status = IoCallDriver(device, irp);
        req.dispatchStatus = status;
        if (status == NtStatus.STATUS_PENDING && req.file.synchronous) {
            trace.add(Trace.Kind.NOTE, "the caller waits on " + req.file.Event);
        } else {
            trace.add(Trace.Kind.RETURN, "system service returned " + NtStatus.name(status));
        }
        return req;
    }

    /**
     * NtReadFile / NtWriteFile (C.2): buffered devices get a system buffer, direct devices an MDL
     * probed for the inverse access, other devices the raw user address.
     */
    public Request NtReadWriteFile(boolean read, FileObject file, KEvent event, long iosb, long buffer, long length) {
        kernel.ensureRunning();
        int previousMode = MdlRoutines.UserMode;
        long len = length & 0xFFFFFFFFL;
        trace.add(Trace.Kind.DDI, String.format("%s(%s, %s, 0x%X)", read ? "NtReadFile" : "NtWriteFile", file, Trace.hex(buffer), len));
        Request req = new Request(file, iosb, event, null);
        int[] caught = {0};
        kernel.tryExcept(() -> {
            mm.mdl.ProbeForWrite(iosb, 16, 4);
            if (read) mm.mdl.ProbeForWrite(buffer, len, 1);
            else mm.mdl.ProbeForRead(buffer, len, 1);
        }, code -> caught[0] = code);
        if (caught[0] != 0) return early(req, caught[0]);
        int required = read ? FILE_READ_DATA : FILE_WRITE_DATA;
        if ((file.grantedAccess & required) == 0) return early(req, NtStatus.STATUS_ACCESS_DENIED);
        if (event != null) event.reset();
        file.Event.reset();
        DeviceObject device = file.DeviceObject;
        Irp irp = newRequestIrp(device, file, iosb, event, previousMode);
        IoStackLocation sp = IoGetNextIrpStackLocation(irp);
        sp.MajorFunction = read ? IRP_MJ_READ : IRP_MJ_WRITE;
        sp.Parameters.Read.Length = len;
        kernel.tryExcept(() -> {
            if ((device.Flags & DO_BUFFERED_IO) != 0) {
                if (len > 0) {
                    irp.AssociatedIrp.SystemBuffer = allocateSystemBuffer(len);
                    if (!read) copy(irp.AssociatedIrp.SystemBuffer, buffer, len);
                    irp.Flags = IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | (read ? IRP_INPUT_OPERATION : 0);
                } else {
                    irp.Flags = read ? IRP_BUFFERED_IO | IRP_INPUT_OPERATION : 0;
                }
                irp.UserBuffer = buffer;
            } else if ((device.Flags & DO_DIRECT_IO) != 0) {
                if (len > 0) {
                    lockedMdl(irp, buffer, len, true, previousMode, read ? MdlRoutines.IoWriteAccess : MdlRoutines.IoReadAccess);
                }
            } else {
                irp.UserBuffer = buffer;
            }
        }, code -> caught[0] = code);
        if (caught[0] != 0) {
            discard(irp);
            return early(req, caught[0]);
        }
        irp.Flags |= (read ? IRP_READ_OPERATION : IRP_WRITE_OPERATION) | IRP_DEFER_IO_COMPLETION;
        Request r = call(new Request(file, iosb, event, irp), device, irp);
        // C.1 step 8: the caller runs stage 2 itself when completion was deferred and not pending.
        if (r.dispatchStatus != NtStatus.STATUS_PENDING && irp.completed && !irp.freed) {
            int old = kernel.KeRaiseIrql(Irql.APC_LEVEL);
            try {
                stage2(irp);
            } finally {
                kernel.KeLowerIrql(old);
            }
        }
        return r;
    }

    /**
     * IoBuildDeviceIoControlRequest (C.3, ReactOS): a threaded IRP for a kernel-mode requester;
     * buffers handled as for a user request but probed in KernelMode. NULL when a probe fails.
     */
    public Irp IoBuildDeviceIoControlRequest(int ioControlCode, DeviceObject device, long in, long inLen, long out,
                                             long outLen, boolean internal, KEvent event, long iosb) {
        Irp irp = IoAllocateIrp(device.StackSize, false);
        if (irp == null) return null;
        irp.UserIosb = iosb;
        irp.UserEvent = event;
        irp.RequestorMode = MdlRoutines.KernelMode;
        irp.Tail.Overlay.Thread = kernel.currentThread();
        IoStackLocation sp = IoGetNextIrpStackLocation(irp);
        sp.MajorFunction = internal ? IRP_MJ_INTERNAL_DEVICE_CONTROL : IRP_MJ_DEVICE_CONTROL;
        sp.Parameters.DeviceIoControl.IoControlCode = ioControlCode;
        sp.Parameters.DeviceIoControl.InputBufferLength = inLen;
        sp.Parameters.DeviceIoControl.OutputBufferLength = outLen;
        int method = ioControlCode & 3;
        int[] caught = {0};
        kernel.tryExcept(() -> buildIoctlBuffers(irp, sp, method, in, inLen, out, outLen, MdlRoutines.KernelMode),
                code -> caught[0] = code);
        if (caught[0] != 0) {
            discard(irp);
            return null;
        }
        return irp;
    }
}
