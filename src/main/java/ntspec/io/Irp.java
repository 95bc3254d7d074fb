package ntspec.io;

import ntspec.ke.KEvent;
import ntspec.ke.KThread;
import ntspec.mm.Mdl;
import ntspec.nt.StructType;
import ntspec.nt.StructType.Prim;
import ntspec.nt.StructView;

/**
 * An I/O request packet: a view over the IRP at {@link #address} and its stack locations, which
 * follow it in the same allocation, in the x64 layout of wdm.h and the public symbols of Windows 10
 * (sizeof(IRP) 0xD0, IO_STACK_LOCATION 0x48; `dt nt!_IRP`). Member names are wdm.h's; unions and
 * nested structures are member views ({@code irp.IoStatus.Information()},
 * {@code irp.AssociatedIrp.SystemBuffer()}, {@code irp.Tail.Overlay.Thread()}). Everything is read
 * from memory, so an IRP used after it was freed, or a stack location written past the IRP's end,
 * behaves as it would on Windows.
 */
public final class Irp extends StructView {
    public static final int SIZEOF_IRP = 0xD0;
    public static final StructType LIST_ENTRY = KThread.LIST_ENTRY;
    static final StructType ASSOCIATED_IRP = StructType.builder("<anonymous-tag>", 0x8)
            .ptr("MasterIrp", 0x0, "_IRP")
            .prim("IrpCount", 0x0, Prim.LONG)
            .ptr("SystemBuffer", 0x0, "Void")
            .build();
    static final StructType ASYNCHRONOUS_PARAMETERS = StructType.builder("<anonymous-tag>", 0x10)
            .ptr("UserApcRoutine", 0x0, "void")
            .ptr("UserApcContext", 0x8, "Void")
            .build();
    static final StructType OVERLAY = StructType.builder("<anonymous-tag>", 0x10)
            .struct("AsynchronousParameters", 0x0, ASYNCHRONOUS_PARAMETERS)
            .prim("AllocationSize", 0x0, Prim.LONG64)
            .build();
    static final StructType TAIL_OVERLAY = StructType.builder("<anonymous-tag>", 0x58)
            .array("DriverContext", 0x00, Prim.PTR, "Void", 4)
            .ptr("Thread", 0x20, "_ETHREAD")
            .ptr("AuxiliaryBuffer", 0x28, "Char")
            .struct("ListEntry", 0x30, LIST_ENTRY)
            .ptr("CurrentStackLocation", 0x40, "_IO_STACK_LOCATION")
            .prim("PacketType", 0x40, Prim.ULONG)
            .ptr("OriginalFileObject", 0x48, "_FILE_OBJECT")
            .ptr("IrpExtension", 0x50, "Void")
            .build();
    /** _KAPC (x64, 0x58): the APC that carries stage 2 of completion, and the user APC after it, overlays Tail.Overlay. */
    static final StructType KAPC = KThread.KAPC;
    static final StructType TAIL = StructType.builder("<anonymous-tag>", 0x58)
            .struct("Overlay", 0x0, TAIL_OVERLAY)
            .struct("Apc", 0x0, KAPC)
            .ptr("CompletionKey", 0x0, "Void")
            .build();
    public static final StructType TYPE = StructType.builder("_IRP", SIZEOF_IRP)
            .prim("Type", 0x00, Prim.SHORT)
            .prim("Size", 0x02, Prim.USHORT)
            .prim("AllocationProcessorNumber", 0x04, Prim.USHORT)
            .prim("Reserved", 0x06, Prim.USHORT)
            .ptr("MdlAddress", 0x08, "_MDL")
            .prim("Flags", 0x10, Prim.ULONG)
            .struct("AssociatedIrp", 0x18, ASSOCIATED_IRP)
            .struct("ThreadListEntry", 0x20, LIST_ENTRY)
            .struct("IoStatus", 0x30, IoStatusBlock.TYPE)
            .prim("RequestorMode", 0x40, Prim.CHAR)
            .prim("PendingReturned", 0x41, Prim.UCHAR)
            .prim("StackCount", 0x42, Prim.CHAR)
            .prim("CurrentLocation", 0x43, Prim.CHAR)
            .prim("Cancel", 0x44, Prim.UCHAR)
            .prim("CancelIrql", 0x45, Prim.UCHAR)
            .prim("ApcEnvironment", 0x46, Prim.CHAR)
            .prim("AllocationFlags", 0x47, Prim.UCHAR)
            .ptr("UserIosb", 0x48, "_IO_STATUS_BLOCK")
            .ptr("UserEvent", 0x50, "_KEVENT")
            .struct("Overlay", 0x58, OVERLAY)
            .ptr("CancelRoutine", 0x68, "void")
            .ptr("UserBuffer", 0x70, "Void")
            .struct("Tail", 0x78, TAIL)
            .build();
    static final int CURRENT_STACK_LOCATION = 0xB8;
    static final int THREAD = 0x98;
    static final int ORIGINAL_FILE_OBJECT = 0xC0;

    private final IoManager io;
    public final IoStatusBlock IoStatus;
    public final AssociatedIrpUnion AssociatedIrp = new AssociatedIrpUnion();
    public final TailUnion Tail = new TailUnion();

    Irp(IoManager io, long address) {
        super(io.mm, address);
        this.io = io;
        this.IoStatus = new IoStatusBlock(io.mm, address + 0x30);
    }

    @Override
    public StructType type() {
        return TYPE;
    }

    /** IoSizeOfIrp(StackSize). */
    public static long IoSizeOfIrp(int stackSize) {
        return SIZEOF_IRP + (long) stackSize * IoStackLocation.SIZE;
    }

    public short Type() {
        return s16(0x00);
    }

    public int Size() {
        return u16(0x02);
    }

    public Mdl MdlAddress() {
        long p = u64(0x08);
        return p == 0 ? null : io.mm.mdl.at(p);
    }

    public void setMdlAddress(Mdl mdl) {
        write(0x08, 8, mdl == null ? 0 : mdl.address);
    }

    public int Flags() {
        return s32(0x10);
    }

    public void setFlags(int flags) {
        write(0x10, 4, flags);
    }

    public int RequestorMode() {
        return (byte) u8(0x40);
    }

    public void setRequestorMode(int mode) {
        write(0x40, 1, mode);
    }

    public boolean PendingReturned() {
        return u8(0x41) != 0;
    }

    public void setPendingReturned(boolean pending) {
        write(0x41, 1, pending ? 1 : 0);
    }

    /** CCHAR StackCount. */
    public int StackCount() {
        return (byte) u8(0x42);
    }

    /** CCHAR CurrentLocation: StackCount + 1 while no driver owns a location. */
    public int CurrentLocation() {
        return (byte) u8(0x43);
    }

    public void setCurrentLocation(int location) {
        write(0x43, 1, location);
    }

    public boolean Cancel() {
        return u8(0x44) != 0;
    }

    public void setCancel(boolean cancel) {
        write(0x44, 1, cancel ? 1 : 0);
    }

    public int AllocationFlags() {
        return u8(0x47);
    }

    public long UserIosb() {
        return u64(0x48);
    }

    public void setUserIosb(long iosb) {
        write(0x48, 8, iosb);
    }

    public KEvent UserEvent() {
        long p = u64(0x50);
        return p == 0 ? null : new KEvent(io.mm, p);
    }

    public void setUserEvent(KEvent event) {
        write(0x50, 8, event == null ? 0 : event.address);
    }

    public long CancelRoutine() {
        return u64(0x68);
    }

    public void setCancelRoutine(long routine) {
        write(0x68, 8, routine);
    }

    /** KIRQL CancelIrql: the IRQL IoCancelIrp acquired the cancel spin lock from, for the cancel routine to release it to. */
    public int CancelIrql() {
        return u8(0x45);
    }

    public void setCancelIrql(int irql) {
        write(0x45, 1, irql);
    }

    public long UserBuffer() {
        return u64(0x70);
    }

    public void setUserBuffer(long buffer) {
        write(0x70, 8, buffer);
    }

    /** Stack location number {@code location} (1-based, as CurrentLocation counts), wherever that is. */
    public IoStackLocation location(int location) {
        return new IoStackLocation(io, address + SIZEOF_IRP + (long) (location - 1) * IoStackLocation.SIZE);
    }

    /** The union AssociatedIrp. */
    public final class AssociatedIrpUnion {
        public long SystemBuffer() {
            return u64(0x18);
        }

        public void setSystemBuffer(long buffer) {
            write(0x18, 8, buffer);
        }

        public Irp MasterIrp() {
            long p = u64(0x18);
            return p == 0 ? null : new Irp(io, p);
        }
    }

    /** The union Tail. */
    public final class TailUnion {
        public final OverlayStruct Overlay = new OverlayStruct();
    }

    /** Tail.Overlay. */
    public final class OverlayStruct {
        /** The requesting thread, or null (none, or a pointer to no thread). */
        public KThread Thread() {
            long p = u64(THREAD);
            return p == 0 ? null : io.kernel.threadAt(p);
        }

        public long ThreadAddress() {
            return u64(THREAD);
        }

        public void setThread(KThread thread) {
            write(THREAD, 8, thread == null ? 0 : thread.address);
        }

        public FileObject OriginalFileObject() {
            long p = u64(ORIGINAL_FILE_OBJECT);
            return p == 0 ? null : new FileObject(io, p);
        }

        public long OriginalFileObjectAddress() {
            return u64(ORIGINAL_FILE_OBJECT);
        }

        public void setOriginalFileObject(FileObject file) {
            write(ORIGINAL_FILE_OBJECT, 8, file == null ? 0 : file.address);
        }

        /** Tail.Overlay.CurrentStackLocation, as IoGetCurrentIrpStackLocation reads it. */
        public IoStackLocation CurrentStackLocation() {
            return new IoStackLocation(io, u64(CURRENT_STACK_LOCATION));
        }

        public long CurrentStackLocationAddress() {
            return u64(CURRENT_STACK_LOCATION);
        }

        public void setCurrentStackLocation(long location) {
            write(CURRENT_STACK_LOCATION, 8, location);
        }

        public long DriverContext(int index) {
            return u64(0x78 + 8 * index);
        }

        public void setDriverContext(int index, long value) {
            write(0x78 + 8 * index, 8, value);
        }
    }

    @Override
    public String toString() {
        return String.format("IRP %X", address);
    }
}
