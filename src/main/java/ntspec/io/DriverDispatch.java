package ntspec.io;

/** DRIVER_DISPATCH: {@code NTSTATUS Dispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)}. */
@FunctionalInterface
public interface DriverDispatch {
    int dispatch(DeviceObject deviceObject, Irp irp);
}
