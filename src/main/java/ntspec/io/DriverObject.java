package ntspec.io;

import ntspec.ke.CodeImage;

/** DRIVER_OBJECT: the image, the dispatch table and the devices the driver created. */
public final class DriverObject {
    public final long address;
    /** DriverName, e.g. \Driver\Filter. */
    public final String DriverName;
    public final CodeImage image;
    public final DriverDispatch[] MajorFunction = new DriverDispatch[IoConstants.IRP_MJ_MAXIMUM_FUNCTION + 1];
    public DeviceObject DeviceObject;
    /** DRIVER_UNLOAD: called when the driver is unloaded; null means it cannot be unloaded. */
    public java.util.function.Consumer<DriverObject> DriverUnload;
    boolean unloaded;

    public boolean isUnloaded() {
        return unloaded;
    }

    public DriverObject(long address, String driverName, CodeImage image) {
        this.address = address;
        this.DriverName = driverName;
        this.image = image;
    }

    @Override
    public String toString() {
        return String.format("DRIVER %X %s", address, DriverName);
    }
}
