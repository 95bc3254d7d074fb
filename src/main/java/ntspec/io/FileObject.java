package ntspec.io;

import ntspec.ke.KEvent;
import ntspec.mm.EProcess;

/** FILE_OBJECT behind a handle: the device, the access granted, synchronous or overlapped. */
public final class FileObject {
    public final long address;
    public final DeviceObject DeviceObject;
    public final EProcess process;
    public final int grantedAccess;
    /** Opened without FILE_FLAG_OVERLAPPED (FO_SYNCHRONOUS_IO): the I/O manager waits for pending requests. */
    public final boolean synchronous;
    public final KEvent Event;
    public int FinalStatus;

    public FileObject(long address, DeviceObject device, EProcess process, int grantedAccess, boolean synchronous) {
        this.address = address;
        this.DeviceObject = device;
        this.process = process;
        this.grantedAccess = grantedAccess;
        this.synchronous = synchronous;
        this.Event = new KEvent(address + 0x68);
    }

    @Override
    public String toString() {
        return String.format("FILE %X on %s", address, DeviceObject.name);
    }
}
