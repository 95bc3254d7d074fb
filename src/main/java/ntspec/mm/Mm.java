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
import ntspec.nt.KernelMemory;
import ntspec.trace.Trace;

/**
 * The memory manager's core: frames and the PFN database, the page-fault handler (MmAccessFault),
 * memory references made through the MMU (this is the {@link KernelMemory} every structure view
 * reads through), working-set trimming and the paging file, and process address spaces. Pools,
 * system PTEs, virtual memory calls and MDL routines are beside it.
 */
public final class Mm implements KernelMemory {
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
    /** MmAllocateMappingAddress and the routines that map MDLs into the range it reserves. */
    public final ReservedMappings reservedMappings;
    /** MmAllocateContiguousMemory(SpecifyCache), MmFreeContiguousMemory, MmAllocate/FreeNonCachedMemory. */
    public final ContiguousMemory contiguous;
    /** MmTrackLockedPages: who locked which MDL's pages (TrackLockedPages, or Verifier's Pool Tracking). */
    public final LockedPagesTracking lockedPages = new LockedPagesTracking(this);
    /** Special pool: a page per allocation with an unmapped page after it (Driver Verifier's Special Pool). */
    public final SpecialPool specialPool = new SpecialPool(this);
    public final long systemDirectoryTableBase;
    private final Mmu.TableAllocator tableAllocator = this::newPageTable;
    /** Process objects by the address of their EPROCESS (what MDL->Process and IRPs point at). */
    private final java.util.Map<Long, EProcess> processes = new java.util.HashMap<>();

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
        this.reservedMappings = new ReservedMappings(this);
        this.contiguous = new ContiguousMemory(this);
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
        db.reset(pfn);
        db.setReferenceCount(pfn, 1);
        db.setShareCount(pfn, 1);
        db.setPageTable(pfn, true);
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
        pfnDb.reset(pfn);
        return pfn;
    }

    /**
     * A page whose frame number lies in [low, high] (MmAllocatePagesForMdlEx's physical range):
     * never-used frames first, then the zeroed and free lists. -1 when the range has none.
     */
    long allocatePageInRange(long low, long high, boolean zeroed) {
        long pfn = pfnDb.takeFreshInRange(low, high);
        if (pfn < 0) pfn = pfnDb.takeFromInRange(Pfn.ZERO_PAGE_LIST, low, high);
        if (pfn < 0) {
            pfn = pfnDb.takeFromInRange(Pfn.FREE_PAGE_LIST, low, high);
            if (pfn >= 0 && zeroed) mem.zeroFrame(pfn);
        }
        if (pfn < 0) return -1;
        pfnDb.reset(pfn);
        return pfn;
    }

    /** A UNICODE_STRING (Length, MaximumLength, Buffer) and its UTF-16 text in one nonpaged pool block; 0 when pool is out. */
    public long allocateUnicodeString(String text, int tag) {
        long bytes = 2L * text.length();
        long block = pool.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, 0x10 + bytes, tag);
        if (block == 0) return 0;
        write(block, 2, bytes);
        write(block + 2, 2, bytes);
        write(block + 8, 8, block + 0x10);
        for (int i = 0; i < text.length(); i++) write(block + 0x10 + 2L * i, 2, text.charAt(i));
        return block;
    }

    /** Maps a new resident, writable, global system page at pageVa: its PFN entry names that PTE, one reference, one share. */
    void mapSystemPage(long pageVa, long pfn, boolean noExecute) {
        long ptePa = mmu.walk(systemDirectoryTableBase, pageVa, tableAllocator);
        pfnDb.setReferenceCount(pfn, 1);
        pfnDb.setShareCount(pfn, 1);
        pfnDb.setPteAddress(pfn, ptePa);
        pfnDb.setVa(pfn, pageVa);
        pfnDb.setProtection(pfn, Protection.MM_READWRITE);
        pfnDb.setPteFrame(pfn, ptePa >>> 12);
        mmu.writePteAt(ptePa, pageVa, Pte.valid(pfn, true, false, true, noExecute));
    }

    /** A page that must be had (page tables): no page at all is fatal, as Windows's MiEnsureAvailablePageOrWait ends. */
    long allocatePageOrBugCheck(boolean zeroed) {
        long pfn = allocatePage(zeroed);
        if (pfn < 0) {
            throw kernel.KeBugCheckEx(BugCheckCode.MEMORY_MANAGEMENT, 0x41793, 0, pfnDb.frameCount(), 0);
        }
        return pfn;
    }

    /** Returns a page nobody references to the free list and drops its paging-file copy. */
    void freePage(long pfn) {
        long slot = pfnDb.pageFileSlot(pfn);
        if (slot >= 0) {
            pagingFile.release(slot);
            pfnDb.setPageFileSlot(pfn, -1);
        }
        pfnDb.setPteAddress(pfn, -1);
        pfnDb.setShareCount(pfn, 0);
        pfnDb.setReferenceCount(pfn, 0);
        pfnDb.setPageTable(pfn, false);
        pfnDb.setModified(pfn, false);
        pfnDb.insert(pfn, Pfn.FREE_PAGE_LIST);
    }

    private long newPageTable(int level, long va) {
        long pfn = allocatePageOrBugCheck(true);
        pfnDb.setReferenceCount(pfn, 1);
        pfnDb.setShareCount(pfn, 1);
        pfnDb.setPageTable(pfn, true);
        return pfn;
    }

    Mmu.TableAllocator tableAllocator() {
        return tableAllocator;
    }

    /** Invalidates the page's translation on every processor (a TLB shoot-down). */
    /**
     * KeFlushEntireTb(TRUE, TRUE): every processor drops every entry, global ones included. The
     * memory manager does this instead of page-by-page flushes when it changes more than
     * {@value #MAXIMUM_FLUSH_COUNT} PTEs at once.
     */
    void flushEntireTb() {
        for (int i = 0; i < kernel.processorCount(); i++) kernel.processor(i).cpu.tlb.flushAll();
        trace.add(Trace.Kind.TLB, "flush entire TB (all processors)");
    }

    /**
     * MM_MAXIMUM_FLUSH_COUNT, "number of PTEs to flush singularly before flushing the entire TB":
     * FLUSH_MULTIPLE_MAXIMUM (32) + 1 on x64, as ReactOS's miarm.h defines it
     * (https://github.com/reactos/reactos/blob/master/ntoskrnl/mm/ARM3/miarm.h).
     */
    static final long MAXIMUM_FLUSH_COUNT = 33;

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

    // ------------------------------------------------------------------ processes

    void register(EProcess process) {
        processes.put(process.address, process);
    }

    /** The live process objects. */
    public java.util.Collection<EProcess> processes() {
        return java.util.Collections.unmodifiableCollection(processes.values());
    }

    /** The process whose EPROCESS is at address, or null (a stale or wild pointer). */
    public EProcess processAt(long address) {
        return processes.get(address);
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

    /** Reads length bytes (length must fit in memory; callers bound it by what they can touch). */
    public byte[] read(long va, int length, boolean userMode) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) out[i] = (byte) readByte(va + i, userMode);
        return out;
    }

    public void write(long va, byte[] data, boolean userMode) {
        for (int i = 0; i < data.length; i++) writeByte(va + i, data[i], userMode);
    }

    /**
     * RtlCopyMemory as kernel code runs it: forward, one chunk at a time up to the next page
     * boundary of either buffer, translating the source page and then the destination page, so a
     * fault stops the copy where the first inaccessible page lies (the bytes before it are copied).
     */
    public void copyForward(long destination, long source, long length) {
        long done = 0;
        while (Long.compareUnsigned(done, length) < 0) {
            long s = source + done;
            long d = destination + done;
            long chunk = Math.min(0x1000 - (s & 0xFFF), 0x1000 - (d & 0xFFF));
            if (Long.compareUnsigned(length - done, chunk) < 0) chunk = length - done;
            long spa = translate(s, Access.READ, false);
            long dpa = translate(d, Access.WRITE, false);
            for (long i = 0; i < chunk; i++) mem.writeByte(dpa + i, mem.readByte(spa + i));
            done += chunk;
        }
    }

    /** Executes from va (an instruction fetch). */
    public void execute(long va, boolean userMode) {
        translate(va, Access.EXECUTE, userMode);
    }

    /**
     * A kernel-mode read of a structure member: faults as the CPU takes them. Once the machine has
     * bug-checked no code runs any more, and what is read is what the debugger reads of the dump
     * (invalid memory reads as 0).
     */
    @Override
    public long read(long va, int size) {
        if (kernel.bugCheck() != null || kernel.hang() != null || kernel.assertion() != null) {
            Long v = peek(va, size);
            return v == null ? 0 : v;
        }
        if ((va & 0xFFF) + size <= 0x1000) {
            return mem.read(translate(va, Access.READ, false), size);
        }
        long v = 0;
        for (int i = 0; i < size; i++) v |= (long) readByte(va + i, false) << (8 * i);
        return v;
    }

    /**
     * An interlocked read-modify-write of a quadword ({@code lock or}, {@code lock bts}): one
     * access, a write, so a fault reports a write. Returns the old value.
     */
    public long interlockedOr(long va, long bits) {
        long pa = translate(va, Access.WRITE, false);
        long old = mem.read(pa, 8);
        mem.write(pa, 8, old | bits);
        return old;
    }

    /** A kernel-mode write of a structure member. */
    @Override
    public void write(long va, int size, long value) {
        if ((va & 0xFFF) + size <= 0x1000) {
            mem.write(translate(va, Access.WRITE, false), size, value);
            return;
        }
        for (int i = 0; i < size; i++) writeByte(va + i, (int) (value >>> (8 * i)), false);
    }

    /**
     * The debugger's read (dq, dt): physical memory through the current page tables, without
     * faulting and without touching A/D bits. Null when a byte of the range is not valid.
     */
    public Long peek(long va, int size) {
        return peekIn(currentCr3(), va, size);
    }

    /** {@link #peek} through another address space's page tables. */
    public Long peekIn(long cr3, long va, int size) {
        long v = 0;
        for (int i = 0; i < size; ) {
            long a = va + i;
            long pte = Mmu.isCanonical(a) ? mmu.readPte(cr3, a) : 0;
            if (!Pte.isValid(pte)) return null;
            int inPage = (int) Math.min(size - i, 0x1000 - (a & 0xFFF));
            long pa = (Pte.pfn(pte) << 12) | (a & 0xFFF);
            if (inPage == 8 && (pa & 7) == 0) return mem.readQword(pa);
            for (int j = 0; j < inPage; j++) v |= (long) mem.readByte(pa + j) << (8 * (i + j));
            i += inPage;
        }
        return v;
    }

    // ------------------------------------------------------------------ the page-fault handler

    /**
     * MmAccessFault, with the trap handler's choice of bug check (https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-code-reference2,
     * bug checks 0xA, 0x50, 0xD1, 0xCE).
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
            if (!userVa && kernel.isUnloadedImageAddress(va)) {
                // An address of a driver that has been unloaded, touched at raised IRQL (bug check 0xD4).
                throw kernel.KeBugCheckEx(BugCheckCode.SYSTEM_SCAN_AT_RAISED_IRQL_CAUGHT_IMPROPER_DRIVER_UNLOAD, va, irql,
                        access == Access.WRITE ? 1 : 0, ip);
            }
            int code = kernel.runningDriverCode() ? BugCheckCode.DRIVER_IRQL_NOT_LESS_OR_EQUAL
                    : BugCheckCode.IRQL_NOT_LESS_OR_EQUAL;
            throw kernel.KeBugCheckEx(code, va, irql, access == Access.WRITE ? 1 : access == Access.EXECUTE ? 8 : 0, ip);
        }
        if (userVa && !userMode && access == Access.EXECUTE && pf.isProtectionViolation()) {
            // Kernel code jumping to a user page: SMEP refuses the fetch (bug check 0xFC).
            throw kernel.KeBugCheckEx(BugCheckCode.ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY, va, readPte(va), 0, 0);
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
        Vad vad = process == null ? null : process.findVad(va);
        if (vad == null) throw kernel.raise(NtStatus.STATUS_ACCESS_VIOLATION, avInfo, va);
        long ptePa = mmu.walk(currentCr3(), va, tableAllocator);
        long pte = mem.readQword(ptePa);
        if (Pte.isValid(pte)) {
            // Present but the access is not allowed: write to read-only or execute of NX.
            throw kernel.raise(NtStatus.STATUS_ACCESS_VIOLATION, avInfo, va);
        }
        if (vad.type == Vad.Type.MDL_MAPPING) {
            // A locked-pages mapping is valid for its whole life; an invalid PTE in it was unmapped.
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
        if (pool.isPagedPoolAddress(va) && pool.isLivePagedPage(va)) {
            // Paged pool is demand-zero until first touched: its page tables and PTEs appear at the first fault.
            long ptePa = mmu.walk(systemDirectoryTableBase, va, tableAllocator);
            long pte = mem.readQword(ptePa);
            if (Pte.isValid(pte)) systemProtectionFault(va, access);
            int prot = pte == 0 ? Protection.MM_READWRITE : Pte.protection(pte);
            makeResident(ptePa, va, pte == 0 ? Pte.demandZero(prot) : pte, prot, false);
            return;
        }
        long ptePa = ptePhysicalAddress(va);
        if (ptePa < 0) {
            throw systemFaultBugCheck(va, access, ip, 2);
        }
        long pte = mem.readQword(ptePa);
        if (Pte.isValid(pte)) systemProtectionFault(va, access);
        throw systemFaultBugCheck(va, access, ip, 0);
    }

    /** 0x50 for an invalid system address, refined to 0xCE for an address of an unloaded driver. */
    private RuntimeException systemFaultBugCheck(long va, Access access, long ip, long type) {
        if (SpecialPool.contains(va)) throw specialPool.fault(va, access == Access.WRITE, ip);
        if (kernel.isUnloadedImageAddress(va)) {
            throw kernel.KeBugCheckEx(BugCheckCode.DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS, va,
                    access == Access.WRITE ? 1 : 0, ip, 0);
        }
        throw kernel.KeBugCheckEx(BugCheckCode.PAGE_FAULT_IN_NONPAGED_AREA, va, p2Of(access), ip, type);
    }

    /** Makes an invalid PTE valid: a transition (soft) fault, a paging-file (hard) fault or demand zero. */
    private void makeResident(long ptePa, long va, long pte, int prot, boolean user) {
        long pfn;
        if (Pte.isTransition(pte)) {
            pfn = Pte.pfn(pte);
            pfnDb.unlink(pfn);
            transitionFaults++;
        } else if (Pte.pageFileNumber(pte) != 0) {
            long slot = Pte.pageFileSlot(pte);
            pfn = allocatePageForFault();
            mem.copyIn(pfn, pagingFile.read(slot));
            pfnDb.setPageFileSlot(pfn, slot);
            hardFaults++;
        } else {
            pfn = allocatePageForFault();
            demandZeroFaults++;
        }
        pfnDb.setLocation(pfn, Pfn.ACTIVE_AND_VALID);
        pfnDb.setShareCount(pfn, 1);
        pfnDb.addReference(pfn, 1);
        pfnDb.setPteAddress(pfn, ptePa);
        pfnDb.setVa(pfn, va);
        pfnDb.setProtection(pfn, prot);
        pfnDb.setPteFrame(pfn, ptePa >>> PAGE_SHIFT);
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
     * PTE. Pages locked by an MDL stay: what MiFreeWsle does for a page whose reference count shows
     * an I/O lock. With {@code toPagingFile} the modified pages are written and the standby pages
     * repurposed, so the next touch is a hard fault. Returns the number of pages trimmed.
     */
    public long trimWorkingSet(EProcess process, boolean toPagingFile) {
        long trimmed = forEachValidPte(process.directoryTableBase, 0, 256, false);
        trace.add(Trace.Kind.NOTE, "working set of " + process.name + " trimmed, pages", trimmed);
        if (toPagingFile) pageOutAll();
        return trimmed;
    }

    /**
     * Trims pageable system memory (paged pool): the system working set. With {@code toPagingFile}
     * the trimmed pages are also written out and repurposed.
     */
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
            long pfn = repurposeStandby();
            pfnDb.insert(pfn, Pfn.FREE_PAGE_LIST);
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
        long pfn = Pte.pfn(pte);
        if (!pfnDb.exists(pfn) || pfnDb.isPageTable(pfn) || pfnDb.pteAddress(pfn) != ptePa) return false; // I/O space or a second mapping
        if (pfnDb.lockCount(pfn) > 0) return false; // locked for I/O: stays in the working set
        boolean dirty = (pte & Pte.D) != 0 || pfnDb.isModified(pfn);
        mmu.writePteAt(ptePa, va, Pte.transition(pfn, pfnDb.protection(pfn)));
        flushTlb(va);
        pfnDb.setShareCount(pfn, 0);
        pfnDb.addReference(pfn, -1);
        long slot = pfnDb.pageFileSlot(pfn);
        if (dirty && slot >= 0) {
            pagingFile.release(slot); // the copy in the paging file is stale now
            pfnDb.setPageFileSlot(pfn, -1);
        }
        pfnDb.setModified(pfn, dirty);
        pfnDb.insert(pfn, dirty ? Pfn.MODIFIED_PAGE_LIST : Pfn.STANDBY_PAGE_LIST);
        return true;
    }

    /**
     * The modified page writer: writes modified pages to the paging file; they move to standby. A
     * page that already has a current copy in the file keeps that slot (no second slot is taken).
     */
    public void writeModifiedPages() {
        long pfn;
        while ((pfn = pfnDb.takeFrom(Pfn.MODIFIED_PAGE_LIST)) >= 0) {
            long slot = pfnDb.pageFileSlot(pfn);
            if (slot < 0) {
                slot = pagingFile.write(mem.copyOut(pfn));
                if (slot < 0) {
                    pfnDb.insert(pfn, Pfn.MODIFIED_PAGE_LIST);
                    trace.add(Trace.Kind.NOTE, "paging file full");
                    return;
                }
            } else {
                pagingFile.overwrite(slot, mem.copyOut(pfn));
            }
            pfnDb.setPageFileSlot(pfn, slot);
            pfnDb.setModified(pfn, false);
            pfnDb.insert(pfn, Pfn.STANDBY_PAGE_LIST);
        }
    }

    /** Takes the oldest standby page for reuse; its PTE now says where the contents are. */
    private long repurposeStandby() {
        long pfn = pfnDb.takeFrom(Pfn.STANDBY_PAGE_LIST);
        long ptePa = pfnDb.pteAddress(pfn);
        if (ptePa >= 0) {
            long slot = pfnDb.pageFileSlot(pfn);
            int prot = pfnDb.protection(pfn);
            long pte = slot >= 0 ? Pte.pageFile(PagingFile.NUMBER, slot, prot) : Pte.demandZero(prot);
            mmu.writePteAt(ptePa, pfnDb.va(pfn), pte);
        } else if (pfnDb.pageFileSlot(pfn) >= 0) {
            pagingFile.release(pfnDb.pageFileSlot(pfn)); // nobody refers to that copy any more
        }
        pfnDb.setPageFileSlot(pfn, -1); // the slot now belongs to the PTE
        pfnDb.setPteAddress(pfn, -1);
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
        long object = pool.allocateObject(EProcess.TYPE.size(), Pool.tag("Proc"));
        EProcess p = new EProcess(this, name, processId, object, createAddressSpace());
        register(p);
        return p;
    }

    /** The System process: its address space is the boot PML4. */
    public EProcess createSystemProcess() {
        long object = pool.allocateObject(EProcess.TYPE.size(), Pool.tag("Proc"));
        EProcess p = new EProcess(this, "System", 4, object, systemDirectoryTableBase);
        register(p);
        return p;
    }

    /**
     * MmCleanProcessAddressSpace: frees every user page and paging structure below the PML4. The
     * PML4 itself stays with the process object (MmDeleteProcessAddressSpace runs when the object
     * goes), so a driver that attaches to the dead process afterwards finds an empty user half.
     * PTEs of locked-pages mappings (MmMapLockedPagesSpecifyCache UserMode) hold no PFN references:
     * they are cleared, never dereferenced.
     */
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
                        if (pte == 0) continue;
                        long va = vaOf(i4, i3, i2, i1);
                        Vad vad = process.findVad(va);
                        if (vad != null && vad.type == Vad.Type.MDL_MAPPING) mmu.writePteAt(ptePa, va, 0);
                        else releasePte(ptePa, va, pte);
                    }
                    freePageTable(Pte.pfn(e2));
                }
                freePageTable(Pte.pfn(e3));
            }
            freePageTable(Pte.pfn(e4));
            mem.writeQword(e4a, 0);
        }
        mmu.invalidateWalkCache();
        for (int i = 0; i < kernel.processorCount(); i++) kernel.processor(i).cpu.tlb.flushNonGlobal();
        process.vads.clear();
    }

    /**
     * MmDeleteProcessAddressSpace, when the last reference to an exited process object goes: the
     * PML4 goes back to the free list and the process object leaves the process table.
     */
    public void deleteProcessObject(EProcess process) {
        if (process.directoryTableBase != systemDirectoryTableBase) freePageTable(process.directoryTableBase);
        mmu.invalidateWalkCache();
        processes.remove(process.address);
        pool.ExFreePoolWithTag(process.address, Pool.tag("Proc"));
    }

    /**
     * Drops whatever a user PTE holds: a mapped page, a transition page or a paging-file slot. A
     * page still locked by an MDL is not freed here: its last unlock frees it (MiDecrementReferenceCount).
     */
    void releasePte(long ptePa, long va, long pte) {
        mmu.writePteAt(ptePa, va, 0);
        if (Pte.isValid(pte)) {
            long pfn = Pte.pfn(pte);
            if (!pfnDb.exists(pfn)) return;
            pfnDb.addShare(pfn, -1);
            if (pfnDb.pteAddress(pfn) == ptePa) pfnDb.setPteAddress(pfn, -1);
            mdl.dereference(pfn);
        } else if (Pte.isTransition(pte)) {
            long pfn = Pte.pfn(pte);
            if (pfnDb.pteAddress(pfn) == ptePa) pfnDb.setPteAddress(pfn, -1);
            if (pfnDb.referenceCount(pfn) == 0) {
                pfnDb.unlink(pfn);
                freePage(pfn);
            }
        } else if (Pte.pageFileNumber(pte) != 0) {
            pagingFile.release(Pte.pageFileSlot(pte));
        }
    }

    private void freePageTable(long pfn) {
        mem.zeroFrame(pfn);
        freePage(pfn);
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
