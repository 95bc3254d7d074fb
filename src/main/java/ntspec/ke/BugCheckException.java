package ntspec.ke;

/**
 * Unwinds the simulated machine after KeBugCheckEx. No __except sees it: it passes through every
 * simulated exception handler, as a real bug check never returns.
 */
public final class BugCheckException extends RuntimeException {
    public final BugCheck bugCheck;

    public BugCheckException(BugCheck bugCheck) {
        super("*** STOP: " + bugCheck, null, false, true);
        this.bugCheck = bugCheck;
    }
}
