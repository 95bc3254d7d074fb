package ntspec.io;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import ntspec.ke.CodeImage;
import ntspec.ke.NtStatus;
import ntspec.mm.Pool;
import ntspec.trace.Trace;

/**
 * Driver objects (ReactOS io/iomgr/driver.c): creating one when an image loads, and unloading it.
 * A driver's image is unloaded when its unload routine has run and it has no device objects left:
 * a device still referenced (by an open file or by IoSetCompletionRoutineEx) keeps it loaded.
 */
public final class IoDriver {
    static final int TAG_DRIVER = Pool.tag("Driv");
    private final IoManager io;
    private final Map<String, Long> drivers = new LinkedHashMap<>();

    IoDriver(IoManager io) {
        this.io = io;
    }

    /**
     * Creates the DRIVER_OBJECT of a loaded image (what IopLoadDriver does before DriverEntry): its
     * name in a UNICODE_STRING, DriverStart/DriverSize, and every MajorFunction entry pointing at
     * nt's IopInvalidDeviceRequest.
     */
    public DriverObject createDriver(String driverName, CodeImage image) {
        if (drivers.containsKey(driverName)) throw new IllegalArgumentException("driver " + driverName + " is already loaded");
        long va = io.mm.pool.allocateObject(DriverObject.SIZE, TAG_DRIVER);
        byte[] name = driverName.getBytes(StandardCharsets.UTF_16LE);
        long buffer = io.mm.pool.allocateObject(name.length + 2, TAG_DRIVER);
        io.mm.write(buffer, name, false);
        for (int off = 0; off < DriverObject.SIZE; off += 8) io.mm.write(va + off, 8, 0);
        io.mm.write(va, 2, DriverObject.IO_TYPE_DRIVER);
        io.mm.write(va + 0x02, 2, DriverObject.SIZE);
        io.mm.write(va + 0x18, 8, image.base());
        io.mm.write(va + 0x20, 4, image.size());
        io.mm.write(va + 0x38, 2, name.length);
        io.mm.write(va + 0x3A, 2, name.length + 2);
        io.mm.write(va + 0x40, 8, buffer);
        long invalid = io.irp.invalidDeviceRequestAddress();
        for (int mj = 0; mj <= IoConstants.IRP_MJ_MAXIMUM_FUNCTION; mj++) io.mm.write(va + 0x70 + 8L * mj, 8, invalid);
        drivers.put(driverName, va);
        DriverObject d = new DriverObject(io, va);
        io.trace.add(Trace.Kind.NOTE, "loaded " + d);
        return d;
    }

    /**
     * Unloads a driver (IopUnloadDriver): its DriverUnload routine runs at PASSIVE_LEVEL in the
     * current thread's context; a driver without one cannot be unloaded
     * (STATUS_INVALID_DEVICE_REQUEST). The image goes once no device of the driver is left.
     */
    @SuppressWarnings("unchecked")
    public int unloadDriver(DriverObject driver) {
        io.kernel.ensureRunning();
        long unload = driver.DriverUnload();
        if (unload == 0 || driver.isUnloaded()) return NtStatus.STATUS_INVALID_DEVICE_REQUEST;
        driver.setFlags(driver.Flags() | DriverObject.DRVO_UNLOAD_INVOKED);
        long ip = io.kernel.enter(unload);
        try {
            io.kernel.runUnhandledExceptionBoundary(() -> io.callTarget(unload, Consumer.class).accept(driver));
        } finally {
            io.kernel.leave(ip);
        }
        io.trace.add(Trace.Kind.NOTE, "DriverUnload of " + driver.DriverName() + " returned");
        completeUnload(driver);
        return NtStatus.STATUS_SUCCESS;
    }

    /** IopCompleteUnloadOrDelete's last step: an unloading driver with no devices left loses its image. */
    void completeUnload(DriverObject driver) {
        if (!driver.isUnloaded() || driver.DeviceObject() != null) return;
        CodeImage image = driver.image();
        if (image != null && io.kernel.imageAt(image.base()) != null) io.kernel.unloadImage(image);
        drivers.values().remove(driver.address);
    }
}
