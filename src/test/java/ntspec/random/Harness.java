package ntspec.random;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import ntspec.Machine;
import ntspec.debug.Debugger;
import ntspec.debug.Invariants;
import ntspec.io.DeviceObject;
import ntspec.io.Irp;
import ntspec.ke.BugCheckException;
import ntspec.ke.KThread;
import ntspec.mm.EProcess;
import ntspec.mm.Mdl;
import ntspec.mm.Pfn;
import ntspec.mm.Protection;
import ntspec.wdm.Wdm;

/**
 * Runs random DDI sequences against one machine, as a driver would call them, and keeps a shadow
 * of what the calls locked (per page and per process) to compare with the PFN database. Objects
 * the sequence made are kept in registries, live and freed, so steps can pass live, stale, NULL,
 * unaligned and huge pointers. A Java exception escaping the machine is a defect: it fails the run.
 */
final class Harness {
    /** How a step picks a pointer argument. */
    enum Kind { LIVE, STALE, NULL, UNALIGNED, HUGE }

    record Pick(Kind kind, int index) {
        @Override
        public String toString() {
            return kind.name().toLowerCase() + "#" + index;
        }
    }

    /** A step that needs an object when the sequence has made none: the step is skipped. */
    static final class NothingToPick extends RuntimeException {
        NothingToPick() {
            super(null, null, false, false);
        }
    }

    record Proc(EProcess process, KThread thread) {
    }

    static final class Buf {
        final Proc owner;
        final long base;
        final long size;
        boolean freed;

        Buf(Proc owner, long base, long size) {
            this.owner = owner;
            this.base = base;
            this.size = size;
        }
    }

    static final class MdlRec {
        final long address;
        /** MmAllocatePagesForMdlEx MDLs are pool the driver frees with ExFreePool after MmFreePagesFromMdl. */
        final boolean pages;
        boolean freed;
        long systemVa;
        long userVa;
        Proc userProcess;
        /** A second kernel mapping the MDL does not record (MappedSystemVa holds only the last one). */
        boolean unrecordedMapping;
        /** A kernel mapping of an MmBuildMdlForNonPagedPool MDL besides the pool's own address. */
        boolean poolMapping;
        /** IoBuildPartialMdl made it describe another MDL's pages (its own are lost). */
        boolean othersPages;

        MdlRec(long address, boolean pages) {
            this.address = address;
            this.pages = pages;
        }
    }

    static final class Obj {
        final long address;
        boolean freed;

        Obj(long address) {
            this.address = address;
        }
    }

    /** A range MmAllocateMappingAddress reserved, and the MDL mapped into it (0 when none). */
    static final class Reserved {
        final long address;
        long mdl;
        boolean freed;

        Reserved(long address) {
            this.address = address;
        }
    }

    /** The pool tag the harness reserves mapping ranges with. */
    static final int RESERVE_TAG = 0x7A7A7546;

    final Machine machine;
    final Wdm w;
    final Debugger dbg;
    final List<Proc> procs = new ArrayList<>();
    final List<Buf> bufs = new ArrayList<>();
    final List<MdlRec> mdls = new ArrayList<>();
    final List<Obj> pools = new ArrayList<>();
    final List<Obj> irps = new ArrayList<>();
    final List<Reserved> reserved = new ArrayList<>();
    final List<Obj> contiguous = new ArrayList<>();
    final DeviceObject device;
    /** Locks the calls took and have not given back, per page (the MDLs' doing, leaks included). */
    final Map<Long, Integer> locks = new HashMap<>();
    /** NumberOfLockedPages the calls charged, per process. */
    final Map<EProcess, Long> charges = new HashMap<>();
    /** Set by misuse that leaks for good (a locked or mapped MDL freed, say): the end state is not checked. */
    boolean leaked;
    /**
     * Set by misuse Windows does not detect and that leaves the machine inconsistent by design (a
     * user mapping of pages the driver freed, say): the sequence ends there, as after a bug check.
     */
    String undetected;
    final StringBuilder log = new StringBuilder();
    /** A system thread for the harness's own work (releasing, exits). */
    final KThread systemThread;
    final long bootPtes;
    final long bootPool;

    Harness(Machine.Config config) {
        machine = new Machine(config);
        w = new Wdm(machine, "Fuzz.sys");
        dbg = new Debugger(machine);
        w.setDispatch(ntspec.io.IoConstants.IRP_MJ_DEVICE_CONTROL, (d, irp) -> {
            machine.io.irp.IoMarkIrpPending(irp);
            return ntspec.ke.NtStatus.STATUS_PENDING;
        });
        DeviceObject[] d = new DeviceObject[1];
        w.IoCreateDevice(w.DriverObject(), 0, "\\Device\\Fuzz", 0x22, 0, false, d);
        device = d[0];
        systemThread = machine.ps.PsCreateThread(machine.ps.systemProcess());
        machine.mm.pool.trimLookasides();
        bootPtes = machine.mm.systemPtes.inUse();
        bootPool = machine.mm.pool.bytesInUse();
        newProcess();
    }

    Proc newProcess() {
        EProcess p = machine.ps.PsCreateProcess("p" + procs.size());
        KThread t = machine.ps.PsCreateThread(p);
        Proc proc = new Proc(p, t);
        procs.add(proc);
        machine.kernel.setCurrentProcessor(0);
        machine.kernel.switchTo(t);
        return proc;
    }

    boolean halted() {
        return machine.isHalted();
    }

    Proc current() {
        var p = machine.kernel.currentProcess();
        for (Proc proc : procs) if (proc.process == p) return proc;
        return null;
    }

    // ------------------------------------------------------------------ picking arguments

    static <T> T pick(List<T> all, int index, java.util.function.Predicate<T> live, boolean wantLive) {
        List<T> c = new ArrayList<>();
        for (T t : all) if (live.test(t) == wantLive) c.add(t);
        if (c.isEmpty()) return null;
        return c.get(Math.floorMod(index, c.size()));
    }

    /** An address for a pointer argument of a registry of objects with addresses. */
    long address(Pick p, List<Long> live, List<Long> stale) {
        if ((p.kind() == Kind.LIVE || p.kind() == Kind.STALE) && live.isEmpty() && stale.isEmpty()) throw new NothingToPick();
        return switch (p.kind()) {
            case LIVE -> live.isEmpty() ? staleInstead(stale, p.index()) : live.get(Math.floorMod(p.index(), live.size()));
            case STALE -> stale.isEmpty() ? (live.isEmpty() ? 0 : live.get(Math.floorMod(p.index(), live.size()))) : stale.get(Math.floorMod(p.index(), stale.size()));
            case NULL -> 0;
            case UNALIGNED -> (live.isEmpty() ? 0x10000 : live.get(Math.floorMod(p.index(), live.size()))) + 3;
            case HUGE -> p.index() % 2 == 0 ? 0xFFFF_FFFF_FFFF_F000L : 0x0000_7FFF_FFFF_0000L;
        };
    }

    /**
     * The driver passes a pointer that is not a live object of that type: whatever the call does
     * with it (a mapping made through a misaligned MDL, a block freed twice), the harness cannot
     * account for it, so the end state is not checked; the per-step laws still are.
     */
    private void misusedPointer(Pick p) {
        if (p.kind() != Kind.LIVE) leaked = true;
    }

    private long staleInstead(List<Long> stale, int index) {
        leaked = true;
        return stale.get(Math.floorMod(index, stale.size()));
    }

    long mdlAddress(Pick p) {
        misusedPointer(p);
        List<Long> live = new ArrayList<>();
        List<Long> stale = new ArrayList<>();
        for (MdlRec m : mdls) (m.freed ? stale : live).add(m.address);
        return address(p, live, stale);
    }

    /** A new MDL at an address: whatever the harness knew at that address has been freed (pool reused it). */
    void born(long address, MdlRec r) {
        for (MdlRec m : mdls) if (m.address == address) m.freed = true;
        for (Obj o : irps) if (o.address == address) o.freed = true;
        mdls.add(r);
    }

    void bornIrp(long address) {
        for (MdlRec m : mdls) if (m.address == address) m.freed = true;
        for (Obj o : irps) if (o.address == address) o.freed = true;
        irps.add(new Obj(address));
    }

    /** Freed as pool sees it: freed, or parked on a lookaside list. */
    boolean poolFreed(long va) {
        var a = machine.mm.pool.find(va);
        return a == null || a.va != va || a.isFreed() || machine.mm.pool.isOnLookasideList(va);
    }

    /**
     * The kernel frees objects the driver made: stage 2 of a threaded IRP's completion frees the
     * IRP and its MDL chain, when the APC runs. The registries follow what pool says.
     */
    void reconcile() {
        for (MdlRec m : mdls) if (!m.freed && poolFreed(m.address)) m.freed = true;
        for (Obj o : irps) if (!o.freed && poolFreed(o.address)) o.freed = true;
    }

    /** The record of the last MDL made at that address, freed or not (a stale pointer's). */
    MdlRec lastMdlAt(long address) {
        for (int i = mdls.size() - 1; i >= 0; i--) if (mdls.get(i).address == address) return mdls.get(i);
        return null;
    }

    MdlRec mdlAt(long address) {
        for (int i = mdls.size() - 1; i >= 0; i--) if (mdls.get(i).address == address && !mdls.get(i).freed) return mdls.get(i);
        return null;
    }

    /** An address a buffer argument names: a user buffer, a pool block, or a bad value. */
    long bufferAddress(Pick p, int offset) {
        List<Long> live = new ArrayList<>();
        List<Long> stale = new ArrayList<>();
        for (Buf b : bufs) (b.freed ? stale : live).add(b.base + Math.floorMod(offset, (int) Math.max(1, b.size)));
        for (Obj o : pools) (o.freed ? stale : live).add(o.address);
        return address(p, live, stale);
    }

    /** The reserved range a reserved mapping still maps mdl into, or null. */
    Reserved reservedMapping(long mdl) {
        for (Reserved r : reserved) if (!r.freed && r.mdl != 0 && r.mdl == mdl) return r;
        return null;
    }

    long contiguousAddress(Pick p) {
        return objectAddress(p, contiguous);
    }

    long poolAddress(Pick p) {
        return objectAddress(p, pools);
    }

    long irpAddress(Pick p) {
        return objectAddress(p, irps);
    }

    private long objectAddress(Pick p, List<Obj> registry) {
        misusedPointer(p);
        List<Long> live = new ArrayList<>();
        List<Long> stale = new ArrayList<>();
        for (Obj o : registry) (o.freed ? stale : live).add(o.address);
        return address(p, live, stale);
    }

    // ------------------------------------------------------------------ running driver code

    /** Runs a step as the driver's code; a bug check ends the sequence (an outcome, not a failure). */
    void driver(Runnable body) {
        if (halted()) return;
        try {
            w.runAsDriver("Step", body);
        } catch (BugCheckException e) {
            log.append("  -> bug check ").append(machine.bugCheck()).append('\n');
        } catch (ntspec.ke.ThreadHungException e) {
            log.append("  -> ").append(e.getMessage()).append('\n');
        }
    }

    /** The same inside __try: a raised status is the call's answer. */
    void driverTry(Runnable body) {
        driver(() -> w.__try(body, code -> log.append("  -> raised ").append(ntspec.ke.NtStatus.name(code)).append('\n')));
    }

    /**
     * Locking an MDL that already describes pages (locked, built for pool, partial, or from
     * MmAllocatePagesForMdlEx) is misuse the free build does not check: the probe overwrites the
     * PFN array, and what it held leaks for good (ReactOS only ASSERTs the flags).
     */
    void misuseIfNotFresh(long mdl) {
        MdlRec r = mdlAt(mdl);
        Integer f = mdl == 0 ? null : flags(mdl);
        if (r == null || r.pages || (f != null && (f & (Mdl.MDL_PAGES_LOCKED | Mdl.MDL_SOURCE_IS_NONPAGED_POOL
                | Mdl.MDL_PARTIAL | Mdl.MDL_MAPPED_TO_SYSTEM_VA)) != 0)) {
            leaked = true;
        }
    }

    // ------------------------------------------------------------------ the shadow of locks

    /** What the debugger sees of an MDL: flags, Process, page count and its RAM PFNs up to LIST_HEAD. */
    record MdlView(int flags, long process, long pages, List<Long> pfns) {
    }

    /** The MDL's flags as the debugger reads them, or null when its address is not mapped. */
    Integer flags(long mdl) {
        Long flags = dbg.read(mdl + 0xA, 2);
        return flags == null ? null : flags.intValue();
    }

    MdlView view(long mdl) {
        Long flags = dbg.read(mdl + 0xA, 2);
        if (flags == null) return null;
        long process = value(mdl + 0x10);
        long start = value(mdl + 0x20);
        long count = value(mdl + 0x28) & 0xFFFFFFFFL;
        long offset = value(mdl + 0x2C) & 0xFFFFFFFFL;
        long pages = ntspec.mm.MmLayout.spanPages(start + offset, count);
        List<Long> pfns = new ArrayList<>();
        for (long i = 0; i < pages && i < 0x200000; i++) {
            Long pfn = dbg.read(mdl + Mdl.HEADER_SIZE + 8 * i, 8);
            if (pfn == null || pfn == Mdl.LIST_HEAD) break;
            if (Long.compareUnsigned(pfn, machine.mm.pfnDb.highestPhysicalPage()) <= 0) pfns.add(pfn);
        }
        return new MdlView(flags.intValue(), process, pages, pfns);
    }

    private long value(long va) {
        Long v = dbg.read(va, 8);
        return v == null ? 0 : v;
    }

    void lockedBy(long mdl) {
        MdlView v = view(mdl);
        if (v == null) return;
        for (long pfn : v.pfns()) if (machine.mm.pfnDb.isRam(pfn)) locks.merge(pfn, 1, Integer::sum);
        EProcess p = machine.mm.processAt(v.process());
        if (p != null) charges.merge(p, v.pages(), Long::sum);
    }

    void unlockedBy(MdlView v) {
        for (long pfn : v.pfns()) if (machine.mm.pfnDb.isRam(pfn)) locks.merge(pfn, -1, Integer::sum);
        EProcess p = machine.mm.processAt(v.process());
        if (p != null) charges.merge(p, -v.pages(), Long::sum);
    }

    // ------------------------------------------------------------------ checks

    /** The machine's laws, and the shadow: each page's lock count and each process's charge. */
    List<String> violations() {
        List<String> v = new ArrayList<>(Invariants.check(machine));
        var db = machine.mm.pfnDb;
        Map<Long, Integer> actual = new HashMap<>();
        db.forEachEntry(pfn -> {
            if (db.lockCount(pfn) != 0) actual.put(pfn, db.lockCount(pfn));
        });
        Map<Long, Integer> expected = new HashMap<>();
        locks.forEach((pfn, n) -> {
            if (n != 0) expected.put(pfn, n);
        });
        if (!actual.equals(expected)) v.add("lock counts " + actual + ", the calls locked " + expected);
        for (Proc p : procs) {
            if (p.process.hasExited()) continue;
            long want = charges.getOrDefault(p.process, 0L);
            if (p.process.numberOfLockedPages() != want) {
                v.add(p.process.name + " NumberOfLockedPages " + p.process.numberOfLockedPages() + ", the calls charged " + want);
            }
        }
        return v;
    }

    /**
     * Releases everything the sequence holds, as a correct driver and the system would, then
     * checks that nothing is left: no lock, no system PTE, no pool byte, no paging-file slot beyond
     * the boot values, and every frame in use is a page table or mapped.
     */
    List<String> releaseEverything() {
        List<String> v = new ArrayList<>();
        var k = machine.kernel;
        k.setIrql(0);
        reconcile();
        for (Reserved r : reserved) {
            if (r.freed || halted()) continue;
            if (r.mdl != 0) driver(() -> w.MmUnmapReservedMapping(r.address, RESERVE_TAG, machine.mm.mdl.at(r.mdl)));
            driver(() -> w.MmFreeMappingAddress(r.address, RESERVE_TAG));
            r.mdl = 0;
            r.freed = true;
        }
        for (Obj o : contiguous) {
            if (!o.freed) driver(() -> w.MmFreeContiguousMemory(o.address));
            o.freed = true;
        }
        for (MdlRec m : mdls) {
            if (m.freed || halted() || poolFreed(m.address)) continue;
            Integer flags = flags(m.address);
            if (flags == null) continue;
            if (m.userVa != 0 && m.userProcess != null && !m.userProcess.process.hasExited()) {
                k.switchTo(m.userProcess.thread);
                driver(() -> w.MmUnmapLockedPages(m.userVa, w.machine().mm.mdl.at(m.address)));
            }
            if ((flags & Mdl.MDL_MAPPED_TO_SYSTEM_VA) != 0 && (flags & Mdl.MDL_PARTIAL) == 0) {
                driver(() -> w.MmUnmapLockedPages(machine.mm.mdl.at(m.address).MappedSystemVa(), machine.mm.mdl.at(m.address)));
            }
            if (m.pages) {
                if ((flags & Mdl.MDL_PAGES_LOCKED) != 0) driver(() -> w.MmFreePagesFromMdl(machine.mm.mdl.at(m.address)));
                driver(() -> w.ExFreePool(m.address));
            } else {
                if ((flags & Mdl.MDL_PAGES_LOCKED) != 0) {
                    MdlView mv = view(m.address);
                    Proc owner = null;
                    for (Proc p : procs) if (p.process.address == mv.process()) owner = p;
                    if (owner != null && !owner.process.hasExited()) k.switchTo(owner.thread);
                    driver(() -> w.MmUnlockPages(machine.mm.mdl.at(m.address)));
                    unlockedBy(mv);
                }
                driver(() -> w.IoFreeMdl(machine.mm.mdl.at(m.address)));
            }
            m.freed = true;
        }
        for (Obj o : pools) {
            if (!o.freed) driver(() -> w.ExFreePool(o.address));
            o.freed = true;
        }
        for (Obj o : irps) {
            if (!o.freed && !poolFreed(o.address)) driver(() -> machine.io.irp.IoFreeIrp(machine.io.irpAt(o.address)));
            o.freed = true;
        }
        if (halted()) {
            v.add("releasing everything bug-checked: " + machine.bugCheck());
            return v;
        }
        k.switchTo(systemThread);
        for (Proc p : procs) {
            if (!p.process.hasExited()) {
                try {
                    machine.ps.PspExitProcess(p.process);
                } catch (BugCheckException e) {
                    v.add("exit of " + p.process.name + " bug-checked: " + machine.bugCheck());
                    return v;
                }
            }
            machine.ps.PspDeleteProcess(p.process, List.of(p.thread));
        }
        machine.mm.pool.trimLookasides();
        v.addAll(Invariants.check(machine));
        var mm = machine.mm;
        if (mm.systemPtes.inUse() != bootPtes) v.add("SystemPtesInUse " + mm.systemPtes.inUse() + " after release, " + bootPtes + " at boot");
        if (mm.systemLockPagesCount() != 0) v.add("MmSystemLockPagesCount " + mm.systemLockPagesCount() + " after release");
        if (mm.pool.bytesInUse() != bootPool) v.add("PoolBytesInUse " + mm.pool.bytesInUse() + " after release, " + bootPool + " at boot");
        // Paging-file slots: Invariants checks that each slot in use is named by one PTE or PFN. Pool
        // keeps its small-block pages (and their copies) once carved, so the count is not the boot one.
        v.addAll(unaccountedFrames());
        return v;
    }

    /** Frames in use that no page table, PTE, lock or pool page accounts for: leaked pages. */
    private List<String> unaccountedFrames() {
        List<String> v = new ArrayList<>();
        var db = machine.mm.pfnDb;
        db.forEachEntry(pfn -> {
            if (v.size() > 5) return;
            byte where = db.location(pfn);
            boolean inUse = where == Pfn.ACTIVE_AND_VALID || where == Pfn.TRANSITION_PAGE;
            if (!inUse || db.isPageTable(pfn)) return;
            long ptePa = db.pteAddress(pfn);
            long pte = ptePa >= 0 ? machine.memory.readQword(ptePa) : 0;
            boolean mapped = ntspec.hw.Pte.isValid(pte) && ntspec.hw.Pte.pfn(pte) == pfn;
            if (!mapped && db.lockCount(pfn) == 0) {
                v.add(String.format("PFN %X is in use (ref %d, share %d) but nothing maps or locks it", pfn, db.referenceCount(pfn), db.shareCount(pfn)));
            }
        });
        return v;
    }

    int protection(int choice) {
        int[] all = {Protection.PAGE_READWRITE, Protection.PAGE_READONLY, Protection.PAGE_NOACCESS,
            Protection.PAGE_READWRITE | Protection.PAGE_GUARD, Protection.PAGE_EXECUTE_READ};
        return all[Math.floorMod(choice, all.length)];
    }

    Irp irp(long address) {
        return machine.io.irpAt(address);
    }
}
