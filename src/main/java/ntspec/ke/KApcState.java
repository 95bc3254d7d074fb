package ntspec.ke;

/** The saved state KeStackAttachProcess fills and KeUnstackDetachProcess restores. */
public final class KApcState {
    KProcess savedProcess;
    boolean savedAttached;
    boolean inUse;
}
