package ntspec.ke;

import ntspec.hw.Cpu;

/** A processor's control block (KPRCB): IRQL, current thread, current code address, and its MMU state. */
public final class Processor {
    public final int number;
    public final Cpu cpu;
    int irql;
    KThread currentThread;
    /** The simulated instruction pointer: which routine (kernel or driver) is running. */
    long instructionPointer;
    /** The return address of the kernel routine running (its caller's code address), 0 outside one. */
    long returnAddress;
    /** The name of the kernel routine running, or null. */
    String kernelRoutine;
    /** Running a DPC: no thread context, so an exception nobody handles is 0x1E. */
    boolean inDpc;

    Processor(int number, Cpu cpu) {
        this.number = number;
        this.cpu = cpu;
    }

    public int irql() {
        return irql;
    }

    public KThread currentThread() {
        return currentThread;
    }

    public boolean inDpc() {
        return inDpc;
    }

    public long instructionPointer() {
        return instructionPointer;
    }
}
