package ntspec.mm;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/** The paging file (pagefile.sys number 1): page-sized slots holding contents of pages that left memory. */
public final class PagingFile {
    public static final int NUMBER = 1;
    private final long slots;
    private final BitSet used = new BitSet();
    private final Map<Long, long[]> contents = new HashMap<>();
    private long writes;
    private long reads;

    public PagingFile(long bytes) {
        this.slots = bytes >>> 12;
    }

    public long slots() {
        return slots;
    }

    public long usedSlots() {
        return used.cardinality();
    }

    /** Writes a page (null = zeros); returns the slot, or -1 if the file is full. */
    long write(long[] page) {
        int slot = used.nextClearBit(1); // slot 0 stays unused: offset 0 with file 0 means demand zero
        if (slot >= slots) return -1;
        used.set(slot);
        if (page != null) contents.put((long) slot, page);
        writes++;
        return slot;
    }

    /** Writes a page's contents again into the slot that already holds its older copy. */
    void overwrite(long slot, long[] page) {
        if (page == null) contents.remove(slot);
        else contents.put(slot, page);
        writes++;
    }

    long[] read(long slot) {
        reads++;
        return contents.get(slot);
    }

    void release(long slot) {
        if (slot > 0) {
            used.clear((int) slot);
            contents.remove(slot);
        }
    }

    public long writes() {
        return writes;
    }

    public long reads() {
        return reads;
    }
}
