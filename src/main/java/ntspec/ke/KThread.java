package ntspec.ke;

/** A thread (KTHREAD): its process, the process it is attached to, and its last exception. */
public final class KThread {
    public final long threadId;
    public final long address;
    public final KProcess process;
    /** ApcState.Process: the address space the thread runs in (differs while attached). */
    KProcess apcStateProcess;
    boolean attached;
    /** Code of the last exception dispatched to a handler of this thread (GetExceptionCode()). */
    Integer lastExceptionCode;
    /** ApcState.ApcListHead[KernelMode]: special kernel APCs queued and not yet delivered. */
    final java.util.ArrayDeque<KApc> kernelApcs = new java.util.ArrayDeque<>();

    public KThread(long threadId, long address, KProcess process) {
        this.threadId = threadId;
        this.address = address;
        this.process = process;
        this.apcStateProcess = process;
    }

    public KProcess apcStateProcess() {
        return apcStateProcess;
    }

    public boolean isAttached() {
        return attached;
    }

    /** The code of the last exception an __except handler of this thread took, or null. */
    public Integer lastExceptionCode() {
        return lastExceptionCode;
    }

    /** Number of kernel APCs queued to this thread and not yet delivered. */
    public int pendingKernelApcs() {
        return kernelApcs.size();
    }

    @Override
    public String toString() {
        return String.format("THREAD %X (Cid %X) of %s", address, threadId, process.name);
    }
}
