package ntspec.ke;

/**
 * Unwinds the simulated machine when the current thread would spin forever below DISPATCH_LEVEL
 * (a walk of a circular list, say). Windows does not bug-check for that: the thread never returns
 * and whatever waits for it waits forever. The simulator records the hang and stops the machine,
 * since nothing it could do next would be what Windows does.
 */
public final class ThreadHungException extends RuntimeException {
    public final String where;

    public ThreadHungException(String where) {
        super("thread hung: " + where, null, false, true);
        this.where = where;
    }
}
