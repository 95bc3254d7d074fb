package ntspec.mm;

import static ntspec.mm.MmLayout.PAGE_SHIFT;

import ntspec.hw.Access;
import ntspec.hw.Mmu;
import ntspec.hw.PageFault;
import ntspec.hw.PhysicalMemory;
import ntspec.hw.Pte;
import ntspec.ke.BugCheckCode;
import ntspec.ke.Irql;
import ntspec.ke.Kernel;
import ntspec.ke.NtStatus;
import ntspec.ke.Processor;
import ntspec.trace.Trace;

/**
 * The memory manager's core: frames and the PFN database, the page-fault handler (MmAccessFault),
 * memory references made through the MMU, working-set trimming and the paging file, and process
 * address spaces. Pools, system PTEs, virtual memory calls and MDL routines are beside it.
 */
public final class Mm {
    /** First frame handed out; the low 1 MiB stays with the firmware, so PFN 0 is never in use. */
    public static final long FIRST_USABLE_PFN = 0x100;

    final Kernel kernel;
    final Mmu mmu;
    final PhysicalMemory mem;
    final Trace trace;
    public final PfnDatabase pfnDb;
    public final PagingFile pagingFile;
    public final SystemPtes systemPtes;
    public final Pool pool;
    public final VirtualMemory vm;
    public final MdlRoutines mdl;
    public final long systemDirectoryTableBase;
    private final Mmu.TableAllocator tableAllocator = this::newPageTable;

    // Counters (what !vm and perfmon show).
    long pageFaults;
    long demandZeroFaults;
    long transitionFaults;
    long hardFaults;
    /** MmSystemLockPagesCount: pages with at least one MDL lock. */
    long systemLockPagesCount;

    public Mm(Kernel kernel, Mmu mmu, PfnDatabase pfnDb, long pagingFileBytes, long systemPteCount, long systemPml4) {
        this.kernel = kernel;
        this.mmu = mmu;
        this.mem = mmu.memory();
        this.trace = kernel.trace();
        this.pfnDb = pfnDb;
        this.pagingFile = new PagingFile(pagingFileBytes);
        this.systemDirectoryTableBase = systemPml4;
        this.systemPtes = new SystemPtes(this, MmLayout.SYSTEM_PTE_BASE, systemPteCount);
        this.pool = new Pool(this);
        this.vm = new VirtualMemory(this);
        this.mdl = new MdlRoutines(this);
    }

    /**
     * Builds the system PML4 and the PML4 entries of every system region, so that all processes,
     * which copy the kernel half of this PML4, share one set of kernel page tables.
     */
    public static long bootSystemPml4(PfnDatabase db, PhysicalMemory mem) {
        long pml4 = takeForBoot(db);
        for (long base : new long[] {MmLayout.SYSTEM_PTE_BASE, MmLayout.PAGED_POOL_BASE, MmLayout.NONPAGED_POOL_BASE}) {
            for (long va = base; va < base + MmLayout.REGION_SIZE; va += 1L << 39) {
                long ea = (pml4 << PAGE_SHIFT) | ((long) Mmu.index(va, 4) << 3);
                if (!Pte.isValid(mem.readQword(ea))) {
                    long pdpt = takeForBoot(db);
                    mem.writeQword(ea, (pdpt << PAGE_SHIFT) | Pte.P | Pte.RW);
                }
            }
        }
        return pml4;
    }

    private static long takeForBoot(PfnDatabase db) {
        long pfn = db.takeZeroed();
        Pfn e = db.entry(pfn);
        e.location = Pfn.ACTIVE_AND_VALID;
        e.referenceCount = 1;
        e.shareCount = 1;
        e.pageTable = true;
        return pfn;
    }

    public Kernel kernel() {
        return kernel;
    }

    public Mmu mmu() {
        return mmu;
    }

    public PhysicalMemory memory() {
        return mem;
    }

    // ------------------------------------------------------------------ frames

    /**
     * Takes a physical page: zeroed list, then free list (zeroing it if asked), then standby pages
     * repurposed, then modified pages written out first. Returns -1 when nothing can be had.
     */
    long allocatePage(boolean zeroed) {
        long pfn = pfnDb.takeZeroed();
        if (pfn < 0) {
            pfn = pfnDb.takeFrom(Pfn.FREE_PAGE_LIST);
            if (pfn >= 0 && zeroed) mem.zeroFrame(pfn);
        }
        if (pfn < 0) {
            if (pfnDb.head(Pfn.STANDBY_PAGE_LIST) < 0) writeModifiedPages();
            if (pfnDb.head(Pfn.STANDBY_PAGE_LIST) >= 0) {
                pfn = repurposeStandby();
                if (zeroed) mem.zeroFrame(pfn);
            }
        }
        if (pfn < 0) return -1;
        Pfn e = pfnDb.entry(pfn);
        e.location = Pfn.ACTIVE_AND_VALID;
        e.referenceCount = 0;
        e.shareCount = 0;
        e.pageFileSlot = -1;
        e.pteAddress = -1;
        e.pteFrame = 0;
        e.pageTable = false;
        e.cacheAttribute = 1;
        return pfn;
    }

    /** A page that must be had (page tables, nonpaged pool): no page at all is fatal. */
    long allocatePageOrBugCheck(boolean zeroed) {
        long pfn = allocatePage(zeroed);
        if (pfn < 0) {
            throw kernel.KeBugCheckEx(BugCheckCode.MEMORY_MANAGEMENT, 0x41793, 0, pfnDb.frameCount(), 0);
        }
        return pfn;
    }

    /** Returns a page nobody references to the free list and drops its paging-file copy. */
    void freePage(Pfn e) {
        if (e.pageFileSlot >= 0) {
            pagingFile.release(e.pageFileSlot);
            e.pageFileSlot = -1;
        }
        e.pteAddress = -1;
        e.shareCount = 0;
        e.referenceCount = 0;
        e.pageTable = false;
        pfnDb.insert(e, Pfn.FREE_PAGE_LIST);
    }

    private long newPageTable(int level, long va) {
        long pfn = allocatePageOrBugCheck(true);
        Pfn e = pfnDb.entry(pfn);
        e.referenceCount = 1;
        e.shareCount = 1;
        e.pageTable = true;
        return pfn;
    }

    Mmu.TableAllocator tableAllocator() {
        return tableAllocator;
    }

    /** Invalidates the page's translation on every processor (a TLB shoot-down). */
    void flushTlb(long va) {
        for (int i = 0; i < kernel.processorCount(); i++) {
            kernel.processor(i).cpu.tlb.invalidate(va);
        }
        if (trace.recordsPteWrites()) trace.add(Trace.Kind.TLB, "flush (all processors)", va);
    }

    long currentCr3() {
        return kernel.currentProcessor().cpu.cr3();
    }

    public EProcess currentProcess() {
        return (EProcess) kernel.currentProcess();
    }

    /** The PTE that maps va in the current address space (0 when a paging structure is missing). */
    public long readPte(long va) {
        return mmu.readPte(currentCr3(), va);
    }

    /** Physical address of the PTE that maps va in the current address space, -level if absent. */
    public long ptePhysicalAddress(long va) {
        return mmu.walk(currentCr3(), va, null);
    }

    // ------------------------------------------------------------------ memory references

    /**
     * Translates a reference as the current processor makes it, taking page faults as the CPU
     * does: the fault handler resolves the fault and the reference is retried, or the handler
     * raises an exception or bug-checks.
     */
    public long translate(long va, Access access, boolean userMode) {
        kernel.ensureRunning();
        Processor p = kernel.currentProcessor();
        for (int attempt = 0; ; attempt++) {
            try {
                return mmu.translate(p.cpu, va, access, userMode);
            } catch (PageFault pf) {
                if (attempt > 4) {
                    throw new IllegalStateException("fault at 0x" + Long.toHexString(va) + " not resolved after retries");
                }
                MmAccessFault(pf, access, userMode);
            }
        }
    }

    public int readByte(long va, boolean userMode) {
        return mem.readByte(translate(va, Access.READ, userMode));
    }

    public void writeByte(long va, int value, boolean userMode) {
        mem.writeByte(translate(va, Access.WRITE, userMode), value);
    }

    public byte[] read(long va, int length, boolean userMode) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) out[i] = (byte) readByte(va + i, userMode);
        return out;
    }

    public void write(long va, byte[] data, boolean userMode) {
        for (int i = 0; i < data.length; i++) writeByte(va + i, data[i], userMode);
    }

    /** Executes from va (an instruction fetch). */
    public void execute(long va, boolean userMode) {
        translate(va, Access.EXECUTE, userMode);
    }

    // ------------------------------------------------------------------ the page-fault handler

    /**
     * MmAccessFault, with the trap handler's choice of bug check (kernel-rules.md 1.13 "How the
     * fault-class bug checks are chosen", 4.4).
     */
    void MmAccessFault(PageFault pf, Access access, boolean userMode) {
        pageFaults++;
        long va = pf.va;
        int irql = kernel.KeGetCurrentIrql();
        long ip = kernel.currentProcessor().instructionPointer();
        trace.add(Trace.Kind.FAULT, (userMode ? "user " : "kernel ") + access.name().toLowerCase()
                + " at " + Irql.name(irql) + ", error code", va, pf.errorCode);
        long avInfo = access == Access.WRITE ? 1 : access == Access.EXECUTE ? 8 : 0;
        if (pf.nonCanonical) {
            if (userMode) throw kernel.raise(NtStatus.STATUS_ACCESS_VIOLATION, avInfo, va);
            throw kernel.KeBugCheckEx(BugCheckCode.PAGE_FAULT_IN_NONPAGED_AREA, va, p2Of(access), ip, 4);
        }
        boolean userVa = Mmu.isUserHalf(va);
        if (irql > Irql.APC_LEVEL) {
            // Nothing is resolved above APC_LEVEL, not even a standby page; no handler is asked.
            if (pf.isProtectionViolation() && !userVa) systemProtectionFault(va, access);
            int code = kernel.runningDriverCode() ? BugCheckCode.DRIVER_IRQL_NOT_LESS_OR_EQUAL
                    : BugCheckCode.IRQL_NOT_LESS_OR_EQUAL;
            throw kernel.KeBugCheckEx(code, va, irql, access == Access.WRITE ? 1 : access == Access.EXECUTE ? 8 : 0, ip);
        }
        if (userVa) {
            resolveUserFault(va, access, avInfo);
        } else if (userMode) {
            throw kernel.raise(NtStatus.STATUS_ACCESS_VIOLATION, avInfo, va);
        } else {
            resolveSystemFault(pf, va, access, ip);
        }
    }

    private static long p2Of(Access access) {
        return access == Access.WRITE ? 2 : access == Access.EXECUTE ? 0x10 : 0;
    }

    private void systemProtectionFault(long va, Access access) {
        long pte = readPte(va);
        if (access == Access.WRITE) {
            throw kernel.KeBugCheckEx(BugCheckCode.ATTEMPTED_WRITE_TO_READONLY_MEMORY, va, pte, 0, 0);
        }
        throw kernel.KeBugCheckEx(BugCheckCode.ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY, va, pte, 0, 0);
    }

    private void resolveUserFault(long va, Access access, long avInfo) {
        EProcess process = currentProcess();
        Vad vad = process.findVad(va);
        if (vad == null) throw kernel.raise(NtStatus.STATUS_ACCESS_VIOLATION, avInfo, va);
        long ptePa = mmu.walk(currentCr3(), va, tableAllocator);
        long pte = mem.readQword(ptePa);
        if (Pte.isValid(pte)) {
            // Present but the access is not allowed: write to read-only or execute of NX.
            throw kernel.raise(NtStatus.STATUS_ACCESS_VIOLATION, avInfo, va);
        }
        int prot;
        if (pte == 0) {
            if (!vad.committed) throw kernel.raise(NtStatus.STATUS_ACCESS_VIOLATION, avInfo, va);
            prot = vad.protection;
        } else {
            prot = Pte.protection(pte);
        }
        if (Protection.isNoAccess(prot)) throw kernel.raise(NtStatus.STATUS_ACCESS_VIOLATION, avInfo, va);
        if (Protection.isGuard(prot)) {
            // A guard page fires once: the guard is removed, then STATUS_GUARD_PAGE_VIOLATION is raised.
            int unguarded = prot & ~Protection.MM_GUARDPAGE;
            long newPte = pte == 0 ? Pte.demandZero(unguarded)
                    : (pte & ~Pte.PROTECTION_MASK) | ((long) unguarded << Pte.PROTECTION_SHIFT);
            mmu.writePteAt(ptePa, va, newPte);
            throw kernel.raise(NtStatus.STATUS_GUARD_PAGE_VIOLATION, avInfo, va);
        }
        if ((access == Access.WRITE && !Protection.canWrite(prot))
                || (access == Access.EXECUTE && !Protection.canExecute(prot))) {
            throw kernel.raise(NtStatus.STATUS_ACCESS_VIOLATION, avInfo, va);
        }
        makeResident(ptePa, va, pte, prot, true);
    }

    private void resolveSystemFault(PageFault pf, long va, Access access, long ip) {
        long ptePa = ptePhysicalAddress(va);
        if (ptePa < 0) {
            throw kernel.KeBugCheckEx(BugCheckCode.PAGE_FAULT_IN_NONPAGED_AREA, va, p2Of(access), ip, 2);
        }
        long pte = mem.readQword(ptePa);
        if (Pte.isValid(pte)) systemProtectionFault(va, access);
        if (pte != 0 && pool.isPagedPoolAddress(va)) {
            makeResident(ptePa, va, pte, Pte.protection(pte), false);
            return;
        }
        throw kernel.KeBugCheckEx(BugCheckCode.PAGE_FAULT_IN_NONPAGED_AREA, va, p2Of(access), ip, 0);
    }

    /** Makes an invalid PTE valid: a transition (soft) fault, a paging-file (hard) fault or demand zero. */
    private void makeResident(long ptePa, long va, long pte, int prot, boolean user) {
        long pfn;
        Pfn e;
        if (Pte.isTransition(pte)) {
            pfn = Pte.pfn(pte);
            e = pfnDb.get(pfn);
            pfnDb.unlink(e);
            transitionFaults++;
        } else if (Pte.pageFileNumber(pte) != 0) {
            long slot = Pte.pageFileSlot(pte);
            pfn = allocatePageForFault();
            mem.copyIn(pfn, pagingFile.read(slot));
            e = pfnDb.get(pfn);
            e.pageFileSlot = slot;
            hardFaults++;
        } else {
            pfn = allocatePageForFault();
            e = pfnDb.get(pfn);
            demandZeroFaults++;
        }
        e.location = Pfn.ACTIVE_AND_VALID;
        e.shareCount = 1;
        e.referenceCount++;
        e.pteAddress = ptePa;
        e.va = va;
        e.protection = prot;
        e.pteFrame = ptePa >>> PAGE_SHIFT;
        mmu.writePteAt(ptePa, va, validPte(pfn, prot, user));
    }

    private long allocatePageForFault() {
        long pfn = allocatePage(true);
        if (pfn < 0) throw kernel.raise(NtStatus.STATUS_INSUFFICIENT_RESOURCES, 0, 0);
        return pfn;
    }

    static long validPte(long pfn, int prot, boolean user) {
        long v = Pte.valid(pfn, Protection.canWrite(prot), user, !user, !Protection.canExecute(prot));
        if ((prot & Protection.MM_WRITECOMBINE) == Protection.MM_NOCACHE) v |= Pte.PCD;
        return v;
    }

    // ------------------------------------------------------------------ working sets and paging

    /**
     * Trims the whole working set of a process: every valid, unlocked user page leaves it (clean
     * pages to the standby list, dirty ones to the modified list) and its PTE becomes a transition
     * PTE. Pages locked by an MDL stay: the model, and what MiFreeWsle does for a page
     * whose reference count shows an I/O lock. With {@code toPagingFile} the modified pages are
     * written and the standby pages repurposed, so the next touch is a hard fault.
     * Returns the number of pages trimmed.
     */
    public long trimWorkingSet(EProcess process, boolean toPagingFile) {
        long trimmed = forEachValidPte(process.directoryTableBase, 0, 256, false);
        trace.add(Trace.Kind.NOTE, "working set of " + process.name + " trimmed, pages", trimmed);
        if (toPagingFile) pageOutAll();
        return trimmed;
    }

    /** Trims pageable system memory (paged pool): the system working set. */
    public long trimSystemWorkingSet(boolean toPagingFile) {
        long trimmed = forEachValidPte(systemDirectoryTableBase, 256, 512, true);
        trace.add(Trace.Kind.NOTE, "system working set trimmed, pages", trimmed);
        if (toPagingFile) pageOutAll();
        return trimmed;
    }

    /** Writes every modified page to the paging file and repurposes every standby page. */
    public void pageOutAll() {
        writeModifiedPages();
        while (pfnDb.head(Pfn.STANDBY_PAGE_LIST) >= 0) {
            Pfn e = pfnDb.get(repurposeStandby());
            pfnDb.insert(e, Pfn.FREE_PAGE_LIST);
        }
    }

    private long forEachValidPte(long pml4, int fromIndex, int toIndex, boolean pagedPoolOnly) {
        long trimmed = 0;
        for (int i4 = fromIndex; i4 < toIndex; i4++) {
            long e4 = mem.readQword((pml4 << PAGE_SHIFT) | ((long) i4 << 3));
            if (!Pte.isValid(e4)) continue;
            for (int i3 = 0; i3 < 512; i3++) {
                long e3 = mem.readQword((Pte.pfn(e4) << PAGE_SHIFT) | ((long) i3 << 3));
                if (!Pte.isValid(e3)) continue;
                for (int i2 = 0; i2 < 512; i2++) {
                    long e2 = mem.readQword((Pte.pfn(e3) << PAGE_SHIFT) | ((long) i2 << 3));
                    if (!Pte.isValid(e2)) continue;
                    long pt = Pte.pfn(e2);
                    long[] frame = mem.frameOrNull(pt);
                    if (frame == null) continue;
                    for (int i1 = 0; i1 < 512; i1++) {
                        long pte = frame[i1];
                        if (!Pte.isValid(pte)) continue;
                        long va = vaOf(i4, i3, i2, i1);
                        if (pagedPoolOnly && !pool.isPagedPoolAddress(va)) continue;
                        if (trimPage((pt << PAGE_SHIFT) | ((long) i1 << 3), va, pte)) trimmed++;
                    }
                }
            }
        }
        return trimmed;
    }

    static long vaOf(int i4, int i3, int i2, int i1) {
        long va = ((long) i4 << 39) | ((long) i3 << 30) | ((long) i2 << 21) | ((long) i1 << 12);
        return i4 >= 256 ? va | 0xFFFF_0000_0000_0000L : va;
    }

    private boolean trimPage(long ptePa, long va, long pte) {
        Pfn e = pfnDb.get(Pte.pfn(pte));
        if (e == null || e.pageTable || e.pteAddress != ptePa) return false; // I/O space or a second mapping
        if (e.lockCount() > 0) return false; // locked for I/O: stays in the working set
        boolean dirty = (pte & Pte.D) != 0 || e.modified;
        mmu.writePteAt(ptePa, va, Pte.transition(e.pfn, e.protection));
        flushTlb(va);
        e.shareCount = 0;
        e.referenceCount--;
        if (dirty && e.pageFileSlot >= 0) {
            pagingFile.release(e.pageFileSlot); // the copy in the paging file is stale now
            e.pageFileSlot = -1;
        }
        e.modified = dirty;
        pfnDb.insert(e, dirty ? Pfn.MODIFIED_PAGE_LIST : Pfn.STANDBY_PAGE_LIST);
        return true;
    }

    /** The modified page writer: writes modified pages to the paging file; they move to standby. */
    public void writeModifiedPages() {
        long pfn;
        while ((pfn = pfnDb.takeFrom(Pfn.MODIFIED_PAGE_LIST)) >= 0) {
            Pfn e = pfnDb.get(pfn);
            long slot = pagingFile.write(mem.copyOut(pfn));
            if (slot < 0) {
                pfnDb.insert(e, Pfn.MODIFIED_PAGE_LIST);
                trace.add(Trace.Kind.NOTE, "paging file full");
                return;
            }
            e.pageFileSlot = slot;
            e.modified = false;
            pfnDb.insert(e, Pfn.STANDBY_PAGE_LIST);
        }
    }

    /** Takes the oldest standby page for reuse; its PTE now says where the contents are. */
    private long repurposeStandby() {
        long pfn = pfnDb.takeFrom(Pfn.STANDBY_PAGE_LIST);
        Pfn e = pfnDb.get(pfn);
        if (e.pteAddress >= 0) {
            long pte = e.pageFileSlot >= 0 ? Pte.pageFile(PagingFile.NUMBER, e.pageFileSlot, e.protection)
                    : Pte.demandZero(e.protection);
            mmu.writePteAt(e.pteAddress, e.va, pte);
        }
        e.pageFileSlot = -1; // the slot now belongs to the PTE
        e.pteAddress = -1;
        return pfn;
    }

    // ------------------------------------------------------------------ process address spaces

    /** MmCreateProcessAddressSpace: a new PML4 sharing the kernel half of the system PML4. */
    long createAddressSpace() {
        long pml4 = newPageTable(4, 0);
        for (int i = 256; i < 512; i++) {
            long e = mem.readQword((systemDirectoryTableBase << PAGE_SHIFT) | ((long) i << 3));
            if (e != 0) mem.writeQword((pml4 << PAGE_SHIFT) | ((long) i << 3), e);
        }
        return pml4;
    }

    /** Creates a process object in nonpaged pool with a new address space (PspCreateProcess's Mm part). */
    public EProcess createProcess(String name, long processId) {
        long object = pool.allocateObject(0xA40, Pool.tag("Proc"));
        return new EProcess(name, processId, object, createAddressSpace());
    }

    /** The System process: its address space is the boot PML4. */
    public EProcess createSystemProcess() {
        long object = pool.allocateObject(0xA40, Pool.tag("Proc"));
        return new EProcess("System", 4, object, systemDirectoryTableBase);
    }

    /** MmCleanProcessAddressSpace + MmDeleteProcessAddressSpace: frees every user page and table. */
    public void deleteAddressSpace(EProcess process) {
        long pml4 = process.directoryTableBase;
        for (int i4 = 0; i4 < 256; i4++) {
            long e4a = (pml4 << PAGE_SHIFT) | ((long) i4 << 3);
            long e4 = mem.readQword(e4a);
            if (!Pte.isValid(e4)) continue;
            for (int i3 = 0; i3 < 512; i3++) {
                long e3 = mem.readQword((Pte.pfn(e4) << PAGE_SHIFT) | ((long) i3 << 3));
                if (!Pte.isValid(e3)) continue;
                for (int i2 = 0; i2 < 512; i2++) {
                    long e2 = mem.readQword((Pte.pfn(e3) << PAGE_SHIFT) | ((long) i2 << 3));
                    if (!Pte.isValid(e2)) continue;
                    for (int i1 = 0; i1 < 512; i1++) {
                        long ptePa = (Pte.pfn(e2) << PAGE_SHIFT) | ((long) i1 << 3);
                        long pte = mem.readQword(ptePa);
                        if (pte != 0) releasePte(ptePa, vaOf(i4, i3, i2, i1), pte);
                    }
                    freePageTable(Pte.pfn(e2));
                }
                freePageTable(Pte.pfn(e3));
            }
            freePageTable(Pte.pfn(e4));
        }
        freePageTable(pml4);
        mmu.invalidateWalkCache();
        for (int i = 0; i < kernel.processorCount(); i++) kernel.processor(i).cpu.tlb.flushNonGlobal();
        process.vads.clear();
    }

    /** Drops whatever a user PTE holds: a mapped page, a transition page or a paging-file slot. */
    void releasePte(long ptePa, long va, long pte) {
        mmu.writePteAt(ptePa, va, 0);
        if (Pte.isValid(pte)) {
            Pfn e = pfnDb.get(Pte.pfn(pte));
            if (e == null) return;
            e.shareCount--;
            e.referenceCount--;
            if (e.pteAddress == ptePa) e.pteAddress = -1;
            if (e.referenceCount == 0) freePage(e);
        } else if (Pte.isTransition(pte)) {
            Pfn e = pfnDb.get(Pte.pfn(pte));
            pfnDb.unlink(e);
            freePage(e);
        } else if (Pte.pageFileNumber(pte) != 0) {
            pagingFile.release(Pte.pageFileSlot(pte));
        }
    }

    private void freePageTable(long pfn) {
        Pfn e = pfnDb.get(pfn);
        mem.zeroFrame(pfn);
        freePage(e);
    }

    // ------------------------------------------------------------------ counters

    public long pageFaults() {
        return pageFaults;
    }

    public long demandZeroFaults() {
        return demandZeroFaults;
    }

    public long transitionFaults() {
        return transitionFaults;
    }

    public long hardFaults() {
        return hardFaults;
    }

    public long systemLockPagesCount() {
        return systemLockPagesCount;
    }
}
