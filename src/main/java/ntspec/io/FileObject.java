package ntspec.io;

import ntspec.ke.KEvent;
import ntspec.nt.StructType;
import ntspec.nt.StructType.Prim;
import ntspec.nt.StructView;

/**
 * FILE_OBJECT (x64, 0xD8 bytes): DeviceObject +0x08 (the device that was opened, not the top of
 * its stack), FinalStatus +0x38, Flags +0x50 (FO_SYNCHRONOUS_IO for a handle opened without
 * FILE_FLAG_OVERLAPPED), Event +0x98.
 */
public final class FileObject extends StructView {
    public static final short IO_TYPE_FILE = 5;
    public static final int SIZE = 0xD8;
    public static final int FO_SYNCHRONOUS_IO = 0x2;
    /** FO_CLEANUP_COMPLETE: IRP_MJ_CLEANUP was sent for the last handle. */
    public static final int FO_CLEANUP_COMPLETE = 0x4000;
    public static final StructType TYPE = StructType.builder("_FILE_OBJECT", SIZE)
            .prim("Type", 0x00, Prim.SHORT)
            .prim("Size", 0x02, Prim.SHORT)
            .ptr("DeviceObject", 0x08, "_DEVICE_OBJECT")
            .ptr("Vpb", 0x10, "Void")
            .ptr("FsContext", 0x18, "Void")
            .ptr("FsContext2", 0x20, "Void")
            .prim("FinalStatus", 0x38, Prim.LONG)
            .ptr("RelatedFileObject", 0x40, "_FILE_OBJECT")
            .prim("ReadAccess", 0x4A, Prim.UCHAR)
            .prim("WriteAccess", 0x4B, Prim.UCHAR)
            .prim("Flags", 0x50, Prim.ULONG)
            .struct("FileName", 0x58, DriverObject.UNICODE_STRING)
            .prim("CurrentByteOffset", 0x68, Prim.LONG64)
            .struct("Lock", 0x80, KEvent.TYPE)
            .struct("Event", 0x98, KEvent.TYPE)
            .build();

    private final IoManager io;

    FileObject(IoManager io, long address) {
        super(io.mm, address);
        this.io = io;
    }

    @Override
    public StructType type() {
        return TYPE;
    }

    /** The device that was opened. */
    public DeviceObject DeviceObject() {
        long p = u64(0x08);
        return p == 0 ? null : new DeviceObject(io, p);
    }

    public int FinalStatus() {
        return s32(0x38);
    }

    public void setFinalStatus(int status) {
        write(0x38, 4, status);
    }

    public int Flags() {
        return s32(0x50);
    }

    public boolean isSynchronous() {
        return (Flags() & FO_SYNCHRONOUS_IO) != 0;
    }

    /** FileObject->Event: signalled when a request on the file completes without a caller's event. */
    public KEvent Event() {
        return new KEvent(io.mm, address + 0x98);
    }

    @Override
    public String toString() {
        DeviceObject d = DeviceObject();
        return String.format("FILE %X on %s", address, d == null ? "?" : d.name());
    }
}
