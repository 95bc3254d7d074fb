package ntspec.ke;

import ntspec.nt.KernelMemory;
import ntspec.nt.KernelObject;
import ntspec.nt.StructType;
import ntspec.nt.StructType.Prim;

/**
 * A thread (KTHREAD inside ETHREAD): its process, the process it is attached to, and its last
 * exception. The thread object lives at {@link #address} in nonpaged pool; the members a driver
 * reads through {@code Irp->Tail.Overlay.Thread} are kept there at their Windows 10 x64 offsets
 * (public symbols, e.g. https://github.com/ntdiff/headers Win10_20H1_19030 x64 _KTHREAD.h:
 * ThreadLock +0x40, ApcState +0x98 with ApcState.Process +0xB8, Process +0x220).
 */
public final class KThread implements KernelObject {
    public static final int THREAD_LOCK = 0x40;
    /** KTHREAD.PreviousMode (KPROCESSOR_MODE: KernelMode 0, UserMode 1), +0x232 in the 19041 x64 symbols. */
    public static final int PREVIOUS_MODE = 0x232;
    public static final StructType LIST_ENTRY = StructType.builder("_LIST_ENTRY", 0x10)
            .ptr("Flink", 0x0, "_LIST_ENTRY")
            .ptr("Blink", 0x8, "_LIST_ENTRY")
            .build();
    /**
     * _KAPC_STATE (x64, 0x30): ApcListHead[KernelMode] +0x0 and ApcListHead[UserMode] +0x10 (the
     * KAPCs queued, linked through KAPC.ApcListEntry), Process +0x20, KernelApcPending +0x29,
     * UserApcPending +0x2A (the 19041 symbols' UserApcPendingAll byte).
     */
    public static final StructType KAPC_STATE = StructType.builder("_KAPC_STATE", 0x30)
            .structArray("ApcListHead", 0x0, LIST_ENTRY, 2)
            .ptr("Process", 0x20, "_KPROCESS")
            .prim("KernelApcInProgress", 0x28, Prim.UCHAR)
            .prim("KernelApcPending", 0x29, Prim.UCHAR)
            .prim("UserApcPending", 0x2A, Prim.UCHAR)
            .build();
    /** _KAPC (x64, 0x58). */
    public static final StructType KAPC = StructType.builder("_KAPC", 0x58)
            .prim("Type", 0x00, Prim.UCHAR)
            .prim("Size", 0x02, Prim.UCHAR)
            .ptr("Thread", 0x08, "_KTHREAD")
            .struct("ApcListEntry", 0x10, LIST_ENTRY)
            .ptr("KernelRoutine", 0x20, "void")
            .ptr("RundownRoutine", 0x28, "void")
            .ptr("NormalRoutine", 0x30, "void")
            .ptr("NormalContext", 0x38, "Void")
            .ptr("SystemArgument1", 0x40, "Void")
            .ptr("SystemArgument2", 0x48, "Void")
            .prim("ApcStateIndex", 0x50, Prim.CHAR)
            .prim("ApcMode", 0x51, Prim.CHAR)
            .prim("Inserted", 0x52, Prim.UCHAR)
            .build();
    /** KTHREAD.ApcState (+0x98) and within it ApcListHead[UserMode] and UserApcPending. */
    public static final int APC_STATE = 0x98;
    public static final int USER_APC_LIST = APC_STATE + 0x10;
    public static final int USER_APC_PENDING = APC_STATE + 0x2A;
    public static final StructType KTHREAD = StructType.builder("_KTHREAD", 0x430)
            .prim("Header", 0x000, Prim.ULONG64)
            .prim("ThreadLock", THREAD_LOCK, Prim.ULONG64)
            .struct("ApcState", 0x098, KAPC_STATE)
            .ptr("Process", 0x220, "_KPROCESS")
            .prim("PreviousMode", PREVIOUS_MODE, Prim.CHAR)
            .build();
    /**
     * ETHREAD.IrpList: the IRPs the I/O manager queued to the thread (IoQueueThreadIrp), +0x4B0 in
     * the 19041 x64 symbols ({@code dt nt!_ETHREAD IrpList}).
     */
    public static final int IRP_LIST = 0x4B0;
    public static final StructType ETHREAD = StructType.builder("_ETHREAD", 0x898)
            .struct("Tcb", 0x000, KTHREAD)
            .struct("IrpList", IRP_LIST, LIST_ENTRY)
            .build();

    public final long threadId;
    public final long address;
    public final KProcess process;
    private final KernelMemory memory;
    /** ApcState.Process: the address space the thread runs in (differs while attached). */
    KProcess apcStateProcess;
    boolean attached;
    /** Code of the last exception dispatched to a handler of this thread (GetExceptionCode()). */
    Integer lastExceptionCode;
    /** ApcState.ApcListHead[KernelMode]: special kernel APCs queued and not yet delivered. */
    final java.util.ArrayDeque<KApc> kernelApcs = new java.util.ArrayDeque<>();
    /** KTHREAD.WaitNext: KeSetEvent(Wait TRUE) returned holding the dispatcher lock; the next wait starts from WaitIrql. */
    boolean waitNext;
    /** KTHREAD.WaitIrql: the IRQL the thread waits at. */
    int waitIrql;
    /** The queue (completion port) the thread is associated with by KeRemoveQueue (KTHREAD.Queue), or null. */
    KQueue queue;
    /** A system thread (PsCreateSystemThread): no user context; exceptions end in 0x7E. */
    final boolean systemThread;

    public KThread(KernelMemory memory, long threadId, long address, KProcess process) {
        this.memory = memory;
        this.threadId = threadId;
        this.address = address;
        this.process = process;
        this.systemThread = process.processId == 4;
        memory.write(address + 0x220, 8, process.address);
        // A thread with a user-mode context will run in user mode: its PreviousMode starts as
        // UserMode; a system thread's is KernelMode (ReactOS KiInitializeContextThread,
        // https://github.com/reactos/reactos/blob/master/ntoskrnl/ke/amd64/thrdini.c).
        memory.write(address + PREVIOUS_MODE, 1, systemThread ? 0 : 1);
        // InitializeListHead(&Thread->IrpList) (PspCreateThread).
        memory.write(address + IRP_LIST, 8, address + IRP_LIST);
        memory.write(address + IRP_LIST + 8, 8, address + IRP_LIST);
        // KeInitializeThread: both APC lists of ApcState empty.
        for (long head : new long[] {address + APC_STATE, address + USER_APC_LIST}) {
            memory.write(head, 8, head);
            memory.write(head + 8, 8, head);
        }
        setApcStateProcess(process);
    }

    /**
     * KTHREAD.PreviousMode, read from the thread object: the mode the thread's current system
     * service (or kernel routine) was called from -- what ExGetPreviousMode returns.
     */
    public int previousMode() {
        return (int) memory.read(address + PREVIOUS_MODE, 1);
    }

    void setApcStateProcess(KProcess p) {
        apcStateProcess = p;
        memory.write(address + 0xB8, 8, p.address);
    }

    @Override
    public long address() {
        return address;
    }

    @Override
    public StructType type() {
        return ETHREAD;
    }

    /** The address of ETHREAD.IrpList, the head of the thread's IRP list. */
    public long irpListHead() {
        return address + IRP_LIST;
    }

    public KProcess apcStateProcess() {
        return apcStateProcess;
    }

    public boolean isAttached() {
        return attached;
    }

    public boolean isSystemThread() {
        return systemThread;
    }

    /** The code of the last exception an __except handler of this thread took, or null. */
    public Integer lastExceptionCode() {
        return lastExceptionCode;
    }

    /** The address of ApcState.ApcListHead[UserMode], the head of the thread's user APC queue. */
    public long userApcListHead() {
        return address + USER_APC_LIST;
    }

    /** True when no user APC is queued (ApcListHead[UserMode] points at itself). */
    public boolean userApcQueueEmpty() {
        return memory.read(address + USER_APC_LIST, 8) == address + USER_APC_LIST;
    }

    /** ApcState.UserApcPending. */
    public boolean userApcPending() {
        return memory.read(address + USER_APC_PENDING, 1) != 0;
    }

    void setUserApcPending(boolean on) {
        memory.write(address + USER_APC_PENDING, 1, on ? 1 : 0);
    }

    KernelMemory memory() {
        return memory;
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
