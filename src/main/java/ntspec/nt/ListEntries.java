package ntspec.nt;

import java.util.ArrayList;
import java.util.List;

/**
 * Doubly linked LIST_ENTRY lists in simulated memory, as wdm.h's inline routines manipulate them
 * (InitializeListHead, InsertTailList, InsertHeadList, RemoveEntryList, RemoveHeadList,
 * IsListEmpty). Since Windows 8 the inserts and removes check the neighbours' links first and
 * __fastfail(FAST_FAIL_CORRUPT_LIST_ENTRY) on a mismatch: bug check KERNEL_SECURITY_CHECK_FAILURE
 * (0x139) with parameter 1 = 3
 * (https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x139--kernel-security-check-failure).
 * The failure is reported through {@link Corrupt}, so this class needs no kernel.
 */
public final class ListEntries {
    /** What a failed link check does (the kernel's __fastfail). */
    @FunctionalInterface
    public interface Corrupt {
        RuntimeException fastFail(long entry);
    }

    private final KernelMemory memory;
    private final Corrupt corrupt;

    public ListEntries(KernelMemory memory, Corrupt corrupt) {
        this.memory = memory;
        this.corrupt = corrupt;
    }

    private long flink(long e) {
        return memory.read(e, 8);
    }

    private long blink(long e) {
        return memory.read(e + 8, 8);
    }

    public void InitializeListHead(long head) {
        memory.write(head, 8, head);
        memory.write(head + 8, 8, head);
    }

    public boolean IsListEmpty(long head) {
        return flink(head) == head;
    }

    public void InsertTailList(long head, long entry) {
        long last = blink(head);
        if (flink(last) != head) throw corrupt.fastFail(head);
        memory.write(entry, 8, head);
        memory.write(entry + 8, 8, last);
        memory.write(last, 8, entry);
        memory.write(head + 8, 8, entry);
    }

    public void InsertHeadList(long head, long entry) {
        long first = flink(head);
        if (blink(first) != head) throw corrupt.fastFail(head);
        memory.write(entry, 8, first);
        memory.write(entry + 8, 8, head);
        memory.write(first + 8, 8, entry);
        memory.write(head, 8, entry);
    }

    /** RemoveEntryList: unlinks entry; TRUE when the list is then empty. The entry's own links are left as they were. */
    public boolean RemoveEntryList(long entry) {
        long next = flink(entry);
        long prev = blink(entry);
        if (blink(next) != entry || flink(prev) != entry) throw corrupt.fastFail(entry);
        memory.write(prev, 8, next);
        memory.write(next + 8, 8, prev);
        return next == prev;
    }

    /** RemoveHeadList: unlinks and returns the first entry (the head itself when the list is empty). */
    public long RemoveHeadList(long head) {
        long entry = flink(head);
        long next = flink(entry);
        if (blink(entry) != head || blink(next) != entry) throw corrupt.fastFail(head);
        memory.write(head, 8, next);
        memory.write(next + 8, 8, head);
        return entry;
    }

    /** The entries after head, in order (at most {@code limit}: a circular corruption does not loop for ever). */
    public List<Long> entries(long head, int limit) {
        List<Long> out = new ArrayList<>();
        for (long e = flink(head); e != head && out.size() < limit; e = flink(e)) out.add(e);
        return out;
    }
}
