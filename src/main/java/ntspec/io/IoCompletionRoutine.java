package ntspec.io;

/** IO_COMPLETION_ROUTINE: {@code NTSTATUS Completion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)}. */
@FunctionalInterface
public interface IoCompletionRoutine {
    int complete(DeviceObject deviceObject, Irp irp, long context);
}
