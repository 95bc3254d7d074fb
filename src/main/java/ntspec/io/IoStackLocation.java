package ntspec.io;

import ntspec.nt.StructType;
import ntspec.nt.StructType.Prim;
import ntspec.nt.StructView;

/**
 * IO_STACK_LOCATION (x64, 0x48 bytes): one per driver in the stack, after the IRP. Parameters is
 * a union: {@code Parameters.DeviceIoControl}, {@code Parameters.Read} and {@code Parameters.Write}
 * are views of the same bytes (wdm.h: the ULONGs after the first are POINTER_ALIGNMENT).
 */
public final class IoStackLocation extends StructView {
    public static final int SIZE = 0x48;
    static final StructType DEVICE_IO_CONTROL = StructType.builder("<anonymous-tag>", 0x20)
            .prim("OutputBufferLength", 0x00, Prim.ULONG)
            .prim("InputBufferLength", 0x08, Prim.ULONG)
            .prim("IoControlCode", 0x10, Prim.ULONG)
            .ptr("Type3InputBuffer", 0x18, "Void")
            .build();
    static final StructType READ_WRITE = StructType.builder("<anonymous-tag>", 0x20)
            .prim("Length", 0x00, Prim.ULONG)
            .prim("Key", 0x08, Prim.ULONG)
            .prim("Flags", 0x0C, Prim.ULONG)
            .prim("ByteOffset", 0x10, Prim.LONG64)
            .build();
    static final StructType OTHERS = StructType.builder("<anonymous-tag>", 0x20)
            .ptr("Argument1", 0x00, "Void")
            .ptr("Argument2", 0x08, "Void")
            .ptr("Argument3", 0x10, "Void")
            .ptr("Argument4", 0x18, "Void")
            .build();
    /** IO_SECURITY_CONTEXT (wdm.h), x64: what Parameters.Create.SecurityContext points at. */
    public static final StructType IO_SECURITY_CONTEXT = StructType.builder("_IO_SECURITY_CONTEXT", 0x18)
            .ptr("SecurityQos", 0x00, "Void")
            .ptr("AccessState", 0x08, "Void")
            .prim("DesiredAccess", 0x10, Prim.ULONG)
            .prim("FullCreateOptions", 0x14, Prim.ULONG)
            .build();
    /** Parameters.Create, x64 (FileAttributes and EaLength are POINTER_ALIGNMENT in wdm.h). */
    static final StructType CREATE = StructType.builder("<anonymous-tag>", 0x20)
            .ptr("SecurityContext", 0x00, "_IO_SECURITY_CONTEXT")
            .prim("Options", 0x08, Prim.ULONG)
            .prim("FileAttributes", 0x10, Prim.USHORT)
            .prim("ShareAccess", 0x12, Prim.USHORT)
            .prim("EaLength", 0x18, Prim.ULONG)
            .build();
    static final StructType PARAMETERS = StructType.builder("<anonymous-tag>", 0x20)
            .struct("Create", 0x0, CREATE)
            .struct("Read", 0x0, READ_WRITE)
            .struct("Write", 0x0, READ_WRITE)
            .struct("DeviceIoControl", 0x0, DEVICE_IO_CONTROL)
            .struct("Others", 0x0, OTHERS)
            .build();
    public static final StructType TYPE = StructType.builder("_IO_STACK_LOCATION", SIZE)
            .prim("MajorFunction", 0x00, Prim.UCHAR)
            .prim("MinorFunction", 0x01, Prim.UCHAR)
            .prim("Flags", 0x02, Prim.UCHAR)
            .prim("Control", 0x03, Prim.UCHAR)
            .struct("Parameters", 0x08, PARAMETERS)
            .ptr("DeviceObject", 0x28, "_DEVICE_OBJECT")
            .ptr("FileObject", 0x30, "_FILE_OBJECT")
            .ptr("CompletionRoutine", 0x38, "long")
            .ptr("Context", 0x40, "Void")
            .build();
    /** The bytes IoCopyCurrentIrpStackLocationToNext copies: everything before CompletionRoutine. */
    static final int COPY_SIZE = 0x38;

    private final IoManager io;
    public final Params Parameters = new Params();

    IoStackLocation(IoManager io, long address) {
        super(io.mm, address);
        this.io = io;
    }

    @Override
    public StructType type() {
        return TYPE;
    }

    public int MajorFunction() {
        return u8(0x00);
    }

    public void setMajorFunction(int major) {
        write(0x00, 1, major);
    }

    public int MinorFunction() {
        return u8(0x01);
    }

    public int Flags() {
        return u8(0x02);
    }

    public int Control() {
        return u8(0x03);
    }

    public void setControl(int control) {
        write(0x03, 1, control);
    }

    public DeviceObject DeviceObject() {
        long p = u64(0x28);
        return p == 0 ? null : new DeviceObject(io, p);
    }

    public void setDeviceObject(DeviceObject device) {
        write(0x28, 8, device == null ? 0 : device.address);
    }

    public FileObject FileObject() {
        long p = u64(0x30);
        return p == 0 ? null : new FileObject(io, p);
    }

    public void setFileObject(FileObject file) {
        write(0x30, 8, file == null ? 0 : file.address);
    }

    /** The code address of the completion routine (0 for none). */
    public long CompletionRoutine() {
        return u64(0x38);
    }

    public void setCompletionRoutine(long routine) {
        write(0x38, 8, routine);
    }

    public long Context() {
        return u64(0x40);
    }

    public void setContext(long context) {
        write(0x40, 8, context);
    }

    /** The union Parameters. */
    public final class Params {
        public final DeviceIoControlParams DeviceIoControl = new DeviceIoControlParams();
        public final ReadWriteParams Read = new ReadWriteParams();
        public final ReadWriteParams Write = Read;
        public final CreateParams Create = new CreateParams();
    }

    /** Parameters.Create (its layout: {@link #CREATE}). */
    public final class CreateParams {
        public void setSecurityContext(long securityContext) {
            write(0x08, 8, securityContext);
        }

        public void setOptions(long options) {
            write(0x10, 4, options);
        }

        public void setShareAccess(int shareAccess) {
            write(0x1A, 2, shareAccess);
        }
    }

    public final class DeviceIoControlParams {
        public long OutputBufferLength() {
            return u32(0x08);
        }

        public void setOutputBufferLength(long length) {
            write(0x08, 4, length);
        }

        public long InputBufferLength() {
            return u32(0x10);
        }

        public void setInputBufferLength(long length) {
            write(0x10, 4, length);
        }

        public int IoControlCode() {
            return s32(0x18);
        }

        public void setIoControlCode(int code) {
            write(0x18, 4, code);
        }

        public long Type3InputBuffer() {
            return u64(0x20);
        }

        public void setType3InputBuffer(long buffer) {
            write(0x20, 8, buffer);
        }
    }

    public final class ReadWriteParams {
        public long Length() {
            return u32(0x08);
        }

        public void setLength(long length) {
            write(0x08, 4, length);
        }

        public long ByteOffset() {
            return u64(0x18);
        }

        public void setByteOffset(long offset) {
            write(0x18, 8, offset);
        }
    }
}
