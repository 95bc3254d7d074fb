package ntspec.ke;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.IntUnaryOperator;
import java.util.function.Supplier;
import ntspec.hw.Cpu;
import ntspec.nt.KernelMemory;
import ntspec.trace.Trace;

/**
 * The kernel (ke): processors and their IRQL, the current thread and process, process attach,
 * kernel APCs, structured exception handling, KeBugCheckEx, and the code of loaded images (which
 * routine lives at which code address). One per machine.
 */
public final class Kernel {
    /** Where nt's code lives; kernel routines get code addresses inside it. */
    public static final long NT_BASE = 0xFFFFF800_02A00000L;
    public static final int EXCEPTION_EXECUTE_HANDLER = 1;
    public static final int EXCEPTION_CONTINUE_SEARCH = 0;
    /** x64 SYNCH_LEVEL on a multiprocessor (IPI_LEVEL - 2), where the dispatcher lock is taken. */
    public static final int SYNCH_LEVEL = 12;

    private final Trace trace;
    private final Processor[] processors;
    private final List<CodeImage> images = new ArrayList<>();
    private final List<CodeImage> unloadedImages = new ArrayList<>();
    private final CodeImage nt;
    private final Map<Long, Object> routines = new HashMap<>();
    private final Map<Object, Long> routineAddresses = new IdentityHashMap<>();
    private final Map<Long, String> routineNames = new HashMap<>();
    private final Map<Long, KThread> threads = new HashMap<>();
    private int current;
    private BugCheck bugCheck;
    /** Each processor's idle thread (what it runs while its thread waits), set as the process manager creates them. */
    private final KThread[] idleThreads;
    /** The machine's pending work, in the order it became due (see {@link Waits}). */
    private final java.util.ArrayDeque<PendingWork> pendingWork = new java.util.ArrayDeque<>();
    /** KeQueryInterruptTime: 100 ns units since boot; it advances only while a thread waits out a timeout. */
    private long interruptTime;
    /** The dispatcher: KeWaitForSingleObject and the event routines. */
    public final Waits waits = new Waits(this);

    public Kernel(Trace trace, int processorCount, long systemDirectoryTableBase) {
        this.trace = trace;
        this.processors = new Processor[processorCount];
        for (int i = 0; i < processorCount; i++) {
            processors[i] = new Processor(i, new Cpu(i, systemDirectoryTableBase));
        }
        this.nt = new CodeImage("nt", NT_BASE, 0x800000, false);
        images.add(nt);
        this.idleThreads = new KThread[processorCount];
    }

    // ---------------------------------------------------------------- idle threads, pending work, time

    /** Records processor n's idle thread (the process manager creates them at boot). */
    public void setIdleThread(int n, KThread thread) {
        idleThreads[n] = thread;
    }

    /** Processor n's idle thread, or null before the process manager made it. */
    public KThread idleThread(int n) {
        return idleThreads[n];
    }

    /**
     * Something the machine will do by itself once time passes: a device finishing the transfer a
     * driver started and interrupting, whose DPC completes the request. {@code work} receives the
     * processor that is free to run it (the one whose thread blocked in a wait).
     */
    public record PendingWork(String what, IntConsumer work) {
    }

    /** Queues pending work; it runs, in order, while a thread blocks in a wait (see {@link Waits}). */
    public void queuePendingWork(String what, IntConsumer work) {
        pendingWork.addLast(new PendingWork(what, work));
        trace.add(Trace.Kind.NOTE, "pending: " + what);
    }

    /** The pending work not yet run. */
    public List<PendingWork> pendingWork() {
        return List.copyOf(pendingWork);
    }

    PendingWork nextPendingWork() {
        return pendingWork.pollFirst();
    }

    /** KeQueryInterruptTime, in 100 ns units since boot. */
    public long KeQueryInterruptTime() {
        return interruptTime;
    }

    void advanceInterruptTime(long to) {
        if (to > interruptTime) interruptTime = to;
    }

    int currentProcessorNumber() {
        return current;
    }

    void setCurrentProcessorNumber(int n) {
        current = n;
    }

    void deliverApcsOn(Processor p) {
        deliverApcs(p);
    }

    /**
     * A wait nothing in the machine can ever satisfy: the thread sleeps forever, recorded as a hang.
     * Unlike {@link #hang(String)} no watchdog fires, whatever the thread's IRQL: the processor left
     * the waiting thread and runs its idle thread.
     */
    RuntimeException waitsForever(String where) {
        hang = where;
        trace.add(Trace.Kind.NOTE, "thread hangs: " + where);
        throw new ThreadHungException(where);
    }

    public Trace trace() {
        return trace;
    }

    // ---------------------------------------------------------------- bug checks

    /** Throws {@link MachineHaltedException} once the machine has bug-checked. */
    public void ensureRunning() {
        if (bugCheck != null) throw new MachineHaltedException(bugCheck);
        if (hang != null) throw new MachineHaltedException(hang);
        if (assertion != null) throw new MachineHaltedException(assertion.toString());
    }

    private String hang;
    private String faultingIp;
    private String faultingImage;

    /** The routine running when the machine bug-checked (nt!Routine, or image+offset), or null. */
    public String faultingIp() {
        return faultingIp;
    }

    /** The driver image the bug check is charged to (the code running, or the driver that called the kernel). */
    public String faultingImage() {
        return faultingImage;
    }
    private boolean checkedBuild;
    private Assertion assertion;

    /** A failed ASSERT of the checked kernel: the expression, the routine it is in, the image that called it. */
    public record Assertion(String expression, String routine, String caller) {
        @Override
        public String toString() {
            return "*** Assertion failed: " + expression + " in " + routine + " (called from " + caller + ")";
        }
    }

    /**
     * The checked ("debug") kernel: the ASSERTs Microsoft documents for the kernel's routines fire
     * (https://learn.microsoft.com/windows-hardware/drivers/devtest/checked-build-asserts) instead of
     * being compiled out as in the free build.
     */
    public void setCheckedBuild(boolean on) {
        checkedBuild = on;
    }

    public boolean isCheckedBuild() {
        return checkedBuild;
    }

    /** The assertion that stopped the machine, or null. */
    public Assertion assertion() {
        return assertion;
    }

    /**
     * ASSERT(condition): nothing in the free build; in the checked build a false condition breaks
     * into the debugger with the expression, and the machine stops there (recorded, like a bug
     * check).
     */
    public void ASSERT(boolean condition, String expression) {
        if (!checkedBuild || condition) return;
        CodeImage caller = callersImage();
        Processor p = processors[current];
        assertion = new Assertion(expression, p.kernelRoutine != null ? "nt!" + p.kernelRoutine : symbol(p.instructionPointer),
                caller == null ? "nt" : caller.name());
        trace.add(Trace.Kind.BUGCHECK, assertion.toString());
        throw new AssertionBreak(assertion);
    }

    /** Unwinds the machine after a failed ASSERT of the checked kernel: the debugger has the machine now. */
    public static final class AssertionBreak extends RuntimeException {
        public final Assertion assertion;

        AssertionBreak(Assertion assertion) {
            super(assertion.toString(), null, false, true);
            this.assertion = assertion;
        }
    }

    /** Where the current thread hung, or null. */
    public String hang() {
        return hang;
    }

    /**
     * The current thread would never return (it walks a circular list, say). At DISPATCH_LEVEL or
     * above the DPC watchdog ends it: DPC_WATCHDOG_VIOLATION (0x133) with parameter 1 = 1, the
     * cumulative timeout, and 0x1E00 ticks (120 s) as the watchdog period
     * (https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x133-dpc-watchdog-violation).
     * Below it nothing bug-checks: the thread spins, recorded as a hang.
     */
    public RuntimeException hang(String where) {
        ensureRunning();
        if (KeGetCurrentIrql() >= Irql.DISPATCH_LEVEL) throw KeBugCheckEx(BugCheckCode.DPC_WATCHDOG_VIOLATION, 1, 0x1E00, 0, 0);
        hang = where;
        trace.add(Trace.Kind.NOTE, "thread hangs: " + where);
        throw new ThreadHungException(where);
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
        // Where the machine stopped, before unwinding restores the processors' state: the routine
        // running and the image that called it (what !analyze shows as FAULTING_IP and IMAGE_NAME).
        Processor p = processors[current];
        CodeImage caller = callersImage();
        CodeImage here = imageAt(p.instructionPointer);
        faultingIp = p.kernelRoutine != null ? "nt!" + p.kernelRoutine : symbol(p.instructionPointer);
        faultingImage = here != null && here.isDriver() ? here.name() : caller != null ? caller.name() : "ntoskrnl.exe";
        bugCheck = new BugCheck(code, p1, p2, p3, p4);
        trace.add(Trace.Kind.BUGCHECK, bugCheck.toString());
        throw new BugCheckException(bugCheck);
    }

    // ---------------------------------------------------------------- time

    /**
     * KeDelayExecutionThread(KernelMode, FALSE, Interval) with a relative interval of {@code hundredNs}:
     * the current thread sleeps that long. Nothing else in this machine runs meanwhile, so the
     * clock simply moves on.
     */
    public void KeDelayExecutionThread(long hundredNs) {
        ensureRunning();
        interruptTime += hundredNs;
    }

    /**
     * __fastfail(code): int 29h, which x64 Windows turns into KERNEL_SECURITY_CHECK_FAILURE (0x139)
     * with the code, the trap frame and the exception record (both on the kernel stack) and 0
     * (https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x139--kernel-security-check-failure).
     */
    public BugCheckException fastFail(int code) {
        KThread t = currentThread();
        long stackTop = 0xFFFFF600_00000000L + ((t == null ? 0 : t.threadId) << 16);
        return KeBugCheckEx(BugCheckCode.KERNEL_SECURITY_CHECK_FAILURE, code, stackTop - 0x1A0, stackTop - 0xF8, 0);
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

    /** Registers a thread object so IRPs and APCs can name it by its address. */
    public void registerThread(KThread thread) {
        threads.put(thread.address, thread);
    }

    /** The threads of a process (every thread the kernel knows whose KTHREAD.Process is it), oldest first. */
    public List<KThread> threadsOf(KProcess process) {
        List<KThread> out = new ArrayList<>();
        for (KThread t : threads.values()) if (t.process == process) out.add(t);
        out.sort(java.util.Comparator.comparingLong(t -> t.threadId));
        return out;
    }

    /** Every thread the kernel knows, oldest first. */
    public List<KThread> allThreads() {
        List<KThread> out = new ArrayList<>(threads.values());
        out.sort(java.util.Comparator.comparingLong(t -> t.threadId));
        return out;
    }

    /**
     * Runs body in {@code thread}: on the processor it is running on, or else made current on
     * processor 0 (the scheduler runs it there), as code the thread itself executes (its exit path).
     */
    public void runOnThread(KThread thread, Runnable body) {
        int saved = current;
        Processor p = processorOf(thread);
        if (p != null) {
            current = p.number;
        } else {
            current = 0;
            switchTo(thread);
        }
        try {
            body.run();
        } finally {
            current = saved;
        }
    }

    /** The thread whose object is at address, or null. */
    public KThread threadAt(long address) {
        return threads.get(address);
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

    // ---------------------------------------------------------------- user APCs

    /** A KAPC's KernelRoutine in this machine: code that receives the KAPC's address (it may free it). */
    public interface ApcKernelRoutine {
        void run(long apc);
    }

    /**
     * A user-mode routine: what a user APC's NormalRoutine points at, called in user mode as
     * {@code NormalRoutine(NormalContext, SystemArgument1, SystemArgument2)} by KiUserApcDispatcher.
     */
    public interface UserRoutine {
        void call(long normalContext, long systemArgument1, long systemArgument2);
    }

    private final Map<String, CodeImage> userImages = new java.util.LinkedHashMap<>();

    /**
     * The user-mode image {@code name} (app.exe, kernel32.dll): code addresses in the user half of
     * the address space, below 0x7FFF'FFFF'0000, for the routines user-mode code hands the kernel
     * (a user APC's NormalRoutine). Its code is not in simulated memory: the routines are Java.
     */
    public CodeImage userImage(String name) {
        return userImages.computeIfAbsent(name, n -> {
            return new CodeImage(n, 0x00007FF7_00000000L + (long) userImages.size() * 0x0100_0000L, 0x0080_0000L, false);
        });
    }

    /**
     * KeInitializeApc + KeInsertQueueApc of a user-mode APC whose KAPC is at {@code apc}: Type
     * ApcObject, Size 0x58, Thread, KernelRoutine, NormalRoutine, NormalContext, the two system
     * arguments, ApcMode UserMode, Inserted; the KAPC goes to the tail of the thread's
     * ApcState.ApcListHead[UserMode] in memory (https://github.com/reactos/reactos/blob/master/ntoskrnl/ke/apc.c,
     * KiInsertQueueApc). It runs when the thread next returns to user mode with UserApcPending set:
     * after an alertable wait ({@link Waits}), never in a non-alertable one.
     */
    public void KeInsertQueueUserApc(KThread thread, long apc, long kernelRoutine, long normalRoutine, long normalContext,
                                     long systemArgument1, long systemArgument2) {
        KernelMemory m = thread.memory();
        m.write(apc, 1, 0x12);
        m.write(apc + 0x01, 1, 0);
        m.write(apc + 0x02, 1, 0x58);
        m.write(apc + 0x08, 8, thread.address);
        m.write(apc + 0x20, 8, kernelRoutine);
        m.write(apc + 0x28, 8, 0);
        m.write(apc + 0x30, 8, normalRoutine);
        m.write(apc + 0x38, 8, normalContext);
        m.write(apc + 0x40, 8, systemArgument1);
        m.write(apc + 0x48, 8, systemArgument2);
        m.write(apc + 0x50, 1, 0);
        m.write(apc + 0x51, 1, 1);
        int old = KeGetCurrentIrql();
        if (old < SYNCH_LEVEL) setIrql(SYNCH_LEVEL);
        long head = thread.userApcListHead();
        long last = m.read(head + 8, 8);
        long entry = apc + 0x10;
        m.write(entry, 8, head);
        m.write(entry + 8, 8, last);
        m.write(last, 8, entry);
        m.write(head + 8, 8, entry);
        m.write(apc + 0x52, 1, 1);
        if (old < SYNCH_LEVEL) setIrql(old);
        trace.add(Trace.Kind.NOTE, "user APC " + symbol(normalRoutine) + " queued to " + thread + " (KAPC " + Trace.hex(apc) + ")");
    }

    /**
     * The current thread returns to user mode: while ApcState.UserApcPending is set, KiDeliverApc
     * takes the first user APC off ApcListHead[UserMode], runs its KernelRoutine at APC_LEVEL (which
     * frees the IRP or the KAPC), then the NormalRoutine in user mode at PASSIVE_LEVEL
     * (KiUserApcDispatcher); its NtContinue tests for alerts again (KeTestAlertThread(UserMode)), so
     * every APC queued runs, in order, before the service's caller sees its return value. Returns
     * the number of APCs run.
     */
    public int deliverUserApcs() {
        KThread t = currentThread();
        if (t == null) return 0;
        KernelMemory m = t.memory();
        Processor p = processors[current];
        int n = 0;
        while (t.userApcPending() && bugCheck == null && hang == null) {
            t.setUserApcPending(false);
            if (t.userApcQueueEmpty()) break;
            long head = t.userApcListHead();
            long entry = m.read(head, 8);
            long next = m.read(entry, 8);
            m.write(head, 8, next);
            m.write(next + 8, 8, head);
            long apc = entry - 0x10;
            m.write(apc + 0x52, 1, 0);
            long kernelRoutine = m.read(apc + 0x20, 8);
            long normalRoutine = m.read(apc + 0x30, 8);
            long normalContext = m.read(apc + 0x38, 8);
            long argument1 = m.read(apc + 0x40, 8);
            long argument2 = m.read(apc + 0x48, 8);
            int old = p.irql;
            setIrql(Irql.APC_LEVEL);
            if (routineAt(kernelRoutine) instanceof ApcKernelRoutine k) {
                long ip = enter(kernelRoutine);
                try {
                    k.run(apc);
                } finally {
                    leave(ip);
                }
            }
            setIrql(old);
            if (routineAt(normalRoutine) instanceof UserRoutine u) {
                trace.add(Trace.Kind.NOTE, "KiUserApcDispatcher: " + symbol(normalRoutine) + " in user mode in " + t);
                long ip = enter(normalRoutine);
                long savedReturn = p.returnAddress;
                String savedRoutine = p.kernelRoutine;
                p.kernelRoutine = null;
                p.returnAddress = 0;
                try {
                    u.call(normalContext, argument1, argument2);
                } catch (RaisedException e) {
                    // An exception in the user routine that nothing in user mode handles: kernel32's
                    // UnhandledExceptionFilter ends the process with its code (NtTerminateProcess),
                    // and the call the thread was in never returns to it
                    // (https://learn.microsoft.com/windows/win32/api/errhandlingapi/nf-errhandlingapi-unhandledexceptionfilter).
                    trace.add(Trace.Kind.NOTE, "unhandled " + NtStatus.name(e.status) + " in user mode in " + symbol(normalRoutine)
                            + ": the process ends");
                    throw new UserModeCrash(t, e.status);
                } finally {
                    leave(ip);
                    p.returnAddress = savedReturn;
                    p.kernelRoutine = savedRoutine;
                }
            } else {
                trace.add(Trace.Kind.NOTE, "user APC " + Trace.hex(apc) + ": NormalRoutine " + symbol(normalRoutine) + " is no user routine; nothing runs");
            }
            n++;
            if (!t.userApcQueueEmpty()) t.setUserApcPending(true);
        }
        return n;
    }

    public void KeStackAttachProcess(KProcess process, KApcState apcState) {
        KThread t = currentThread();
        apcState.savedProcess = t.apcStateProcess;
        apcState.savedAttached = t.attached;
        apcState.inUse = true;
        t.setApcStateProcess(process);
        t.attached = process != t.process;
        processors[current].cpu.loadCr3(process.directoryTableBase);
        trace.add(Trace.Kind.NOTE, "KeStackAttachProcess " + process.name);
    }

    public void KeUnstackDetachProcess(KApcState apcState) {
        KThread t = currentThread();
        t.setApcStateProcess(apcState.savedProcess);
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
     * KeRaiseIrql as wdm.h defines it for x64: an inline that reads CR8 and writes the new value
     * (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-keraiseirql). The free
     * build checks nothing: raising to a lower IRQL simply lowers it (the HAL checks of ReactOS's x86
     * KfRaiseIrql do not exist on x64; Driver Verifier reports the misuse as 0xC4/0x30). A KIRQL is a
     * UCHAR; a value above 15 sets reserved bits of CR8, which is a #GP (Intel SDM 2.5, "CR8"),
     * dispatched as STATUS_ACCESS_VIOLATION.
     */
    public int KeRaiseIrql(int newIrql) {
        Processor p = processors[current];
        int old = p.irql;
        writeCr8(newIrql & 0xFF, "raised");
        return old;
    }

    /** KeLowerIrql as the x64 wdm.h inline: writes CR8, whatever the current value (see KeRaiseIrql). */
    public void KeLowerIrql(int newIrql) {
        writeCr8(newIrql & 0xFF, "lowered");
    }

    /** Kernel code raising or lowering IRQL in its own correct pairs (spin locks, DPCs, APC delivery). */
    public void setIrql(int irql) {
        writeCr8(irql, irql >= processors[current].irql ? "raised" : "lowered");
    }

    private void writeCr8(int newIrql, String verb) {
        ensureRunning();
        Processor p = processors[current];
        if (newIrql > Irql.HIGH_LEVEL) {
            trace.add(Trace.Kind.IRQL, "CPU " + p.number + " MOV CR8, " + newIrql + ": reserved bits set, #GP");
            throw raise(NtStatus.STATUS_ACCESS_VIOLATION, 0, -1L);
        }
        int old = p.irql;
        p.irql = newIrql;
        trace.add(Trace.Kind.IRQL, "CPU " + p.number + " " + verb + " " + Irql.name(old) + " -> " + Irql.name(newIrql));
        if (newIrql < old) deliverApcs(p);
    }

    // ---------------------------------------------------------------- code addresses

    public CodeImage nt() {
        return nt;
    }

    public CodeImage loadImage(String name, long size) {
        CodeImage last = images.get(images.size() - 1);
        for (CodeImage u : unloadedImages) if (u.base() + u.size() > last.base() + last.size()) last = u;
        long base = last.base() + last.size() + 0x10000;
        CodeImage img = new CodeImage(name, base, size, true);
        images.add(img);
        trace.add(Trace.Kind.NOTE, String.format("loaded %s at 0x%X", name, base));
        return img;
    }

    /** Unloads an image: its code addresses stop being code, and a call into them faults (0xCE). */
    private final List<java.util.function.Consumer<CodeImage>> unloadHooks = new ArrayList<>();

    /** Called as each image unloads, before its code goes (MmUnloadSystemImage's callers: Driver Verifier's leak checks). */
    public void addImageUnloadHook(java.util.function.Consumer<CodeImage> hook) {
        unloadHooks.add(hook);
    }

    public void unloadImage(CodeImage image) {
        if (!images.contains(image)) return;
        for (var hook : unloadHooks) hook.accept(image);
        if (!images.remove(image)) return;
        unloadedImages.add(image);
        routines.keySet().removeIf(image::contains);
        routineAddresses.values().removeIf(image::contains);
        routineNames.keySet().removeIf(image::contains);
        trace.add(Trace.Kind.NOTE, String.format("unloaded %s (0x%X..0x%X)", image.name(), image.base(), image.base() + image.size()));
    }

    public List<CodeImage> images() {
        return List.copyOf(images);
    }

    public CodeImage imageAt(long address) {
        for (CodeImage img : images) if (img.contains(address)) return img;
        for (CodeImage img : userImages.values()) if (img.contains(address)) return img;
        return null;
    }

    /** The unloaded image whose range holds address (what 0xCE and 0xD4 name), or null. */
    public CodeImage unloadedImageAt(long address) {
        if (imageAt(address) != null) return null;
        for (CodeImage img : unloadedImages) if (img.contains(address)) return img;
        return null;
    }

    public boolean isUnloadedImageAddress(long address) {
        return unloadedImageAt(address) != null;
    }

    /**
     * The code address of a driver's routine (a dispatch, completion or DPC routine given as a Java
     * object): the same object always gets the same address, at the routine's name in its image.
     */
    public long registerRoutine(CodeImage image, String name, Object routine) {
        Long known = routineAddresses.get(routine);
        if (known != null) return known;
        long address = image.routine(name);
        while (routines.containsKey(address) && routines.get(address) != routine) address += 0x10;
        routines.put(address, routine);
        routineAddresses.put(routine, address);
        routineNames.put(address, image.name() + "!" + name);
        return address;
    }

    /** The routine whose code starts at address, or null (not code, or code of an unloaded image). */
    public Object routineAt(long address) {
        return routines.get(address);
    }

    /** The name of the routine at a code address, as a debugger symbolises it ("Filter.sys!OnComplete", "Filter.sys+0x1f40"). */
    public String symbol(long address) {
        if (address == 0) return "0";
        String name = routineNames.get(address);
        if (name != null) return name;
        CodeImage img = imageAt(address);
        if (img != null) return img.name() + "+0x" + Long.toHexString(address - img.base());
        CodeImage gone = unloadedImageAt(address);
        if (gone != null) return "<Unloaded_" + gone.name() + ">+0x" + Long.toHexString(address - gone.base());
        return String.format("0x%X", address);
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
        Processor p = processors[current];
        long savedReturn = p.returnAddress;
        String savedRoutine = p.kernelRoutine;
        long old = enter(nt.routine(routine));
        p.returnAddress = old;
        p.kernelRoutine = routine;
        try {
            return body.get();
        } finally {
            leave(old);
            p.returnAddress = savedReturn;
            p.kernelRoutine = savedRoutine;
        }
    }

    /**
     * The image whose code called the kernel routine now running (RtlGetCallersAddress: the return
     * address on the stack), or null outside a kernel routine or when the caller is no image.
     */
    public CodeImage callersImage() {
        return imageAt(processors[current].returnAddress);
    }

    /** The return address of the kernel routine running: the code address of its caller. */
    public long currentReturnAddress() {
        return processors[current].returnAddress;
    }

    /** Runs body as a DPC on the current processor: the code that runs there has no thread context. */
    public void inDpc(Runnable body) {
        Processor p = processors[current];
        boolean old = p.inDpc;
        p.inDpc = true;
        try {
            body.run();
        } finally {
            p.inDpc = old;
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
     * A system service called from the current thread: it runs as nt's routine {@code name}, with the
     * service's exception frame at its base ({@link #runUnhandledExceptionBoundary}); on the way back
     * to user mode the thread runs the user APCs an alertable wait inside the service let pend
     * (KiServiceExit tests UserApcPending). Returns what the service returned.
     */
    public <T> T systemService(String name, java.util.function.Supplier<T> body) {
        ensureRunning();
        Object[] r = new Object[1];
        long ip = enter(nt().routine(name));
        try {
            runUnhandledExceptionBoundary(() -> r[0] = body.get());
        } finally {
            leave(ip);
        }
        deliverUserApcs();
        @SuppressWarnings("unchecked")
        T t = (T) r[0];
        return t;
    }

    /**
     * The frame at the base of kernel code that no driver handler covers. An exception nobody catches
     * ends as Windows ends it on x64: in a system service (driver code reached from a user thread's
     * system call) SYSTEM_SERVICE_EXCEPTION 0x3B (code, address, context record, 0); in a system
     * thread SYSTEM_THREAD_EXCEPTION_NOT_HANDLED 0x7E (code, address, exception record, context
     * record); with no handler at all, as in a DPC, KMODE_EXCEPTION_NOT_HANDLED 0x1E (code, address,
     * ExceptionInformation[0], [1]). Bug-check pages 0x3B, 0x7E and 0x1E on learn.microsoft.com;
     * https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-code-reference2.
     */
    public void runUnhandledExceptionBoundary(Runnable body) {
        ensureRunning();
        try {
            body.run();
        } catch (RaisedException e) {
            Processor p = processors[current];
            KThread t = p.currentThread;
            long code = e.status & 0xFFFFFFFFL;
            if (p.inDpc || t == null) {
                throw KeBugCheckEx(BugCheckCode.KMODE_EXCEPTION_NOT_HANDLED, code, e.address, e.info0, e.info1);
            }
            // The records live on the thread's kernel stack (not simulated): their addresses are below its top.
            long stackTop = 0xFFFFF600_00000000L + (t.threadId << 16);
            long exceptionRecord = stackTop - 0x6A0;
            long contextRecord = stackTop - 0x5D0;
            if (t.isSystemThread()) {
                throw KeBugCheckEx(BugCheckCode.SYSTEM_THREAD_EXCEPTION_NOT_HANDLED, code, e.address, exceptionRecord, contextRecord);
            }
            throw KeBugCheckEx(BugCheckCode.SYSTEM_SERVICE_EXCEPTION, code, e.address, contextRecord, 0);
        }
    }
}
