package ntspec.mm;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The kernel's record of who locked which MDL's pages (MmTrackLockedPages): on with the
 * TrackLockedPages registry value for every lock, or for the locks a driver verified with Pool
 * Tracking makes. Each locked MDL gets a tracking structure in nonpaged pool (tag 'LkPg': the
 * MDL, the process, the page count); MmUnlockPages removes it. A process that exits with pages
 * still locked and a tracked MDL among them bug-checks DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS (0xCB:
 * the tracking structure, 0, the MDL, the number of locked pages) instead of 0x76
 * (https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xcb--driver-left-locked-pages-in-process).
 */
public final class LockedPagesTracking {
    static final int TAG = Pool.tag("LkPg");
    private static final long SIZE = 0x30;

    /** One tracked lock: where its tracking structure is, and what it records. */
    public record Locked(long tracker, long mdl, long process, long pages) {
    }

    private final Mm mm;
    private boolean everyLock;
    private final Map<Long, Locked> byMdl = new LinkedHashMap<>();

    LockedPagesTracking(Mm mm) {
        this.mm = mm;
    }

    /** TrackLockedPages = 1: every MmProbeAndLockPages of process pages is tracked. */
    public void setTrackEveryLock(boolean on) {
        everyLock = on;
    }

    public boolean tracksEveryLock() {
        return everyLock;
    }

    /** Records the lock an MDL holds on its process's pages (a no-op for an MDL already tracked or without a process). */
    public void track(Mdl mdl) {
        long process = mdl.ProcessAddress();
        if (process == 0 || byMdl.containsKey(mdl.address)) return;
        long pages = mdl.pageCount();
        long tracker = mm.pool.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, SIZE, TAG);
        if (tracker == 0) return; // no pool: the lock goes untracked, as a failed tracking allocation leaves it
        mm.write(tracker, 8, mdl.address);
        mm.write(tracker + 8, 8, process);
        mm.write(tracker + 0x10, 8, pages);
        byMdl.put(mdl.address, new Locked(tracker, mdl.address, process, pages));
    }

    /** After MmProbeAndLockPages: tracked when every lock is. */
    void locked(Mdl mdl) {
        if (everyLock) track(mdl);
    }

    /** MmUnlockPages: the record goes. */
    void unlocked(Mdl mdl) {
        Locked l = byMdl.remove(mdl.address);
        if (l != null) mm.pool.ExFreePoolWithTag(l.tracker, TAG);
    }

    /** The first tracked lock still held on the process's pages, or null. */
    public Locked heldIn(long process) {
        for (Locked l : byMdl.values()) if (l.process == process) return l;
        return null;
    }

    public java.util.Collection<Locked> all() {
        return java.util.List.copyOf(byMdl.values());
    }
}
