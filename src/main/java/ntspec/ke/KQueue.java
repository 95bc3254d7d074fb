package ntspec.ke;

import ntspec.nt.KernelMemory;
import ntspec.nt.StructType;
import ntspec.nt.StructType.Prim;
import ntspec.nt.StructView;

/**
 * A kernel queue (KQUEUE), the dispatcher object an I/O completion port is: x64 layout of the
 * public symbols ({@code dt nt!_KQUEUE}, 0x40 bytes): Header (Type QueueObject 4, Size 0x10 ULONGs,
 * SignalState = the number of entries queued), EntryListHead +0x18 (the entries, linked through
 * their LIST_ENTRY), CurrentCount +0x28 (threads of the queue that are running), MaximumCount +0x2C
 * (the concurrency limit), ThreadListHead +0x30. After the Windows Research Kernel's ke/queueobj.c
 * and ReactOS ntoskrnl/ke/queue.c (https://github.com/reactos/reactos/blob/master/ntoskrnl/ke/queue.c):
 * KeInitializeQueue, KeInsertQueue (an entry goes to the tail and SignalState counts it),
 * KeReadStateQueue; KeRemoveQueue is {@link Waits#KeRemoveQueue}.
 *
 * <p>Not laid out: the threads associated with the queue (KTHREAD.Queue and the links on
 * ThreadListHead, which stays empty); the association is kept by the kernel, and CurrentCount is
 * maintained from it as KeRemoveQueue does.
 */
public final class KQueue extends StructView {
    /** DISPATCHER_HEADER.Type of a queue (KOBJECTS QueueObject). */
    public static final int QueueObject = 4;
    public static final StructType TYPE = StructType.builder("_KQUEUE", 0x40)
            .struct("Header", 0x00, KEvent.DISPATCHER_HEADER)
            .struct("EntryListHead", 0x18, KThread.LIST_ENTRY)
            .prim("CurrentCount", 0x28, Prim.ULONG)
            .prim("MaximumCount", 0x2C, Prim.ULONG)
            .struct("ThreadListHead", 0x30, KThread.LIST_ENTRY)
            .build();
    static final int ENTRY_LIST_HEAD = 0x18;

    public KQueue(KernelMemory mem, long address) {
        super(mem, address);
    }

    @Override
    public StructType type() {
        return TYPE;
    }

    /** The DISPATCHER_HEADER, viewed as any dispatcher object's header is. */
    KEvent header() {
        return new KEvent(mem, address);
    }

    /**
     * KeInitializeQueue(Queue, Count): the header (QueueObject, Size 0x10, SignalState 0, empty
     * wait list), empty entry and thread lists, CurrentCount 0, MaximumCount = Count, or the number
     * of processors when Count is 0.
     */
    public void initialize(int count, int processors) {
        write(0x0, 1, QueueObject);
        write(0x1, 1, 0);
        write(0x2, 1, TYPE.size() / 4);
        write(0x3, 1, 0);
        write(0x4, 4, 0);
        for (int head : new int[] {0x8, ENTRY_LIST_HEAD, 0x30}) {
            write(head, 8, address + head);
            write(head + 8, 8, address + head);
        }
        write(0x28, 4, 0);
        write(0x2C, 4, count == 0 ? processors : count);
    }

    /** KeReadStateQueue: the number of entries queued (Header.SignalState). */
    public int KeReadStateQueue() {
        return s32(0x4);
    }

    public int CurrentCount() {
        return s32(0x28);
    }

    public int MaximumCount() {
        return s32(0x2C);
    }

    void setCurrentCount(int n) {
        write(0x28, 4, n);
    }

    /** True when no entry is queued (EntryListHead points at itself). */
    public boolean isEmpty() {
        return u64(ENTRY_LIST_HEAD) == address + ENTRY_LIST_HEAD;
    }

    /** The first entry's address (the LIST_ENTRY inside it), or 0. */
    public long firstEntry() {
        return isEmpty() ? 0 : u64(ENTRY_LIST_HEAD);
    }

    /** The number of entries on the list, walked from the head (at most 1,000,000). */
    public int entryCount() {
        int n = 0;
        for (long e = u64(ENTRY_LIST_HEAD); e != address + ENTRY_LIST_HEAD && n < 1_000_000; e = mem.read(e, 8)) n++;
        return n;
    }

    /** KeInsertQueue: the entry at the tail, SignalState + 1; returns the previous SignalState. */
    int insert(long entry) {
        long head = address + ENTRY_LIST_HEAD;
        long last = u64(ENTRY_LIST_HEAD + 8);
        mem.write(entry, 8, head);
        mem.write(entry + 8, 8, last);
        mem.write(last, 8, entry);
        write(ENTRY_LIST_HEAD + 8, 8, entry);
        int previous = s32(0x4);
        write(0x4, 4, previous + 1);
        return previous;
    }

    /** RemoveHeadList of the entry list, SignalState - 1: the entry removed. */
    long removeHead() {
        long head = address + ENTRY_LIST_HEAD;
        long first = u64(ENTRY_LIST_HEAD);
        long next = mem.read(first, 8);
        write(ENTRY_LIST_HEAD, 8, next);
        mem.write(next + 8, 8, head);
        write(0x4, 4, s32(0x4) - 1);
        return first;
    }
}
