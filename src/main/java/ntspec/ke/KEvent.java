package ntspec.ke;

/** A dispatcher event (KEVENT): notification or synchronization, signalled or not. */
public final class KEvent {
    public final long address;
    private boolean signaled;

    public KEvent(long address) {
        this.address = address;
    }

    public boolean isSignaled() {
        return signaled;
    }

    /** KeSetEvent: returns the previous state. */
    public boolean set() {
        boolean old = signaled;
        signaled = true;
        return old;
    }

    /** KeClearEvent / KeResetEvent. */
    public boolean reset() {
        boolean old = signaled;
        signaled = false;
        return old;
    }

    @Override
    public String toString() {
        return String.format("EVENT %X (%s)", address, signaled ? "signalled" : "not signalled");
    }
}
