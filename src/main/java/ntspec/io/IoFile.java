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

    /** IoGetRelatedDeviceObject for a file object on a device: the top of that device's stack. */
    public DeviceObject IoGetRelatedDeviceObject(FileObject file) {
        return io.device.IoGetAttachedDevice(file.DeviceObject());
    }
}
