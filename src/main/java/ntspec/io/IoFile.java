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
 * IoGetRelatedDeviceObject), a reference on that device, and a handle in the caller's table. IRP_MJ_CREATE
 * is not sent; the file object's event is signalled as a completed create leaves it.
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
     * Opens a device for a process; {@code overlapped} = FILE_FLAG_OVERLAPPED (no FO_SYNCHRONOUS_IO).
     * GENERIC_READ and GENERIC_WRITE map to FILE_READ_DATA and FILE_WRITE_DATA. Null when no device has the name.
     */
    public Handle open(EProcess process, String deviceName, int desiredAccess, boolean overlapped) {
        DeviceObject d = io.device.named(deviceName);
        if (d == null) return null;
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
        new KEvent(io.mm, va + 0x98).initialize(KEvent.NotificationEvent, true);
        io.device.reference(d);
        FileObject f = new FileObject(io, va);
        long value = nextHandle.merge(process, 4L, (a, b) -> a + 4);
        Handle h = new Handle(value, process, f, granted);
        io.trace.add(Trace.Kind.NOTE, String.format("opened %s for %s as handle %x, ACCESS_MASK 0x%08X", f, process.name, value, granted));
        return h;
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
        io.kernel.ensureRunning();
        int[] status = {0};
        long ip = io.kernel.enter(io.kernel.nt().routine("NtClose"));
        try {
            io.kernel.runUnhandledExceptionBoundary(() -> status[0] = close(handle));
        } finally {
            io.kernel.leave(ip);
        }
        return status[0];
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
