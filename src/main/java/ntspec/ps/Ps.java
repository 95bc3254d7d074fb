package ntspec.ps;

import java.util.ArrayList;
import java.util.List;
import ntspec.ke.BugCheckCode;
import ntspec.ke.KThread;
import ntspec.ke.Kernel;
import ntspec.mm.EProcess;
import ntspec.mm.Mm;
import ntspec.mm.Pool;
import ntspec.trace.Trace;

/** Process structure: creating processes and threads, and process exit with its locked-pages check. */
public final class Ps {
    private final Kernel kernel;
    private final Mm mm;
    private final List<EProcess> processes = new ArrayList<>();
    private final EProcess system;
    private final List<KThread> idle = new ArrayList<>();
    private long nextId = 0x100;
    /** What each exiting thread runs before its process goes (the I/O manager's IoCancelThreadIo). */
    private java.util.function.Consumer<EProcess> threadRundown = p -> { };

    public Ps(Kernel kernel, Mm mm) {
        this.kernel = kernel;
        this.mm = mm;
        this.system = mm.createSystemProcess();
        processes.add(system);
        // Each processor starts on its idle thread, a thread of the System process; a processor
        // whose process exits goes back to it.
        for (int i = 0; i < kernel.processorCount(); i++) {
            idle.add(PsCreateThread(system));
            kernel.setIdleThread(i, idle.get(i));
        }
        for (int i = kernel.processorCount() - 1; i >= 0; i--) {
            kernel.setCurrentProcessor(i);
            kernel.switchTo(idle.get(i));
        }
    }

    /** Sets what the threads of an exiting process run first (PspExitThread calls IoCancelThreadIo). */
    public void setThreadRundown(java.util.function.Consumer<EProcess> rundown) {
        this.threadRundown = rundown;
    }

    public EProcess systemProcess() {
        return system;
    }

    public List<EProcess> processes() {
        return List.copyOf(processes);
    }

    /** Creates a user process (its own PML4 sharing the kernel half) and its first thread. */
    public EProcess PsCreateProcess(String name) {
        EProcess p = mm.createProcess(name, nextId);
        nextId += 4;
        processes.add(p);
        kernel.trace().add(Trace.Kind.NOTE, "created process " + p);
        return p;
    }

    public KThread PsCreateThread(EProcess process) {
        long object = mm.pool.allocateObject(KThread.ETHREAD.size(), Pool.tag("Thre"));
        for (int off = 0; off < KThread.ETHREAD.size(); off += 8) mm.write(object + off, 8, 0);
        KThread t = new KThread(mm, nextId, object, process);
        kernel.registerThread(t);
        nextId += 4;
        return t;
    }

    /**
     * Process exit (PspExitProcess / MmCleanProcessAddressSpace). Windows checks the locked-page
     * charge first: pages still locked by an MDL bug-check PROCESS_HAS_LOCKED_PAGES
     * (0, process, NumberOfLockedPages, 0) (MS bug-check 0x76; ReactOS has no such check), or, when
     * the kernel tracked who locked them, DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS (0xCB).
     */
    public void PspExitProcess(EProcess process) {
        kernel.ensureRunning();
        if (process == system) throw new IllegalArgumentException("the System process does not exit");
        kernel.trace().add(Trace.Kind.NOTE, "process exit " + process.name);
        // PspExitThread: each thread cancels its I/O (IoCancelThreadIo) before the address space goes.
        threadRundown.accept(process);
        if (process.numberOfLockedPages() != 0) {
            var tracked = mm.lockedPages.heldIn(process.address);
            if (tracked != null) {
                throw kernel.KeBugCheckEx(BugCheckCode.DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS, tracked.tracker(), 0, tracked.mdl(), tracked.pages());
            }
            throw kernel.KeBugCheckEx(BugCheckCode.PROCESS_HAS_LOCKED_PAGES, 0, process.address, process.numberOfLockedPages(), 0);
        }
        for (int i = 0; i < kernel.processorCount(); i++) {
            var thread = kernel.processor(i).currentThread();
            if (thread != null && thread.apcStateProcess() == process) {
                int saved = kernel.currentProcessor().number;
                kernel.setCurrentProcessor(i);
                kernel.switchTo(idleThreadFor(i));
                kernel.setCurrentProcessor(saved);
            }
        }
        mm.deleteAddressSpace(process);
        processes.remove(process);
        markExited(process);
    }

    /**
     * The last reference to an exited process goes (ObDereferenceObject of the creator's handle and
     * of its threads): the page directory and the process and thread objects are freed.
     */
    public void PspDeleteProcess(EProcess process, List<KThread> threads) {
        if (!process.hasExited()) throw new IllegalStateException(process.name + " has not exited; a live process object is not deleted");
        for (KThread t : threads) {
            if (t.process == process) mm.pool.ExFreePoolWithTag(t.address, Pool.tag("Thre"));
        }
        mm.deleteProcessObject(process);
        kernel.trace().add(Trace.Kind.NOTE, "process object deleted " + process.name);
    }

    private KThread idleThreadFor(int processor) {
        return idle.get(processor);
    }

    private static void markExited(EProcess process) {
        process.markExited();
    }
}
