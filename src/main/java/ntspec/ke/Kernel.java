package ntspec.ke;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.IntUnaryOperator;
import java.util.function.Supplier;
import ntspec.hw.Cpu;
import ntspec.trace.Trace;

/**
 * The kernel (ke): processors and their IRQL, the current thread and process, process attach,
 * structured exception handling and KeBugCheckEx. One per machine.
 */
public final class Kernel {
    /** Where nt's code lives; kernel routines get code addresses inside it. */
    public static final long NT_BASE = 0xFFFFF800_02A00000L;
    public static final int EXCEPTION_EXECUTE_HANDLER = 1;
    public static final int EXCEPTION_CONTINUE_SEARCH = 0;

    private final Trace trace;
    private final Processor[] processors;
    private final List<CodeImage> images = new ArrayList<>();
    private final CodeImage nt;
    private int current;
    private BugCheck bugCheck;

    public Kernel(Trace trace, int processorCount, long systemDirectoryTableBase) {
        this.trace = trace;
        this.processors = new Processor[processorCount];
        for (int i = 0; i < processorCount; i++) {
            processors[i] = new Processor(i, new Cpu(i, systemDirectoryTableBase));
        }
        this.nt = new CodeImage("nt", NT_BASE, 0x800000, false);
        images.add(nt);
    }

    public Trace trace() {
        return trace;
    }

    // ---------------------------------------------------------------- bug checks

    /** Throws {@link MachineHaltedException} once the machine has bug-checked. */
    public void ensureRunning() {
        if (bugCheck != null) throw new MachineHaltedException(bugCheck);
    }

    public BugCheck bugCheck() {
        return bugCheck;
    }

    /**
     * KeBugCheckEx: records the code and parameters, halts the machine and unwinds through every
     * simulated exception handler. Declared to return the exception so callers can write
     * {@code throw kernel.KeBugCheckEx(...)} and the compiler knows the path ends.
     */
    public BugCheckException KeBugCheckEx(int code, long p1, long p2, long p3, long p4) {
        ensureRunning();
        bugCheck = new BugCheck(code, p1, p2, p3, p4);
        trace.add(Trace.Kind.BUGCHECK, bugCheck.toString());
        throw new BugCheckException(bugCheck);
    }

    // ---------------------------------------------------------------- processors, threads, processes

    public Processor currentProcessor() {
        return processors[current];
    }

    public Processor processor(int n) {
        return processors[n];
    }

    public int processorCount() {
        return processors.length;
    }

    /** Makes processor n the one the following calls run on (a DPC on another CPU, say). */
    public void setCurrentProcessor(int n) {
        if (n < 0 || n >= processors.length) {
            throw new IllegalArgumentException("processor " + n + " does not exist; the machine has " + processors.length);
        }
        current = n;
    }

    public KThread currentThread() {
        return processors[current].currentThread;
    }

    /** PsGetCurrentProcess: the process whose address space the current thread runs in. */
    public KProcess currentProcess() {
        KThread t = currentThread();
        return t == null ? null : t.apcStateProcess;
    }

    /** The scheduler's context switch: runs {@code thread} on the current processor (loads its CR3). */
    public void switchTo(KThread thread) {
        Processor p = processors[current];
        p.currentThread = thread;
        p.cpu.loadCr3(thread.apcStateProcess.directoryTableBase);
        trace.add(Trace.Kind.NOTE, "context switch on CPU " + p.number + " to " + thread);
        deliverApcs(p);
    }

    /** The processor a thread is running on, or null when it is not running. */
    public Processor processorOf(KThread thread) {
        for (Processor p : processors) if (p.currentThread == thread) return p;
        return null;
    }

    // ---------------------------------------------------------------- APCs

    /**
     * KeInsertQueueApc for a special kernel APC. If the thread is running on a processor below
     * APC_LEVEL the APC interrupt fires at once (an IPI when it is another processor) and the APC
     * runs there; otherwise it waits until the thread runs below APC_LEVEL (KeLowerIrql, a context
     * switch to it).
     */
    public void KeInsertQueueApc(KThread thread, KApc apc) {
        thread.kernelApcs.addLast(apc);
        trace.add(Trace.Kind.NOTE, "APC " + apc.kernelRoutine() + " queued to " + thread);
        Processor p = processorOf(thread);
        if (p != null) deliverApcs(p);
    }

    /** Runs the kernel APCs of the thread current on {@code p}, if its IRQL allows, on that processor. */
    private void deliverApcs(Processor p) {
        KThread t = p.currentThread;
        if (t == null || t.kernelApcs.isEmpty() || p.irql >= Irql.APC_LEVEL || bugCheck != null) return;
        int saved = current;
        current = p.number;
        try {
            while (!t.kernelApcs.isEmpty() && bugCheck == null) {
                KApc apc = t.kernelApcs.pollFirst();
                int old = p.irql;
                p.irql = Irql.APC_LEVEL;
                trace.add(Trace.Kind.IRQL, "CPU " + p.number + " APC interrupt: " + apc.kernelRoutine() + " in " + t + " at APC_LEVEL");
                long ip = enter(nt.routine(apc.kernelRoutine()));
                try {
                    runUnhandledExceptionBoundary(apc.routine());
                } finally {
                    leave(ip);
                    p.irql = old;
                }
            }
        } finally {
            current = saved;
        }
    }

    public void KeStackAttachProcess(KProcess process, KApcState apcState) {
        KThread t = currentThread();
        apcState.savedProcess = t.apcStateProcess;
        apcState.savedAttached = t.attached;
        apcState.inUse = true;
        t.apcStateProcess = process;
        t.attached = process != t.process;
        processors[current].cpu.loadCr3(process.directoryTableBase);
        trace.add(Trace.Kind.NOTE, "KeStackAttachProcess " + process.name);
    }

    public void KeUnstackDetachProcess(KApcState apcState) {
        KThread t = currentThread();
        t.apcStateProcess = apcState.savedProcess;
        t.attached = apcState.savedAttached;
        apcState.inUse = false;
        processors[current].cpu.loadCr3(t.apcStateProcess.directoryTableBase);
        trace.add(Trace.Kind.NOTE, "KeUnstackDetachProcess back to " + t.apcStateProcess.name);
    }

    // ---------------------------------------------------------------- IRQL

    public int KeGetCurrentIrql() {
        return processors[current].irql;
    }

    /**
     * KeRaiseIrql. Raising to a lower IRQL bug-checks IRQL_NOT_GREATER_OR_EQUAL (current, new, 0, 9)
     * as the HAL's check does (ReactOS hal/halx86 KfRaiseIrql).
     */
    public int KeRaiseIrql(int newIrql) {
        Processor p = processors[current];
        int old = p.irql;
        checkIrqlValue(newIrql);
        if (newIrql < old) {
            throw KeBugCheckEx(BugCheckCode.IRQL_NOT_GREATER_OR_EQUAL, old, newIrql, 0, 9);
        }
        p.irql = newIrql;
        trace.add(Trace.Kind.IRQL, "CPU " + p.number + " raised " + Irql.name(old) + " -> " + Irql.name(newIrql));
        return old;
    }

    /**
     * KeLowerIrql. Lowering to a higher IRQL bug-checks IRQL_NOT_LESS_OR_EQUAL (new, current, 0, 3)
     * as the HAL's check does (ReactOS hal/halx86 KfLowerIrql).
     */
    public void KeLowerIrql(int newIrql) {
        Processor p = processors[current];
        int old = p.irql;
        checkIrqlValue(newIrql);
        if (newIrql > old) {
            throw KeBugCheckEx(BugCheckCode.IRQL_NOT_LESS_OR_EQUAL, newIrql, old, 0, 3);
        }
        p.irql = newIrql;
        trace.add(Trace.Kind.IRQL, "CPU " + p.number + " lowered " + Irql.name(old) + " -> " + Irql.name(newIrql));
        deliverApcs(p);
    }

    private static void checkIrqlValue(int irql) {
        if (irql < 0 || irql > Irql.HIGH_LEVEL) {
            throw new IllegalArgumentException("IRQL " + irql + " is not a valid x64 IRQL (0..15)");
        }
    }

    // ---------------------------------------------------------------- code addresses

    public CodeImage nt() {
        return nt;
    }

    public CodeImage loadImage(String name, long size) {
        long base = images.get(images.size() - 1).base() + images.get(images.size() - 1).size() + 0x10000;
        CodeImage img = new CodeImage(name, base, size, true);
        images.add(img);
        trace.add(Trace.Kind.NOTE, String.format("loaded %s at 0x%X", name, base));
        return img;
    }

    public List<CodeImage> images() {
        return List.copyOf(images);
    }

    public CodeImage imageAt(long address) {
        for (CodeImage img : images) if (img.contains(address)) return img;
        return null;
    }

    /** True when the running code belongs to a driver image (0xD1 rather than 0x0A). */
    public boolean runningDriverCode() {
        CodeImage img = imageAt(processors[current].instructionPointer);
        return img != null && img.isDriver();
    }

    /** Enters code at {@code ip}; returns the previous instruction pointer for {@link #leave}. */
    public long enter(long ip) {
        Processor p = processors[current];
        long old = p.instructionPointer;
        p.instructionPointer = ip;
        return old;
    }

    public void leave(long previousIp) {
        processors[current].instructionPointer = previousIp;
    }

    /** Runs a kernel routine: its code address is nt's, so a fault inside it is the kernel's. */
    public <T> T inKernel(String routine, Supplier<T> body) {
        ensureRunning();
        long old = enter(nt.routine(routine));
        try {
            return body.get();
        } finally {
            leave(old);
        }
    }

    // ---------------------------------------------------------------- structured exception handling

    /** ExRaiseStatus: raises {@code status} at the current code address. */
    public RaisedException ExRaiseStatus(int status) {
        trace.add(Trace.Kind.RAISE, "ExRaiseStatus " + NtStatus.name(status));
        throw new RaisedException(status, processors[current].instructionPointer, 0, 0);
    }

    /** Raises an exception with a full record (the page-fault handler's access violation). */
    public RaisedException raise(int status, long info0, long info1) {
        trace.add(Trace.Kind.RAISE, NtStatus.name(status), info0, info1);
        throw new RaisedException(status, processors[current].instructionPointer, info0, info1);
    }

    /** {@code __try { body } __except (EXCEPTION_EXECUTE_HANDLER) { handler(GetExceptionCode()) }}. */
    public void tryExcept(Runnable body, IntConsumer handler) {
        tryExcept(body, code -> EXCEPTION_EXECUTE_HANDLER, handler);
    }

    /**
     * {@code __try { body } __except (filter(GetExceptionCode())) { handler(code) }}. A filter that
     * returns EXCEPTION_CONTINUE_SEARCH passes the exception on. Bug checks are never caught.
     */
    public void tryExcept(Runnable body, IntUnaryOperator filter, IntConsumer handler) {
        ensureRunning();
        Processor p = processors[current];
        long ip = p.instructionPointer;
        if (p.currentThread != null) p.currentThread.lastExceptionCode = null; // what this __try catches, if anything
        try {
            body.run();
        } catch (RaisedException e) {
            p.instructionPointer = ip;
            if (filter.applyAsInt(e.status) != EXCEPTION_EXECUTE_HANDLER) throw e;
            KThread t = p.currentThread;
            if (t != null) t.lastExceptionCode = e.status;
            trace.add(Trace.Kind.RAISE, "__except caught " + NtStatus.name(e.status));
            handler.accept(e.status);
        }
    }

    /**
     * Runs driver or kernel code with no handler above it: an exception nobody catches ends in
     * KMODE_EXCEPTION_NOT_HANDLED (code, address, ExceptionInformation[0], [1]).
     */
    public void runUnhandledExceptionBoundary(Runnable body) {
        ensureRunning();
        try {
            body.run();
        } catch (RaisedException e) {
            throw KeBugCheckEx(BugCheckCode.KMODE_EXCEPTION_NOT_HANDLED, e.status & 0xFFFFFFFFL, e.address, e.info0, e.info1);
        }
    }
}
