package ntspec.io;

import ntspec.ke.KEvent;
import ntspec.ke.KThread;
import ntspec.mm.Mdl;

/**
 * An I/O request packet (IRP) with its stack locations. Field names are wdm.h's; C unions and
 * nested structures become small member objects ({@code irp.IoStatus.Information},
 * {@code irp.AssociatedIrp.SystemBuffer}, {@code irp.Tail.Overlay.Thread}).
 */
public class Irp {
    /** Where the IRP lives in nonpaged pool. */
    public final long address;
    public final short Type = IoConstants.IO_TYPE_IRP;
    public final int Size;
    public final int StackCount;
    /** 1-based; StackCount + 1 when no driver owns a location (before IoCallDriver, after completion). */
    public int CurrentLocation;
    public int Flags;
    public int AllocationFlags;
    public Mdl MdlAddress;
    public final AssociatedIrpUnion AssociatedIrp = new AssociatedIrpUnion();
    public long UserBuffer;
    public final IoStatusBlock IoStatus = new IoStatusBlock();
    public int RequestorMode;
    public boolean PendingReturned;
    public boolean Cancel;
    /** UserIosb: where stage 2 writes the IO_STATUS_BLOCK (a user or kernel address, 0 for none). */
    public long UserIosb;
    public KEvent UserEvent;
    public final TailUnion Tail = new TailUnion();
    final IoStackLocation[] stack;
    /** Set once stage 2 freed the IRP (or IoFreeIrp did). */
    boolean freed;
    /** Stage 1 has run to the end for this IRP (a later IoCompleteRequest is a second completion). */
    boolean completed;

    public static final class AssociatedIrpUnion {
        public long SystemBuffer;
    }

    public static final class IoStatusBlock {
        public int Status;
        public long Information;
    }

    public static final class TailUnion {
        public final Overlay Overlay = new Overlay();
    }

    public static final class Overlay {
        public KThread Thread;
        public FileObject OriginalFileObject;
    }

    /** An IRP without stack locations (the MDL routines' tests chain MDLs on it). */
    public Irp(long address) {
        this(address, 0);
    }

    public Irp(long address, int stackSize) {
        this.address = address;
        this.StackCount = stackSize;
        this.Size = IoConstants.SIZEOF_IRP + stackSize * IoConstants.SIZEOF_IO_STACK_LOCATION;
        this.CurrentLocation = stackSize + 1;
        this.stack = new IoStackLocation[stackSize];
        for (int i = 0; i < stackSize; i++) {
            stack[i] = new IoStackLocation(address + IoConstants.SIZEOF_IRP + (long) i * IoConstants.SIZEOF_IO_STACK_LOCATION);
        }
    }

    /** Stack location {@code location} (1-based, as CurrentLocation counts), or null outside 1..StackCount. */
    public IoStackLocation location(int location) {
        return location >= 1 && location <= StackCount ? stack[location - 1] : null;
    }

    public boolean isFreed() {
        return freed;
    }

    @Override
    public String toString() {
        return String.format("IRP %X", address);
    }
}
