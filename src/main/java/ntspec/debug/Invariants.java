package ntspec.debug;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import ntspec.Machine;
import ntspec.hw.PhysicalMemory;
import ntspec.hw.Pte;
import ntspec.mm.EProcess;
import ntspec.mm.Pfn;
import ntspec.mm.PfnDatabase;
import ntspec.mm.Pool;

/**
 * The memory manager's conservation laws, checked against the machine's state (what a checked
 * build's consistency checks and {@code !memusage} / {@code !sysptes} would say): the page lists add
 * up and hold only unreferenced pages; no valid PTE maps a frame that is free; reference, share and
 * lock counts are never negative; system PTEs in use match their bitmap; pool bytes match the live
 * allocations; MmSystemLockPagesCount counts the locked pages. Returns the violations, empty when
 * the machine is consistent.
 */
public final class Invariants {
    private final Machine machine;
    private final PfnDatabase db;
    private final List<String> violations = new ArrayList<>();

    private Invariants(Machine machine) {
        this.machine = machine;
        this.db = machine.mm.pfnDb;
    }

    public static List<String> check(Machine machine) {
        Invariants i = new Invariants(machine);
        i.lists();
        i.counts();
        i.mappings();
        i.systemPtes();
        i.pool();
        return i.violations;
    }

    private void fail(String what, Object... args) {
        if (violations.size() < 20) violations.add(String.format(what, args));
    }

    private static final byte[] LISTS = {Pfn.ZERO_PAGE_LIST, Pfn.FREE_PAGE_LIST, Pfn.STANDBY_PAGE_LIST, Pfn.MODIFIED_PAGE_LIST};

    /** Each list is well linked, its count is its length, and it holds only pages nobody references. */
    private void lists() {
        java.util.BitSet seen = new java.util.BitSet();
        long listed = 0;
        for (byte list : LISTS) {
            long n = 0;
            long prev = -1;
            for (long pfn = db.head(list); pfn >= 0; pfn = db.next(pfn)) {
                if (pfn > Integer.MAX_VALUE || seen.get((int) pfn)) {
                    fail("PFN %X is on a list twice (or on two lists)", pfn);
                    return;
                }
                seen.set((int) pfn);
                if (db.previous(pfn) != prev) fail("PFN %X: Blink %X, expected %X", pfn, db.previous(pfn), prev);
                if (db.location(pfn) != list) fail("PFN %X on the %s list says %s", pfn, Pfn.locationName(list), Pfn.locationName(db.location(pfn)));
                if (db.referenceCount(pfn) != 0 || db.shareCount(pfn) != 0) {
                    fail("PFN %X on the %s list has reference %d, share %d", pfn, Pfn.locationName(list), db.referenceCount(pfn), db.shareCount(pfn));
                }
                prev = pfn;
                n++;
            }
            if (n != db.listedCount(list)) fail("the %s list holds %d pages, its count says %d", Pfn.locationName(list), n, db.listedCount(list));
            listed += n;
        }
        long managed = db.frameCount() - db.firstUsable();
        if (listed + db.freshCount() > managed) fail("lists and never-used frames (%d) exceed the managed frames (%d)", listed + db.freshCount(), managed);
    }

    /** No count is negative; MmSystemLockPagesCount is the number of locked pages; process charges are not negative. */
    private void counts() {
        long[] locked = {0};
        db.forEachEntry(pfn -> {
            if (db.referenceCount(pfn) < 0 || db.shareCount(pfn) < 0 || db.lockCount(pfn) < 0) {
                fail("PFN %X: reference %d, share %d, lock %d", pfn, db.referenceCount(pfn), db.shareCount(pfn), db.lockCount(pfn));
            }
            if (db.lockCount(pfn) > 0) locked[0]++;
        });
        if (locked[0] != machine.mm.systemLockPagesCount()) {
            fail("MmSystemLockPagesCount is %d, but %d pages are locked", machine.mm.systemLockPagesCount(), locked[0]);
        }
        for (EProcess p : machine.mm.processes()) {
            if (p.numberOfLockedPages() < 0) fail("%s: NumberOfLockedPages %d", p, p.numberOfLockedPages());
        }
    }

    /**
     * Every valid PTE of every live address space maps a frame in use (never one on the free,
     * zeroed, standby or modified list); every transition PTE names a page still in transition.
     */
    private void mappings() {
        walk(machine.mm.systemDirectoryTableBase, 256, 512);
        for (EProcess p : machine.mm.processes()) {
            if (!p.hasExited() && p.directoryTableBase != machine.mm.systemDirectoryTableBase) walk(p.directoryTableBase, 0, 256);
        }
        // Each paging-file slot in use holds one page's copy: the PFN of a page still in memory, or
        // the paging-file PTE of a page that left it. A slot nobody names has leaked.
        db.forEachEntry(pfn -> {
            long slot = db.pageFileSlot(pfn);
            if (slot >= 0 && db.location(pfn) != Pfn.FREE_PAGE_LIST && db.location(pfn) != Pfn.ZERO_PAGE_LIST && !slots.add(slot)) {
                fail("paging-file slot %d is named twice (PFN %X)", slot, pfn);
            }
        });
        if (slots.size() != machine.mm.pagingFile.usedSlots()) {
            fail("%d paging-file slots in use, but PTEs and PFNs name %d", machine.mm.pagingFile.usedSlots(), slots.size());
        }
    }

    private final Set<Long> slots = new HashSet<>();

    private void walk(long pml4, int from, int to) {
        PhysicalMemory mem = machine.memory;
        for (int i4 = from; i4 < to; i4++) {
            long e4 = mem.readQword((pml4 << 12) | ((long) i4 << 3));
            if (!Pte.isValid(e4)) continue;
            for (int i3 = 0; i3 < 512; i3++) {
                long e3 = mem.readQword((Pte.pfn(e4) << 12) | ((long) i3 << 3));
                if (!Pte.isValid(e3)) continue;
                for (int i2 = 0; i2 < 512; i2++) {
                    long e2 = mem.readQword((Pte.pfn(e3) << 12) | ((long) i2 << 3));
                    if (!Pte.isValid(e2)) continue;
                    long[] frame = mem.frameOrNull(Pte.pfn(e2));
                    if (frame == null) continue;
                    for (int i1 = 0; i1 < 512; i1++) {
                        long pte = frame[i1];
                        if (pte == 0) continue;
                        long va = ((long) i4 << 39) | ((long) i3 << 30) | ((long) i2 << 21) | ((long) i1 << 12);
                        if (i4 >= 256) va |= 0xFFFF_0000_0000_0000L;
                        check(va, pte);
                    }
                }
            }
        }
    }

    private void check(long va, long pte) {
        if (Pte.isValid(pte)) {
            long pfn = Pte.pfn(pte);
            if (!db.isRam(pfn)) return;
            if (!db.exists(pfn)) {
                fail("VA %X maps PFN %X, which was never handed out", va, pfn);
                return;
            }
            byte where = db.location(pfn);
            if (where <= Pfn.MODIFIED_PAGE_LIST) fail("VA %X maps PFN %X, which is on the %s list", va, pfn, Pfn.locationName(where));
        } else if (Pte.isTransition(pte)) {
            long pfn = Pte.pfn(pte);
            byte where = db.location(pfn);
            if (where == Pfn.ZERO_PAGE_LIST || where == Pfn.FREE_PAGE_LIST) {
                fail("VA %X has a transition PTE to PFN %X, which is on the %s list", va, pfn, Pfn.locationName(where));
            }
        } else if (Pte.pageFileNumber(pte) != 0) {
            if (!slots.add(Pte.pageFileSlot(pte))) fail("VA %X names paging-file slot %d, which another page holds", va, Pte.pageFileSlot(pte));
        }
    }

    /** System PTEs in use never go negative and equal the reserved bits. */
    private void systemPtes() {
        var ptes = machine.mm.systemPtes;
        if (ptes.inUse() < 0 || ptes.inUse() > ptes.total()) fail("SystemPtesInUse %d of %d", ptes.inUse(), ptes.total());
        if (ptes.inUse() != ptes.reservedByBitmap()) fail("SystemPtesInUse %d, but %d are reserved", ptes.inUse(), ptes.reservedByBitmap());
    }

    /** PoolBytesInUse is the sum of the live allocations. */
    private void pool() {
        long live = 0;
        for (Pool.Allocation a : machine.mm.pool.allocations()) if (!a.isFreed()) live += a.size;
        if (live != machine.mm.pool.bytesInUse()) fail("PoolBytesInUse %d, live allocations %d", machine.mm.pool.bytesInUse(), live);
    }
}
