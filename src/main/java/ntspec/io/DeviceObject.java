package ntspec.io;

import ntspec.ke.KEvent;
import ntspec.nt.StructType;
import ntspec.nt.StructType.Prim;
import ntspec.nt.StructView;

/**
 * DEVICE_OBJECT (x64, 0x150 bytes) and its DEVOBJ_EXTENSION, in the layout of the public symbols
 * of Windows 10: DriverObject +0x08, NextDevice +0x10, AttachedDevice +0x18, Flags +0x30,
 * DeviceExtension +0x40, DeviceType +0x48, StackSize +0x4C, DeviceObjectExtension +0x138; in the
 * extension, ExtensionFlags +0x20 and AttachedTo +0x30. The object's name lives in the object
 * manager's namespace, not in the object.
 */
public final class DeviceObject extends StructView {
    public static final short IO_TYPE_DEVICE = 3;
    public static final short IO_TYPE_DEVICE_OBJECT_EXTENSION = 13;
    public static final int SIZE = 0x150;
    // DEVOBJ_EXTENSION.ExtensionFlags (ReactOS ndk/iotypes.h)
    public static final int DOE_UNLOAD_PENDING = 0x1;
    public static final int DOE_DELETE_PENDING = 0x2;

    public static final StructType DEVOBJ_EXTENSION = StructType.builder("_DEVOBJ_EXTENSION", 0x70)
            .prim("Type", 0x00, Prim.SHORT)
            .prim("Size", 0x02, Prim.USHORT)
            .ptr("DeviceObject", 0x08, "_DEVICE_OBJECT")
            .prim("PowerFlags", 0x10, Prim.ULONG)
            .ptr("Dope", 0x18, "Void")
            .prim("ExtensionFlags", 0x20, Prim.ULONG)
            .ptr("DeviceNode", 0x28, "Void")
            .ptr("AttachedTo", 0x30, "_DEVICE_OBJECT")
            .build();
    public static final StructType TYPE = StructType.builder("_DEVICE_OBJECT", SIZE)
            .prim("Type", 0x000, Prim.SHORT)
            .prim("Size", 0x002, Prim.USHORT)
            .prim("ReferenceCount", 0x004, Prim.LONG)
            .ptr("DriverObject", 0x008, "_DRIVER_OBJECT")
            .ptr("NextDevice", 0x010, "_DEVICE_OBJECT")
            .ptr("AttachedDevice", 0x018, "_DEVICE_OBJECT")
            .ptr("CurrentIrp", 0x020, "_IRP")
            .ptr("Timer", 0x028, "Void")
            .prim("Flags", 0x030, Prim.ULONG)
            .prim("Characteristics", 0x034, Prim.ULONG)
            .ptr("Vpb", 0x038, "Void")
            .ptr("DeviceExtension", 0x040, "Void")
            .prim("DeviceType", 0x048, Prim.ULONG)
            .prim("StackSize", 0x04C, Prim.CHAR)
            .prim("AlignmentRequirement", 0x098, Prim.ULONG)
            .prim("ActiveThreadCount", 0x108, Prim.ULONG)
            .ptr("SecurityDescriptor", 0x110, "Void")
            .struct("DeviceLock", 0x118, KEvent.TYPE)
            .prim("SectorSize", 0x130, Prim.USHORT)
            .prim("Spare1", 0x132, Prim.USHORT)
            .ptr("DeviceObjectExtension", 0x138, "_DEVOBJ_EXTENSION")
            .ptr("Reserved", 0x140, "Void")
            .build();

    private final IoManager io;

    DeviceObject(IoManager io, long address) {
        super(io.mm, address);
        this.io = io;
    }

    @Override
    public StructType type() {
        return TYPE;
    }

    public short Type() {
        return s16(0x000);
    }

    public int ReferenceCount() {
        return s32(0x004);
    }

    void setReferenceCount(int count) {
        write(0x004, 4, count);
    }

    public DriverObject DriverObject() {
        long p = u64(0x008);
        return p == 0 ? null : new DriverObject(io, p);
    }

    public DeviceObject NextDevice() {
        long p = u64(0x010);
        return p == 0 ? null : new DeviceObject(io, p);
    }

    void setNextDevice(DeviceObject next) {
        write(0x010, 8, next == null ? 0 : next.address);
    }

    /** AttachedDevice: the device attached on top of this one. */
    public DeviceObject AttachedDevice() {
        long p = u64(0x018);
        return p == 0 ? null : new DeviceObject(io, p);
    }

    void setAttachedDevice(DeviceObject device) {
        write(0x018, 8, device == null ? 0 : device.address);
    }

    public int Flags() {
        return s32(0x030);
    }

    public void setFlags(int flags) {
        write(0x030, 4, flags);
    }

    public long DeviceExtension() {
        return u64(0x040);
    }

    public int DeviceType() {
        return s32(0x048);
    }

    /** CCHAR StackSize: the stack locations an IRP sent to this device needs. */
    public int StackSize() {
        return (byte) u8(0x04C);
    }

    void setStackSize(int size) {
        write(0x04C, 1, size);
    }

    long DeviceObjectExtension() {
        return u64(0x138);
    }

    /** DEVOBJ_EXTENSION.AttachedTo: the device this one is attached to, where a filter sends IRPs on. */
    public DeviceObject AttachedTo() {
        long ext = DeviceObjectExtension();
        long p = ext == 0 ? 0 : mem.read(ext + 0x30, 8);
        return p == 0 ? null : new DeviceObject(io, p);
    }

    void setAttachedTo(DeviceObject device) {
        mem.write(DeviceObjectExtension() + 0x30, 8, device == null ? 0 : device.address);
    }

    int ExtensionFlags() {
        return (int) mem.read(DeviceObjectExtension() + 0x20, 4);
    }

    void setExtensionFlags(int flags) {
        mem.write(DeviceObjectExtension() + 0x20, 4, flags);
    }

    /** The name the device was created with, or null (unnamed, or deleted). */
    public String name() {
        return io.device.nameOf(address);
    }

    public boolean isDeleted() {
        return io.device.isDeleted(address);
    }

    @Override
    public String toString() {
        String n = name();
        return String.format("DEVICE %X %s", address, n == null ? "(unnamed)" : n);
    }
}
