package ntspec.io;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import ntspec.mm.Pool;
import ntspec.trace.Trace;

/**
 * Device objects and device stacks (ReactOS io/iomgr/device.c): IoCreateDevice, IoDeleteDevice,
 * IoAttachDeviceToDeviceStack, IoDetachDevice, IoGetAttachedDevice, and the object references that
 * keep a deleted device (and its driver's image) alive until they are dropped.
 */
public final class IoDevice {
    static final int TAG_DEVICE = Pool.tag("Devi");
    private final IoManager io;
    /** The object manager's \Device directory: name to DEVICE_OBJECT address. */
    private final Map<String, Long> namespace = new LinkedHashMap<>();
    private final Map<Long, String> names = new LinkedHashMap<>();
    private final Set<Long> deleted = new HashSet<>();

    IoDevice(IoManager io) {
        this.io = io;
    }

    /** The device named {@code name} in the object namespace, or null. */
    public DeviceObject named(String name) {
        Long a = namespace.get(name);
        return a == null ? null : new DeviceObject(io, a);
    }

    public Map<String, Long> namespace() {
        return Collections.unmodifiableMap(namespace);
    }

    String nameOf(long address) {
        return names.get(address);
    }

    boolean isDeleted(long address) {
        return deleted.contains(address);
    }

    /**
     * IoCreateDevice: the DEVICE_OBJECT, its device extension and its DEVOBJ_EXTENSION in one
     * nonpaged allocation, linked at the head of the driver's device list; null when the name is
     * taken (STATUS_OBJECT_NAME_COLLISION) or pool is out.
     */
    public DeviceObject IoCreateDevice(DriverObject driver, long extensionSize, String deviceName, int deviceType,
                                       int characteristics, boolean exclusive) {
        if (deviceName != null && namespace.containsKey(deviceName)) return null;
        long ext = (extensionSize + 15) & ~15L;
        long total = DeviceObject.SIZE + ext + DeviceObject.DEVOBJ_EXTENSION.size();
        long va = io.mm.pool.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, total, TAG_DEVICE);
        if (va == 0) return null;
        for (long off = 0; off < total; off += 8) io.mm.write(va + off, 8, 0);
        long devobjExt = va + DeviceObject.SIZE + ext;
        io.mm.write(va, 2, DeviceObject.IO_TYPE_DEVICE);
        io.mm.write(va + 0x02, 2, DeviceObject.SIZE + ext);
        io.mm.write(va + 0x08, 8, driver.address);
        io.mm.write(va + 0x30, 4, (exclusive ? IoConstants.DO_EXCLUSIVE : 0) | (deviceName != null ? IoConstants.DO_DEVICE_HAS_NAME : 0));
        io.mm.write(va + 0x34, 4, characteristics);
        io.mm.write(va + 0x40, 8, ext == 0 ? 0 : va + DeviceObject.SIZE);
        io.mm.write(va + 0x48, 4, deviceType);
        io.mm.write(va + 0x4C, 1, 1);
        new ntspec.ke.KEvent(io.mm, va + 0x118).initialize(ntspec.ke.KEvent.SynchronizationEvent, true);
        io.mm.write(va + 0x138, 8, devobjExt);
        io.mm.write(devobjExt, 2, DeviceObject.IO_TYPE_DEVICE_OBJECT_EXTENSION);
        io.mm.write(devobjExt + 0x02, 2, DeviceObject.DEVOBJ_EXTENSION.size());
        io.mm.write(devobjExt + 0x08, 8, va);
        DeviceObject d = new DeviceObject(io, va);
        d.setNextDevice(driver.DeviceObject());
        driver.setDeviceObject(d);
        if (deviceName != null) {
            namespace.put(deviceName, va);
            names.put(va, deviceName);
        }
        io.trace.add(Trace.Kind.NOTE, "IoCreateDevice " + d + " of " + driver.DriverName());
        return d;
    }

    /** IoGetAttachedDevice: the top of the stack the device is in (follows AttachedDevice). */
    public DeviceObject IoGetAttachedDevice(DeviceObject device) {
        DeviceObject d = device;
        for (int hops = 0; hops < 256; hops++) {
            DeviceObject above = d.AttachedDevice();
            if (above == null) return d;
            d = above;
        }
        return d;
    }

    /**
     * IoAttachDeviceToDeviceStack: attaches source on top of target's stack; returns the device it
     * is attached to (the previous top), or null when that device is being deleted or unloaded.
     * StackSize becomes that device's + 1.
     */
    public DeviceObject IoAttachDeviceToDeviceStack(DeviceObject source, DeviceObject target) {
        DeviceObject top = IoGetAttachedDevice(target);
        if ((top.ExtensionFlags() & (DeviceObject.DOE_DELETE_PENDING | DeviceObject.DOE_UNLOAD_PENDING)) != 0) return null;
        top.setAttachedDevice(source);
        source.setAttachedTo(top);
        source.setStackSize(top.StackSize() + 1);
        io.trace.add(Trace.Kind.NOTE, "attached " + source + " on " + top);
        return top;
    }

    /** IoDetachDevice(TargetDevice): removes the device attached on top of the target. */
    public void IoDetachDevice(DeviceObject target) {
        DeviceObject above = target.AttachedDevice();
        if (above != null) above.setAttachedTo(null);
        target.setAttachedDevice(null);
        io.trace.add(Trace.Kind.NOTE, "IoDetachDevice " + target);
    }

    /**
     * IoDeleteDevice: the name goes at once; the object goes when nothing references it
     * (DOE_DELETE_PENDING until then), and with it, for a driver being unloaded, the image.
     */
    public void IoDeleteDevice(DeviceObject device) {
        String name = names.remove(device.address);
        if (name != null) namespace.remove(name);
        device.setExtensionFlags(device.ExtensionFlags() | DeviceObject.DOE_DELETE_PENDING);
        io.trace.add(Trace.Kind.NOTE, "IoDeleteDevice " + device + (name == null ? "" : " " + name));
        if (device.ReferenceCount() == 0) completeDelete(device);
    }

    /** ObReferenceObject on a device (an open file, IoSetCompletionRoutineEx). */
    void reference(DeviceObject device) {
        device.setReferenceCount(device.ReferenceCount() + 1);
    }

    /** ObDereferenceObject: the last reference to a device whose deletion is pending deletes it. */
    void dereference(DeviceObject device) {
        int count = device.ReferenceCount() - 1;
        device.setReferenceCount(count);
        if (count == 0 && (device.ExtensionFlags() & DeviceObject.DOE_DELETE_PENDING) != 0) completeDelete(device);
    }

    /** IopCompleteUnloadOrDelete: unlinks the device from its driver and frees it. */
    private void completeDelete(DeviceObject device) {
        if (!deleted.add(device.address)) return;
        DriverObject driver = device.DriverObject();
        if (driver != null) {
            long target = device.address;
            DeviceObject prev = null;
            for (DeviceObject d = driver.DeviceObject(); d != null; prev = d, d = d.NextDevice()) {
                if (d.address == target) {
                    if (prev == null) driver.setDeviceObject(d.NextDevice());
                    else prev.setNextDevice(d.NextDevice());
                    break;
                }
            }
        }
        io.mm.pool.ExFreePoolWithTag(device.address, TAG_DEVICE);
        if (driver != null) io.driver.completeUnload(driver);
    }
}
