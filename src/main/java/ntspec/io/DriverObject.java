package ntspec.io;

import java.util.function.Consumer;
import ntspec.ke.CodeImage;
import ntspec.nt.StructType;
import ntspec.nt.StructType.Prim;
import ntspec.nt.StructView;

/**
 * DRIVER_OBJECT (x64, 0x150 bytes): DeviceObject +0x08, Flags +0x10, DriverStart +0x18, DriverSize
 * +0x20, DriverName +0x38, DriverUnload +0x68, MajorFunction[28] +0x70. The dispatch table holds
 * code addresses: a driver model stores its Java routines there through
 * {@code DriverObject().MajorFunction.set(IRP_MJ_DEVICE_CONTROL, this::Dispatch)}, which gives
 * each routine its code address in the driver's image.
 */
public final class DriverObject extends StructView {
    public static final short IO_TYPE_DRIVER = 4;
    public static final int SIZE = 0x150;
    /** DRIVER_OBJECT.Flags: the driver's unload routine has been called. */
    public static final int DRVO_UNLOAD_INVOKED = 0x1;
    public static final StructType UNICODE_STRING = StructType.builder("_UNICODE_STRING", 0x10)
            .prim("Length", 0x0, Prim.USHORT)
            .prim("MaximumLength", 0x2, Prim.USHORT)
            .ptr("Buffer", 0x8, "Wchar")
            .build();
    public static final StructType TYPE = StructType.builder("_DRIVER_OBJECT", SIZE)
            .prim("Type", 0x00, Prim.SHORT)
            .prim("Size", 0x02, Prim.SHORT)
            .ptr("DeviceObject", 0x08, "_DEVICE_OBJECT")
            .prim("Flags", 0x10, Prim.ULONG)
            .ptr("DriverStart", 0x18, "Void")
            .prim("DriverSize", 0x20, Prim.ULONG)
            .ptr("DriverSection", 0x28, "Void")
            .ptr("DriverExtension", 0x30, "Void")
            .struct("DriverName", 0x38, UNICODE_STRING)
            .ptr("HardwareDatabase", 0x48, "_UNICODE_STRING")
            .ptr("FastIoDispatch", 0x50, "Void")
            .ptr("DriverInit", 0x58, "long")
            .ptr("DriverStartIo", 0x60, "void")
            .ptr("DriverUnload", 0x68, "void")
            .array("MajorFunction", 0x70, Prim.PTR, "long", IoConstants.IRP_MJ_MAXIMUM_FUNCTION + 1)
            .build();

    private final IoManager io;
    /** DriverObject->MajorFunction[]: code addresses, stored and read as the I/O manager reads them. */
    public final DispatchTable MajorFunction = new DispatchTable();

    DriverObject(IoManager io, long address) {
        super(io.mm, address);
        this.io = io;
    }

    @Override
    public StructType type() {
        return TYPE;
    }

    public DeviceObject DeviceObject() {
        long p = u64(0x08);
        return p == 0 ? null : new DeviceObject(io, p);
    }

    void setDeviceObject(DeviceObject device) {
        write(0x08, 8, device == null ? 0 : device.address);
    }

    public int Flags() {
        return s32(0x10);
    }

    void setFlags(int flags) {
        write(0x10, 4, flags);
    }

    public long DriverStart() {
        return u64(0x18);
    }

    /** The driver's name (\Driver\Name), read from its UNICODE_STRING. */
    public String DriverName() {
        int length = u16(0x38);
        long buffer = u64(0x40);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i + 1 < length; i += 2) sb.append((char) mem.read(buffer + i, 2));
        return sb.toString();
    }

    /** The code address of DriverUnload (0: the driver cannot be unloaded). */
    public long DriverUnload() {
        return u64(0x68);
    }

    /** DriverObject->DriverUnload = routine (a Java routine gets its code address in the image). */
    public void setDriverUnload(Consumer<DriverObject> routine) {
        write(0x68, 8, routine == null ? 0 : io.kernel.registerRoutine(image(), "DriverUnload", routine));
    }

    /** The image the driver was loaded from (DriverStart), or null once it is unloaded. */
    public CodeImage image() {
        CodeImage img = io.kernel.imageAt(DriverStart());
        return img != null ? img : io.kernel.unloadedImageAt(DriverStart());
    }

    public boolean isUnloaded() {
        return (Flags() & DRVO_UNLOAD_INVOKED) != 0;
    }

    /** The dispatch table: code addresses of the dispatch routines. */
    public final class DispatchTable {
        public long get(int majorFunction) {
            return u64(0x70 + 8 * majorFunction);
        }

        /** MajorFunction[mj] = routine: the routine is code of the driver's image, at "Dispatch&lt;major&gt;". */
        public void set(int majorFunction, DriverDispatch routine) {
            long address = io.kernel.registerRoutine(image(), "Dispatch" + IoConstants.majorName(majorFunction), routine);
            setAddress(majorFunction, address);
        }

        public void setAddress(int majorFunction, long codeAddress) {
            write(0x70 + 8 * majorFunction, 8, codeAddress);
        }
    }

    @Override
    public String toString() {
        return String.format("DRIVER %X %s", address, DriverName());
    }
}
