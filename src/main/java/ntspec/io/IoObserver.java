package ntspec.io;

/**
 * What the I/O manager tells an observer of IRP traffic (Driver Verifier's I/O Verification, as
 * Windows's IofCallDriver / IofCompleteRequest hooks): each dispatch routine called and what it
 * returned, and each IoCompleteRequest before it runs. The I/O manager knows nothing else of its
 * observer; the default does nothing.
 */
public interface IoObserver {
    IoObserver NONE = new IoObserver() {
    };

    /** A dispatch routine is about to run for irp at device, with sp its stack location. */
    default void beforeDispatch(long routine, DeviceObject device, Irp irp, long sp) {
    }

    /** The dispatch routine returned status. */
    default void afterDispatch(long routine, DeviceObject device, Irp irp, long sp, int status) {
    }

    /** The dispatch routine did not return: an exception (or a bug check) unwound through it. */
    default void dispatchUnwound() {
    }

    /** A completion routine returned result; pendingReturned is what Irp->PendingReturned said when it was called. */
    default void afterCompletionRoutine(long routine, Irp irp, boolean pendingReturned, int result) {
    }

    /** IoCompleteRequest(irp) is called, before anything changes. */
    default void beforeComplete(Irp irp) {
    }

    /** IoFreeIrp(irp) is called, before anything changes. */
    default void beforeFreeIrp(Irp irp) {
    }
}
