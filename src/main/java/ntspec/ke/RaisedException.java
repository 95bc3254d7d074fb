package ntspec.ke;

/**
 * An exception raised in the simulated kernel (ExRaiseStatus, or an access violation dispatched
 * by the page-fault handler): the EXCEPTION_RECORD's code, address and parameters. A simulated
 * {@code __try/__except} ({@link Kernel#tryExcept}) catches it; one that nobody catches ends the
 * machine in a bug check.
 */
public final class RaisedException extends RuntimeException {
    public final int status;
    /** ExceptionAddress: the code address that raised it. */
    public final long address;
    /** ExceptionInformation[0], e.g. 0 read / 1 write / 8 execute for an access violation. */
    public final long info0;
    /** ExceptionInformation[1], e.g. the inaccessible address for an access violation. */
    public final long info1;

    public RaisedException(int status, long address, long info0, long info1) {
        super(null, null, false, false);
        this.status = status;
        this.address = address;
        this.info0 = info0;
        this.info1 = info1;
    }

    @Override
    public String getMessage() {
        return String.format("exception %s raised at 0x%X (0x%X, 0x%X)", NtStatus.name(status), address, info0, info1);
    }
}
