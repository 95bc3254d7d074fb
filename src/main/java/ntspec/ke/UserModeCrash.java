package ntspec.ke;

/**
 * A user-mode routine the machine ran for a thread (a user APC, a FileIOCompletionRoutine) raised
 * an exception nothing in user mode handles: the thread's process ends with that code. It unwinds
 * the system call the thread was in; the caller of the machine (the step that made that call)
 * terminates the process.
 */
public final class UserModeCrash extends RuntimeException {
    public final transient KThread thread;
    public final int status;

    public UserModeCrash(KThread thread, int status) {
        super("unhandled " + NtStatus.name(status) + " in user mode", null, false, false);
        this.thread = thread;
        this.status = status;
    }
}
