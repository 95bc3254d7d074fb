package ntspec.ke;

import ntspec.nt.KernelMemory;
import ntspec.nt.StructType;
import ntspec.nt.StructType.Prim;
import ntspec.nt.StructView;

/**
 * A dispatcher event (KEVENT) in simulated memory: its DISPATCHER_HEADER (Type 0 notification, 1
 * synchronization; Size in ULONGs; SignalState) at the x64 offsets of the public symbols.
 */
public final class KEvent extends StructView {
    public static final int NotificationEvent = 0;
    public static final int SynchronizationEvent = 1;
    public static final StructType DISPATCHER_HEADER = StructType.builder("_DISPATCHER_HEADER", 0x18)
            .prim("Type", 0x0, Prim.UCHAR)
            .prim("Signalling", 0x1, Prim.UCHAR)
            .prim("Size", 0x2, Prim.UCHAR)
            .prim("Reserved1", 0x3, Prim.UCHAR)
            .prim("SignalState", 0x4, Prim.LONG)
            .prim("WaitListHead", 0x8, Prim.ULONG64)
            .build();
    public static final StructType TYPE = StructType.builder("_KEVENT", 0x18)
            .struct("Header", 0x0, DISPATCHER_HEADER)
            .build();

    public KEvent(KernelMemory mem, long address) {
        super(mem, address);
    }

    @Override
    public StructType type() {
        return TYPE;
    }

    /** KeInitializeEvent: type, size (in ULONGs), initial state; the wait list empty (pointing at itself). */
    public void initialize(int type, boolean signaled) {
        write(0x0, 1, type);
        write(0x1, 1, 0);
        write(0x2, 1, TYPE.size() / 4);
        write(0x3, 1, 0);
        write(0x4, 4, signaled ? 1 : 0);
        write(0x8, 8, address + 0x8);
        write(0x10, 8, address + 0x8);
    }

    /** Header.Type: NotificationEvent 0, SynchronizationEvent 1. */
    public int Type() {
        return u8(0x0);
    }

    /** Header.SignalState. */
    public int SignalState() {
        return s32(0x4);
    }

    public void setSignalState(int state) {
        write(0x4, 4, state);
    }

    public boolean isSignaled() {
        return s32(0x4) != 0;
    }

    /** KeSetEvent: returns the previous state. */
    public boolean set() {
        boolean old = isSignaled();
        write(0x4, 4, 1);
        return old;
    }

    /** KeClearEvent / KeResetEvent. */
    public boolean reset() {
        boolean old = isSignaled();
        write(0x4, 4, 0);
        return old;
    }
}
