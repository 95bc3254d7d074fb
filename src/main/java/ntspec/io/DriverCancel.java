package ntspec.io;

/** DRIVER_CANCEL: {@code VOID Cancel(PDEVICE_OBJECT DeviceObject, PIRP Irp)}, called with the cancel spin lock held. */
@FunctionalInterface
public interface DriverCancel {
    void cancel(DeviceObject deviceObject, Irp irp);
}
