package ntspec.io;

import ntspec.ke.KEvent;
import ntspec.nt.StructType;
import ntspec.nt.StructType.Prim;
import ntspec.nt.StructView;

/**
 * FILE_OBJECT (x64, 0xD8 bytes): DeviceObject +0x08 (the device that was opened, not the top of
 * its stack), FinalStatus +0x38, Flags +0x50 (FO_SYNCHRONOUS_IO for a handle opened without
 * FILE_FLAG_OVERLAPPED), Event +0x98, CompletionContext +0xB0 (the IO_COMPLETION_CONTEXT that
 * associates the file with a completion port: Port +0x0, Key +0x8, as wdm.h declares it).
 */
public final class FileObject extends StructView {
    public static final short IO_TYPE_FILE = 5;
    public static final int SIZE = 0xD8;
    public static final int FO_SYNCHRONOUS_IO = 0x2;
    /** FO_CLEANUP_COMPLETE: IRP_MJ_CLEANUP was sent for the last handle. */
    public static final int FO_CLEANUP_COMPLETE = 0x4000;
    /**
     * wdm.h's FO_SKIP_COMPLETION_PORT, FO_SKIP_SET_EVENT, FO_SKIP_SET_FAST_IO: what
     * FileIoCompletionNotificationInformation sets for FILE_SKIP_COMPLETION_PORT_ON_SUCCESS,
     * FILE_SKIP_SET_EVENT_ON_HANDLE and FILE_SKIP_SET_USER_EVENT_ON_FAST_IO.
     */
    public static final int FO_SKIP_COMPLETION_PORT = 0x02000000;
    public static final int FO_SKIP_SET_EVENT = 0x04000000;
    public static final int FO_SKIP_SET_FAST_IO = 0x08000000;
    public static final int COMPLETION_CONTEXT = 0xB0;
    /** IO_COMPLETION_CONTEXT (wdm.h, x64). */
    public static final StructType IO_COMPLETION_CONTEXT = StructType.builder("_IO_COMPLETION_CONTEXT", 0x10)
            .ptr("Port", 0x0, "_KQUEUE")
            .ptr("Key", 0x8, "Void")
            .build();
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
            .ptr("CompletionContext", COMPLETION_CONTEXT, "_IO_COMPLETION_CONTEXT")
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

    void setFlags(int flags) {
        write(0x50, 4, flags);
    }

    /** FileObject->CompletionContext: the IO_COMPLETION_CONTEXT's address, or 0. */
    public long CompletionContext() {
        return u64(COMPLETION_CONTEXT);
    }

    void setCompletionContext(long context) {
        write(COMPLETION_CONTEXT, 8, context);
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
