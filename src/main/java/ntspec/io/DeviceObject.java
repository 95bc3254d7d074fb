package ntspec.io;

/** DEVICE_OBJECT: flags, stack size, the device attached above it, and what it is attached to. */
public final class DeviceObject {
    public final long address;
    public final String name;
    public final DriverObject DriverObject;
    public int Flags;
    public int DeviceType;
    /** StackSize: stack locations an IRP sent to this device needs (1 + the devices below). */
    public int StackSize = 1;
    /** AttachedDevice: the device attached on top of this one. */
    public DeviceObject AttachedDevice;
    /** The device this one is attached to (DEVOBJ_EXTENSION.AttachedTo), where IoCallDriver sends IRPs it passes down. */
    public DeviceObject AttachedTo;
    /** Set by IoDeleteDevice. */
    boolean deleted;

    public boolean isDeleted() {
        return deleted;
    }

    public DeviceObject(long address, String name, DriverObject driver, int deviceType) {
        this.address = address;
        this.name = name;
        this.DriverObject = driver;
        this.DeviceType = deviceType;
    }

    @Override
    public String toString() {
        return String.format("DEVICE %X %s (%s)", address, name == null ? "(unnamed)" : name, DriverObject.DriverName);
    }
}
