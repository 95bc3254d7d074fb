package ntspec.io;

import java.util.LinkedHashMap;
import java.util.Map;
import ntspec.ke.KEvent;
import ntspec.mm.EProcess;
import ntspec.mm.Pool;
import ntspec.trace.Trace;

/**
 * Opening a device (the part of NtCreateFile / IopParseDevice this machine models): a FILE_OBJECT
 * whose DeviceObject is the device that was opened (requests go to the top of its stack,
 * IoGetRelatedDeviceObject), an IRP_MJ_CREATE sent to the top of the stack, and, when the driver
 * succeeds it, a reference on that device and a handle in the caller's table.
 */
public final class IoFile {
    static final int TAG_FILE = Pool.tag("File");
    private final IoManager io;
    private final Map<EProcess, Long> nextHandle = new LinkedHashMap<>();
    /** Handles NtClose removed from their process's table. */
    private final java.util.Set<Handle> closed = new java.util.HashSet<>();

    IoFile(IoManager io) {
        this.io = io;
    }

    /**
     * Opens a device for a process (NtCreateFile without a caller's status block); the handle, or
     * null when no device has the name or its driver failed the create.
     */
    public Handle open(EProcess process, String deviceName, int desiredAccess, boolean overlapped) {
        Create c = NtCreateFile(process, deviceName, desiredAccess, overlapped, 0);
        return c == null ? null : c.handle();
    }

    /** What NtCreateFile returned: its status, and the handle when the create succeeded. */
    public record Create(int status, Handle handle, long iosb) {
    }

    /**
     * NtCreateFile of a device from the current thread, which belongs to {@code process}, as
     * IopParseDevice does it (https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/file.c):
     * the FILE_OBJECT, then an IRP_MJ_CREATE (IoAllocateIrp(StackSize, TRUE), RequestorMode UserMode,
     * IRP_CREATE_OPERATION | IRP_SYNCHRONOUS_API | IRP_DEFER_IO_COMPLETION, UserIosb a local status
     * block, queued to the thread; in the stack location the file object and Parameters.Create:
     * SecurityContext with the DesiredAccess, Options = Disposition (FILE_OPEN) << 24 | CreateOptions)
     * sent to the top of the device's stack. A pended create is waited for on the file object's
     * event; one that completed at once is finished by the caller (its status block read at
     * APC_LEVEL, the event signalled, the IRP freed). A driver that fails the create leaves no
     * handle: the file object loses its DeviceObject and goes without IRP_MJ_CLEANUP or IRP_MJ_CLOSE.
     * The caller's IO_STATUS_BLOCK ({@code iosb}, 0 for none) gets the status and Information on
     * success (and on a warning), as IoCreateFileEx copies them; an error leaves it as it was.
     * {@code overlapped} = FILE_FLAG_OVERLAPPED (no FILE_SYNCHRONOUS_IO_NONALERT, so no
     * FO_SYNCHRONOUS_IO). GENERIC_READ and GENERIC_WRITE map to FILE_READ_DATA and FILE_WRITE_DATA.
     * STATUS_OBJECT_NAME_NOT_FOUND when no device has the name.
     */
    public Create NtCreateFile(EProcess process, String deviceName, int desiredAccess, boolean overlapped, long iosb) {
        return io.kernel.systemService("NtCreateFile", () -> create(process, deviceName, desiredAccess, overlapped, iosb));
    }

    private Create create(EProcess process, String deviceName, int desiredAccess, boolean overlapped, long iosb) {
        io.trace.add(Trace.Kind.DDI, String.format("NtCreateFile(%s, ACCESS_MASK 0x%08X, %s)", deviceName, desiredAccess,
                overlapped ? "overlapped" : "FILE_SYNCHRONOUS_IO_NONALERT"));
        DeviceObject d = io.device.named(deviceName);
        if (d == null) {
            io.trace.add(Trace.Kind.RETURN, "NtCreateFile returned STATUS_OBJECT_NAME_NOT_FOUND");
            return new Create(ntspec.ke.NtStatus.STATUS_OBJECT_NAME_NOT_FOUND, null, iosb);
        }
        Handle h = open(process, d, desiredAccess, overlapped);
        FileObject f = h.file();
        DeviceObject top = IoGetRelatedDeviceObject(f);
        Irp irp = io.irp.IoAllocateIrp(top.StackSize(), true);
        if (irp == null) return failed(h, ntspec.ke.NtStatus.STATUS_INSUFFICIENT_RESOURCES, iosb);
        // IopParseDevice's locals (IO_STATUS_BLOCK, IO_SECURITY_CONTEXT) live on its stack: a pool block here.
        long frame = io.mm.pool.allocateObject(0x30, TAG_FILE);
        for (int off = 0; off < 0x30; off += 8) io.mm.write(frame + off, 8, 0);
        long localIosb = frame;
        long security = frame + 0x10;
        io.mm.write(security + 0x10, 4, h.grantedAccess());
        int createOptions = overlapped ? 0 : IoConstants.FILE_SYNCHRONOUS_IO_NONALERT;
        io.mm.write(security + 0x14, 4, createOptions);
        irp.setRequestorMode(ntspec.mm.MdlRoutines.UserMode);
        irp.setFlags(IoConstants.IRP_CREATE_OPERATION | IoConstants.IRP_SYNCHRONOUS_API | IoConstants.IRP_DEFER_IO_COMPLETION);
        irp.Tail.Overlay.setThread(io.kernel.currentThread());
        irp.setUserIosb(localIosb);
        irp.Tail.Overlay.setOriginalFileObject(f);
        IoStackLocation sp = io.irp.IoGetNextIrpStackLocation(irp);
        sp.setMajorFunction(IoConstants.IRP_MJ_CREATE);
        sp.setFileObject(f);
        sp.Parameters.Create.setSecurityContext(security);
        sp.Parameters.Create.setOptions(((long) IoConstants.FILE_OPEN << 24) | createOptions);
        sp.Parameters.Create.setShareAccess(IoConstants.FILE_SHARE_READ | IoConstants.FILE_SHARE_WRITE);
        io.cancel.IoQueueThreadIrp(irp);
        int status = io.irp.IoCallDriver(top, irp);
        long information;
        if (status == ntspec.ke.NtStatus.STATUS_PENDING) {
            io.trace.add(Trace.Kind.NOTE, "the create pended: the opening thread waits on " + f + "'s event");
            io.kernel.waits.KeWaitForSingleObject(f.Event(), null);
            IoStatusBlock local = new IoStatusBlock(io.mm, localIosb);
            status = local.Status();
            information = local.Information();
        } else {
            int old = io.kernel.KeGetCurrentIrql();
            io.kernel.setIrql(Math.max(old, ntspec.ke.Irql.APC_LEVEL));
            status = irp.IoStatus.Status();
            information = irp.IoStatus.Information();
            f.Event().set();
            io.cancel.IopUnQueueIrpFromThread(irp);
            io.irp.IoFreeIrp(irp);
            io.kernel.setIrql(old);
        }
        io.mm.pool.ExFreePoolWithTag(frame, TAG_FILE);
        if (!ntspec.ke.NtStatus.NT_SUCCESS(status)) {
            if ((status >>> 30) == 2 && iosb != 0) writeIosb(iosb, status, information);
            return failed(h, status, iosb);
        }
        if (iosb != 0) writeIosb(iosb, status, information);
        io.device.reference(d);
        io.trace.add(Trace.Kind.NOTE, String.format("opened %s for %s as handle %x, ACCESS_MASK 0x%08X", f, process.name, h.value(), h.grantedAccess()));
        io.trace.add(Trace.Kind.RETURN, "NtCreateFile returned " + ntspec.ke.NtStatus.name(status));
        return new Create(status, h, iosb);
    }

    private void writeIosb(long iosb, int status, long information) {
        IoStatusBlock caller = new IoStatusBlock(io.mm, iosb);
        caller.setStatus(status);
        caller.setInformation(information);
    }

    /** A failed create: the file object has no device and goes (no cleanup, no close), no handle is made. */
    private Create failed(Handle h, int status, long iosb) {
        FileObject f = h.file();
        // The handle was never inserted into the table: its value is the next open's.
        nextHandle.merge(h.process(), -4L, Long::sum);
        io.mm.write(f.address + 0x08, 8, 0);
        io.mm.pool.ExFreePoolWithTag(f.address, TAG_FILE);
        io.trace.add(Trace.Kind.RETURN, "NtCreateFile returned " + ntspec.ke.NtStatus.name(status) + ": no handle");
        return new Create(status, null, iosb);
    }

    /** The FILE_OBJECT and the handle, before the create IRP. */
    private Handle open(EProcess process, DeviceObject d, int desiredAccess, boolean overlapped) {
        int granted = desiredAccess;
        if ((granted & IoConstants.GENERIC_READ) != 0) granted |= IoConstants.FILE_READ_DATA;
        if ((granted & IoConstants.GENERIC_WRITE) != 0) granted |= IoConstants.FILE_WRITE_DATA;
        long va = io.mm.pool.allocateObject(FileObject.SIZE, TAG_FILE);
        for (int off = 0; off < FileObject.SIZE; off += 8) io.mm.write(va + off, 8, 0);
        io.mm.write(va, 2, FileObject.IO_TYPE_FILE);
        io.mm.write(va + 0x02, 2, FileObject.SIZE);
        io.mm.write(va + 0x08, 8, d.address);
        io.mm.write(va + 0x4A, 1, (granted & IoConstants.FILE_READ_DATA) != 0 ? 1 : 0);
        io.mm.write(va + 0x4B, 1, (granted & IoConstants.FILE_WRITE_DATA) != 0 ? 1 : 0);
        io.mm.write(va + 0x50, 4, overlapped ? 0 : FileObject.FO_SYNCHRONOUS_IO);
        new KEvent(io.mm, va + 0x80).initialize(KEvent.SynchronizationEvent, false);
        // KeInitializeEvent(&FileObject->Event, NotificationEvent, FALSE): the create signals it.
        new KEvent(io.mm, va + 0x98).initialize(KEvent.NotificationEvent, false);
        FileObject f = new FileObject(io, va);
        long value = nextHandle.merge(process, 4L, (a, b) -> a + 4);
        return new Handle(value, process, f, granted);
    }

    /** True once NtClose removed the handle from its process's table: a later use is STATUS_INVALID_HANDLE. */
    public boolean isClosed(Handle handle) {
        return closed.contains(handle);
    }

    /**
     * NtClose of the process's only handle to the file object (ReactOS IopCloseFile,
     * https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/file.c): the I/O manager sends
     * IRP_MJ_CLEANUP to the top of the stack in the closing thread (IRP_CLOSE_OPERATION |
     * IRP_SYNCHRONOUS_API, KernelMode, the file object in the stack location), frees that IRP and
     * sets FO_CLEANUP_COMPLETE. Cleanup is where a driver completes the IRPs it queued for the file
     * object (https://learn.microsoft.com/windows-hardware/drivers/kernel/dispatchcleanup-routines);
     * the I/O manager cancels nothing itself. IRP_MJ_CLOSE follows when the file object's last
     * reference goes: at once when no IRP of the file is outstanding, otherwise it is not sent here.
     * Returns STATUS_SUCCESS, or STATUS_INVALID_HANDLE for a handle already closed.
     */
    public int NtClose(Handle handle) {
        return io.kernel.systemService("NtClose", () -> close(handle));
    }

    private int close(Handle handle) {
        io.trace.add(Trace.Kind.DDI, "NtClose(" + handle + ")");
        if (!closed.add(handle)) {
            io.trace.add(Trace.Kind.RETURN, "NtClose returned STATUS_INVALID_HANDLE");
            return ntspec.ke.NtStatus.STATUS_INVALID_HANDLE;
        }
        FileObject f = handle.file();
        sendCloseIrp(f, IoConstants.IRP_MJ_CLEANUP);
        io.mm.write(f.address + 0x50, 4, f.Flags() | FileObject.FO_CLEANUP_COMPLETE);
        if (io.cancel.hasOutstandingIrps(f)) {
            io.trace.add(Trace.Kind.NOTE, "IRP_MJ_CLOSE waits for the last reference to " + f + ": IRPs of it are outstanding");
        } else {
            sendCloseIrp(f, IoConstants.IRP_MJ_CLOSE);
        }
        io.trace.add(Trace.Kind.RETURN, "NtClose returned STATUS_SUCCESS");
        return 0;
    }

    /** IopCloseFile / IopDeleteFile: a close-operation IRP for the file, sent to the top of its stack and freed once it completed. */
    private void sendCloseIrp(FileObject f, int major) {
        DeviceObject top = IoGetRelatedDeviceObject(f);
        Irp irp = io.irp.IoAllocateIrp(top.StackSize(), false);
        if (irp == null) return;
        // The IOSB and the event are locals of IopCloseFile: a pool block here.
        long frame = io.mm.pool.allocateObject(0x28, TAG_FILE);
        KEvent event = new KEvent(io.mm, frame + 0x10);
        event.initialize(KEvent.NotificationEvent, false);
        irp.setUserIosb(frame);
        irp.setUserEvent(event);
        irp.setRequestorMode(ntspec.mm.MdlRoutines.KernelMode);
        irp.setFlags(IoConstants.IRP_CLOSE_OPERATION | IoConstants.IRP_SYNCHRONOUS_API);
        irp.Tail.Overlay.setThread(io.kernel.currentThread());
        irp.Tail.Overlay.setOriginalFileObject(f);
        IoStackLocation sp = io.irp.IoGetNextIrpStackLocation(irp);
        sp.setMajorFunction(major);
        sp.setFileObject(f);
        if (major == IoConstants.IRP_MJ_CLEANUP) io.cancel.IoQueueThreadIrp(irp);
        int status = io.irp.IoCallDriver(top, irp);
        if (status == ntspec.ke.NtStatus.STATUS_PENDING && !event.isSignaled()) {
            io.trace.add(Trace.Kind.NOTE, "the closing thread waits for " + irp + ": its cleanup pended");
            return;
        }
        io.cancel.IopUnQueueIrpFromThread(irp);
        io.irp.IoFreeIrp(irp);
        io.mm.pool.ExFreePoolWithTag(frame, TAG_FILE);
    }

    /** IoGetRelatedDeviceObject for a file object on a device: the top of that device's stack. */
    public DeviceObject IoGetRelatedDeviceObject(FileObject file) {
        return io.device.IoGetAttachedDevice(file.DeviceObject());
    }
}
