package ntspec.mm;

import static ntspec.mm.Mdl.*;

import java.util.HashMap;
import java.util.Map;
import ntspec.hw.Access;
import ntspec.hw.Pte;
import ntspec.ke.BugCheckCode;
import ntspec.ke.NtStatus;
import ntspec.ke.RaisedException;
import ntspec.trace.Trace;

/**
 * The memory manager's MDL routines, step by step as mdl-and-io-semantics.md section B gives them
 * (ReactOS mdlsup.c for the order of operations, Microsoft's DDI pages for the contract, the
 * ReactOS kmtests for what Windows does). Misuse ends as a Windows free build without Verifier
 * ends it: with the bug check the kernel's own consistency checks raise.
 */
public final class MdlRoutines {
    public static final int KernelMode = 0;
    public static final int UserMode = 1;
    public static final int IoReadAccess = 0;
    public static final int IoWriteAccess = 1;
    public static final int IoModifyAccess = 2;
    // MEMORY_CACHING_TYPE
    public static final int MmNonCached = 0;
    public static final int MmCached = 1;
    public static final int MmWriteCombined = 2;
    // MM_PAGE_PRIORITY and the Windows 8 flags OR-ed into it
    public static final int LowPagePriority = 0;
    public static final int NormalPagePriority = 16;
    public static final int HighPagePriority = 32;
    public static final int MdlMappingNoWrite = 0x80000000;
    public static final int MdlMappingNoExecute = 0x40000000;
    // MmAllocatePagesForMdlEx flags
    public static final int MM_DONT_ZERO_ALLOCATION = 0x1;
    public static final int MM_ALLOCATE_FROM_LOCAL_NODE_ONLY = 0x2;
    public static final int MM_ALLOCATE_FULLY_REQUIRED = 0x4;
    public static final int MM_ALLOCATE_NO_WAIT = 0x8;
    public static final int MM_ALLOCATE_PREFER_CONTIGUOUS = 0x10;
    public static final int MM_ALLOCATE_REQUIRE_CONTIGUOUS_CHUNKS = 0x20;
    public static final int MM_ALLOCATE_FAST_LARGE_PAGES = 0x40;
    private static final int MM_ALLOCATE_VALID_FLAGS = 0x7F;

    private final Mm mm;
    private final Map<Long, Mdl> byAddress = new HashMap<>();

    MdlRoutines(Mm mm) {
        this.mm = mm;
    }

    // ------------------------------------------------------------------ MDL storage

    /** MmSizeOfMdl: sizeof(MDL) + span pages * sizeof(PFN_NUMBER). */
    public static long MmSizeOfMdl(long base, long length) {
        return HEADER_SIZE + 8 * MmLayout.spanPages(base, length);
    }

    /** Allocates MDL storage for {@code capacity} PFNs in nonpaged pool (tag 'Mdl '). */
    public Mdl allocate(int capacity) {
        long va = mm.pool.allocateObject(HEADER_SIZE + 8L * Math.max(capacity, 1), Pool.tag("Mdl "));
        Mdl mdl = new Mdl(va, Math.max(capacity, 1));
        byAddress.put(va, mdl);
        return mdl;
    }

    /** Returns MDL storage to pool. */
    public void free(Mdl mdl) {
        mm.pool.ExFreePoolWithTag(mdl.address, Pool.tag("Mdl "));
        mdl.freed = true;
    }

    /** The MDL whose header is at {@code address}, or null. */
    public Mdl at(long address) {
        return byAddress.get(address);
    }

    /** MmInitializeMdl: Next, Size, MdlFlags, StartVa, ByteOffset, ByteCount; nothing else. */
    public static void MmInitializeMdl(Mdl mdl, long base, long length) {
        mdl.Next = null;
        mdl.Size = (short) MmSizeOfMdl(base, length);
        mdl.MdlFlags = 0;
        mdl.StartVa = MmLayout.pageAlign(base);
        mdl.ByteOffset = MmLayout.byteOffset(base);
        mdl.ByteCount = length & 0xFFFFFFFFL;
    }

    // ------------------------------------------------------------------ locking

    private void lockPage(Pfn e) {
        if (e.lockCount() == 0) mm.systemLockPagesCount++;
        e.referenceCount++;
    }

    /**
     * Drops one reference. When nothing references the page any more it goes where its PTE says:
     * back to the standby or modified list if a transition PTE still points at it, else free.
     */
    void dereference(Pfn e) {
        e.referenceCount--;
        if (e.referenceCount > 0 || e.shareCount > 0) return;
        if (e.pteAddress >= 0) {
            long pte = mm.memory().readQword(e.pteAddress);
            if (Pte.isTransition(pte) && Pte.pfn(pte) == e.pfn) {
                mm.pfnDb.insert(e, e.modified ? Pfn.MODIFIED_PAGE_LIST : Pfn.STANDBY_PAGE_LIST);
                return;
            }
        }
        mm.freePage(e);
    }

    /**
     * MmProbeAndLockPages (B.6): the user-range check, the probe loop that faults every page in
     * (and write-probes user pages for a write operation), then the lock loop that takes one PFN
     * reference per page and charges the process. Failures are raised; the MDL is left unlocked.
     */
    public void MmProbeAndLockPages(Mdl mdl, int accessMode, int operation) {
        long address = mdl.StartVa + mdl.ByteOffset;
        long last = address + mdl.ByteCount;
        long pages = MmLayout.spanPages(address, mdl.ByteCount);
        if (accessMode != KernelMode) {
            // Zero length or wrap-around also fail here (Address >= LastAddress).
            if (Long.compareUnsigned(last, MmLayout.MM_USER_PROBE_ADDRESS) > 0 || Long.compareUnsigned(address, last) >= 0) {
                mdl.pfnArray[0] = LIST_HEAD;
                throw mm.kernel.ExRaiseStatus(NtStatus.STATUS_ACCESS_VIOLATION);
            }
        }
        boolean user = MmLayout.isUserAddress(address);
        EProcess process = user ? mm.currentProcess() : null;
        // Probe loop: at least one page is touched (a do/while in ReactOS).
        try {
            long va = address;
            int slot = 0;
            do {
                if (slot < mdl.pfnArray.length) mdl.pfnArray[slot++] = LIST_HEAD;
                // The probe reads one byte of the page (and a write probe writes it back). Only the
                // reference matters -- its faults, access checks and A/D bits -- not the byte, so
                // the simulator translates without fetching the data.
                mm.translate(va, Access.READ, false);
                if (operation != IoReadAccess && user) probeWriteByte(va);
                va = MmLayout.pageAlign(va) + MmLayout.PAGE_SIZE;
            } while (Long.compareUnsigned(va, last) < 0);
        } catch (RaisedException e) {
            mdl.Process = null;
            throw e;
        }
        if (operation != IoReadAccess) mdl.setFlag(MDL_WRITE_OPERATION);
        else mdl.clearFlag(MDL_WRITE_OPERATION);
        mdl.setFlag(MDL_PAGES_LOCKED);
        if (process == null) {
            mdl.Process = null;
            operation = IoReadAccess; // no write check for system addresses
        } else {
            process.numberOfLockedPages += pages;
            mdl.Process = process;
        }
        long cr3 = mm.currentCr3();
        long page = MmLayout.pageAlign(address);
        for (int i = 0; i < pages; i++, page += MmLayout.PAGE_SIZE) {
            long pte;
            while (true) {
                long ptePa = mm.mmu().walk(cr3, page, null);
                pte = ptePa < 0 ? 0 : mm.memory().readQword(ptePa);
                if (Pte.isValid(pte)) break;
                try {
                    mm.translate(page, Access.READ, false);
                } catch (RaisedException e) {
                    MmUnlockPages(mdl);
                    throw e;
                }
            }
            if (operation != IoReadAccess && (pte & Pte.RW) == 0) {
                MmUnlockPages(mdl);
                throw mm.kernel.ExRaiseStatus(NtStatus.STATUS_ACCESS_VIOLATION);
            }
            long pfn = Pte.pfn(pte);
            Pfn e = mm.pfnDb.isRam(pfn) ? mm.pfnDb.get(pfn) : null;
            if (e == null) mdl.setFlag(MDL_IO_SPACE);
            else lockPage(e);
            mdl.pfnArray[i] = pfn;
        }
    }

    /** ProbeForWrite of one byte: range check, then read and write back (copy-on-write, read-only). */
    private void probeWriteByte(long va) {
        if (Long.compareUnsigned(va, MmLayout.MM_USER_PROBE_ADDRESS) >= 0) {
            throw mm.kernel.ExRaiseStatus(NtStatus.STATUS_ACCESS_VIOLATION);
        }
        mm.translate(va, Access.WRITE, false);
    }

    /** MmProbeAndLockProcessPages (B.7): attaches to the process when it is not the current one. */
    public void MmProbeAndLockProcessPages(Mdl mdl, EProcess process, int accessMode, int operation) {
        mm.vm.inProcess(process, () -> MmProbeAndLockPages(mdl, accessMode, operation));
    }

    /**
     * MmUnlockPages (B.8): releases a system mapping first (MDL_MAPPED_TO_SYSTEM_VA), returns the
     * process's locked-page charge and drops one reference per page. Unlocking what is not locked
     * bug-checks PROCESS_HAS_LOCKED_PAGES (1, MDL, locked count, 0) when the process's charge
     * would go negative, else PFN_LIST_CORRUPT (7, PFN, share count, 0) for the first page whose
     * lock count would underflow.
     */
    public void MmUnlockPages(Mdl mdl) {
        if (mdl.hasFlag(MDL_MAPPED_TO_SYSTEM_VA)) {
            MmUnmapLockedPages(mdl.MappedSystemVa, mdl);
        }
        long pages = mdl.pageCount();
        EProcess process = mdl.Process;
        if (process != null) {
            if (process.numberOfLockedPages < pages) {
                throw mm.kernel.KeBugCheckEx(BugCheckCode.PROCESS_HAS_LOCKED_PAGES, 1, mdl.address, process.numberOfLockedPages, 0);
            }
            process.numberOfLockedPages -= pages;
        }
        boolean write = mdl.hasFlag(MDL_WRITE_OPERATION);
        for (int i = 0; i < pages && i < mdl.pfnArray.length; i++) {
            long pfn = mdl.pfnArray[i];
            if (pfn == LIST_HEAD) break;
            if (pfn > mm.pfnDb.highestPhysicalPage()) continue; // I/O space: no PFN entry
            Pfn e = mm.pfnDb.get(pfn);
            if (e == null || e.lockCount() <= 0) {
                throw mm.kernel.KeBugCheckEx(BugCheckCode.PFN_LIST_CORRUPT, 0x07, pfn, e == null ? 0 : e.shareCount, 0);
            }
            if (write) {
                // The device may have written the page: it is dirty whatever its PTE's D bit says.
                e.modified = true;
                if (e.pageFileSlot >= 0) {
                    mm.pagingFile.release(e.pageFileSlot);
                    e.pageFileSlot = -1;
                }
            }
            dereference(e);
            if (e.lockCount() == 0) mm.systemLockPagesCount--;
        }
        mdl.clearFlag(MDL_PAGES_LOCKED | MDL_IO_SPACE);
    }

    // ------------------------------------------------------------------ mapping

    /**
     * MmMapLockedPagesSpecifyCache (B.9). KernelMode: reserves system PTEs and maps the MDL's
     * pages there; NULL or NO_MORE_SYSTEM_PTES (0, pages, free, total) when the pool is exhausted,
     * as BugCheckOnFailure and MDL_MAPPING_CAN_FAIL decide. UserMode: a new VAD in the current
     * process; failures are raised, and the MDL does not record the address.
     */
    public long MmMapLockedPagesSpecifyCache(Mdl mdl, int accessMode, int cacheType, long requestedAddress,
                                             boolean bugCheckOnFailure, int priority) {
        long pages = mdl.pageCount();
        if (!mdl.hasFlag(MDL_PAGES_LOCKED | MDL_PARTIAL | MDL_SOURCE_IS_NONPAGED_POOL)) {
            // Mapping pages nobody locked: MEMORY_MANAGEMENT 0x1233 (kernel-rules.md 1.13).
            for (int i = 0; i < pages && i < mdl.pfnArray.length; i++) {
                long pfn = mdl.pfnArray[i];
                Pfn e = mm.pfnDb.get(pfn);
                if (pfn != LIST_HEAD && mm.pfnDb.isRam(pfn) && (e == null || e.referenceCount == 0)) {
                    throw mm.kernel.KeBugCheckEx(BugCheckCode.MEMORY_MANAGEMENT, 0x1233, pfn, mdl.address, 0);
                }
            }
        }
        if (accessMode == UserMode) return mapInUserSpace(mdl, pages, requestedAddress);
        long base = priorityAllows(pages, priority) ? mm.systemPtes.reserve(pages) : 0;
        if (base == 0) {
            if (bugCheckOnFailure && !mdl.hasFlag(MDL_MAPPING_CAN_FAIL)) {
                throw mm.kernel.KeBugCheckEx(BugCheckCode.NO_MORE_SYSTEM_PTES, 0, pages, mm.systemPtes.free(), mm.systemPtes.total());
            }
            mm.trace.add(Trace.Kind.NOTE, "no system PTEs for the mapping (pages, free)", pages, mm.systemPtes.free());
            return 0;
        }
        boolean writable = (priority & MdlMappingNoWrite) == 0;
        boolean noExecute = (priority & MdlMappingNoExecute) != 0;
        long cacheBits = cacheType == MmNonCached ? Pte.PCD | Pte.PWT : cacheType == MmWriteCombined ? Pte.PWT : 0;
        for (int i = 0; i < pages; i++) {
            long pfn = mdl.pfnArray[i];
            if (pfn == LIST_HEAD) break;
            mm.systemPtes.map(base + ((long) i << 12), pfn, writable, noExecute, cacheBits);
        }
        mdl.MappedSystemVa = base + mdl.ByteOffset;
        mdl.setFlag(MDL_MAPPED_TO_SYSTEM_VA);
        if (mdl.hasFlag(MDL_PARTIAL)) mdl.setFlag(MDL_PARTIAL_HAS_BEEN_MAPPED);
        return mdl.MappedSystemVa;
    }

    /**
     * The priority policy: HighPagePriority fails only when no run is free; NormalPagePriority
     * keeps 1/256 of the pool back and LowPagePriority 1/16 (MS: "may fail when the system is
     * very low / fairly low on resources"; the thresholds are this simulator's choice).
     */
    private boolean priorityAllows(long pages, int priority) {
        int p = priority & 0xFFFF;
        long reserve = p >= HighPagePriority ? 0 : p >= NormalPagePriority ? mm.systemPtes.total() / 256 : mm.systemPtes.total() / 16;
        return mm.systemPtes.free() - pages >= reserve;
    }

    private long mapInUserSpace(Mdl mdl, long pages, long requestedAddress) {
        EProcess process = mm.currentProcess();
        long size = pages << 12;
        long base;
        if (requestedAddress == 0) {
            base = findFreeUserRange(process, size);
            if (base == 0) throw mm.kernel.ExRaiseStatus(NtStatus.STATUS_NO_MEMORY);
        } else {
            base = requestedAddress;
            if ((base & 0xFFF) != 0 || Long.compareUnsigned(base + size - 1, MmLayout.MM_HIGHEST_VAD_ADDRESS) > 0) {
                throw mm.kernel.ExRaiseStatus(NtStatus.STATUS_INVALID_ADDRESS);
            }
            if (mm.vm.overlaps(process, base, base + size - 1)) {
                throw mm.kernel.ExRaiseStatus(NtStatus.STATUS_CONFLICTING_ADDRESSES);
            }
        }
        Vad vad = new Vad(base >>> 12, (base + size - 1) >>> 12, Protection.MM_READWRITE, true, Vad.Type.MDL_MAPPING);
        process.vads.put(vad.startingVpn, vad);
        for (int i = 0; i < pages; i++) {
            long pfn = mdl.pfnArray[i];
            if (pfn == LIST_HEAD) break;
            long pte = Pte.valid(pfn, true, true, false, true);
            mm.mmu().writePte(mm.currentCr3(), base + ((long) i << 12), pte, mm.tableAllocator());
        }
        return base + mdl.ByteOffset;
    }

    private long findFreeUserRange(EProcess process, long size) {
        long span = (size + MmLayout.ALLOCATION_GRANULARITY - 1) & ~(MmLayout.ALLOCATION_GRANULARITY - 1);
        long candidate = MmLayout.MM_LOWEST_USER_ADDRESS;
        for (Vad v : process.vads.values()) {
            if (candidate + span <= v.start()) return candidate;
            long after = v.start() + v.size();
            candidate = Math.max(candidate, (after + MmLayout.ALLOCATION_GRANULARITY - 1) & ~(MmLayout.ALLOCATION_GRANULARITY - 1));
        }
        return candidate + span - 1 <= MmLayout.MM_HIGHEST_VAD_ADDRESS ? candidate : 0;
    }

    /** MmGetSystemAddressForMdlSafe (A.3): the existing address, or a new kernel mapping, or NULL. */
    public long MmGetSystemAddressForMdlSafe(Mdl mdl, int priority) {
        if (mdl.hasFlag(MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL)) return mdl.MappedSystemVa;
        return MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, 0, false, priority);
    }

    /**
     * MmUnmapLockedPages (B.11). A system address: the MDL must be mapped there, else
     * SYSTEM_PTE_MISUSE 6 (never or no longer mapped: MDL, VA, pages) or 3 (a different address:
     * MDL, expected, requested); the PTEs are zeroed, shot down and freed, MappedSystemVa keeps its
     * stale value. A user address: the MDL VAD containing it is removed, or nothing happens.
     */
    public void MmUnmapLockedPages(long baseAddress, Mdl mdl) {
        long pages = mdl.pageCount();
        if (!MmLayout.isUserAddress(baseAddress)) {
            if (!mdl.hasFlag(MDL_MAPPED_TO_SYSTEM_VA)) {
                throw mm.kernel.KeBugCheckEx(BugCheckCode.SYSTEM_PTE_MISUSE, 0x06, mdl.address, baseAddress, pages);
            }
            long expected = MmLayout.pageAlign(mdl.MappedSystemVa);
            if (MmLayout.pageAlign(baseAddress) != expected) {
                throw mm.kernel.KeBugCheckEx(BugCheckCode.SYSTEM_PTE_MISUSE, 0x03, mdl.address, expected, baseAddress);
            }
            mm.systemPtes.release(expected, pages);
            mdl.clearFlag(MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED | MDL_FREE_EXTRA_PTES);
            return;
        }
        EProcess process = mm.currentProcess();
        Vad vad = process.findVad(baseAddress);
        if (vad == null || vad.type != Vad.Type.MDL_MAPPING) return;
        process.vads.remove(vad.startingVpn);
        for (long va = vad.start(); va < vad.start() + vad.size(); va += MmLayout.PAGE_SIZE) {
            long ptePa = mm.mmu().walk(mm.currentCr3(), va, null);
            if (ptePa >= 0) mm.mmu().writePteAt(ptePa, va, 0);
            mm.flushTlb(va);
        }
    }

    // ------------------------------------------------------------------ other MDL kinds

    /**
     * MmBuildMdlForNonPagedPool (B.5): fills the PFN array from the current PTEs, no references
     * taken. A page that is not resident bug-checks MEMORY_MANAGEMENT 0x1240 (MDL, PTE address).
     */
    public void MmBuildMdlForNonPagedPool(Mdl mdl) {
        mdl.Process = null;
        mdl.MappedSystemVa = mdl.StartVa + mdl.ByteOffset;
        long pages = mdl.pageCount();
        long last = -1;
        for (int i = 0; i < pages; i++) {
            long va = mdl.StartVa + ((long) i << 12);
            long ptePa = mm.ptePhysicalAddress(va);
            long pte = ptePa < 0 ? 0 : mm.memory().readQword(ptePa);
            if (!Pte.isValid(pte)) {
                throw mm.kernel.KeBugCheckEx(BugCheckCode.MEMORY_MANAGEMENT, 0x1240, mdl.address, ptePa, 0);
            }
            last = Pte.pfn(pte);
            mdl.pfnArray[i] = last;
        }
        mdl.setFlag(MDL_SOURCE_IS_NONPAGED_POOL);
        if (last >= 0 && !mm.pfnDb.isRam(last)) mdl.setFlag(MDL_IO_SPACE);
    }

    /** MmPrepareMdlForReuse (B.12): releases only a partial MDL's own mapping. */
    public void MmPrepareMdlForReuse(Mdl mdl) {
        if (mdl.hasFlag(MDL_PARTIAL_HAS_BEEN_MAPPED)) {
            MmUnmapLockedPages(mdl.MappedSystemVa, mdl);
        }
    }

    /**
     * MmAllocatePagesForMdlEx (B.13): physical pages in [low, high] (skipping by {@code skip}),
     * each with reference and share count 1 and the private PteFrame marker; fewer than asked is
     * success (check ByteCount), none is NULL. Zeroed unless MM_DONT_ZERO_ALLOCATION (Microsoft's
     * contract; ReactOS zeroes regardless).
     */
    public Mdl MmAllocatePagesForMdlEx(long lowAddress, long highAddress, long skipBytes, long totalBytes,
                                       int cacheType, int flags) {
        if ((flags & ~MM_ALLOCATE_VALID_FLAGS) != 0 || (skipBytes & 0xFFF) != 0 || totalBytes == 0) return null;
        long wanted = MmLayout.bytesToPages(totalBytes);
        long lowPfn = lowAddress >>> 12;
        long highPfn = Math.min(highAddress >>> 12, mm.pfnDb.highestPhysicalPage());
        Mdl mdl = allocate((int) Math.min(wanted + 1, Integer.MAX_VALUE - 8));
        MmInitializeMdl(mdl, 0, wanted << 12);
        int found = 0;
        while (found < wanted) {
            long pfn = mm.allocatePage((flags & MM_DONT_ZERO_ALLOCATION) == 0);
            if (pfn < 0) break;
            Pfn e = mm.pfnDb.get(pfn);
            if (pfn < lowPfn || pfn > highPfn) {
                mm.freePage(e);
                break;
            }
            e.referenceCount = 1;
            e.shareCount = 1;
            e.pteFrame = Pfn.MDL_PAGES_PTE_FRAME;
            e.cacheAttribute = (byte) (cacheType == MmNonCached ? 0 : cacheType == MmWriteCombined ? 2 : 1);
            mdl.pfnArray[found++] = pfn;
        }
        if (found < wanted && (flags & MM_ALLOCATE_FULLY_REQUIRED) != 0 || found == 0) {
            for (int i = 0; i < found; i++) freeAllocatedPage(mm.pfnDb.get(mdl.pfnArray[i]));
            free(mdl);
            return null;
        }
        mdl.ByteCount = (long) found << 12;
        mdl.pfnArray[found] = LIST_HEAD;
        mdl.Process = null;
        mdl.setFlag(MDL_PAGES_LOCKED);
        return mdl;
    }

    private void freeAllocatedPage(Pfn e) {
        e.shareCount--;
        dereference(e);
    }

    /**
     * MmFreePagesFromMdl (B.13): releases a system mapping first (Windows 7 and later; ReactOS does
     * not), then frees each page; a page that MmAllocatePagesForMdl did not hand out bug-checks
     * MEMORY_MANAGEMENT 0x1236 (MDL, PFN-array slot, PFN).
     */
    public void MmFreePagesFromMdl(Mdl mdl) {
        if (mdl.hasFlag(MDL_MAPPED_TO_SYSTEM_VA)) MmUnmapLockedPages(mdl.MappedSystemVa, mdl);
        long pages = mdl.pageCount();
        for (int i = 0; i < pages && i < mdl.pfnArray.length; i++) {
            long pfn = mdl.pfnArray[i];
            if (pfn == LIST_HEAD) break;
            Pfn e = mm.pfnDb.get(pfn);
            if (e == null || e.pteFrame != Pfn.MDL_PAGES_PTE_FRAME || e.referenceCount == 0) {
                throw mm.kernel.KeBugCheckEx(BugCheckCode.MEMORY_MANAGEMENT, 0x1236, mdl.address, mdl.pfnSlotAddress(i), pfn);
            }
            e.pteFrame = 0;
            freeAllocatedPage(e);
            mdl.pfnArray[i] = LIST_HEAD;
        }
        mdl.clearFlag(MDL_PAGES_LOCKED);
    }

    // ------------------------------------------------------------------ probing (B.15)

    /** ProbeForRead: alignment, then the range must end at or below MmUserProbeAddress. Touches nothing. */
    public void ProbeForRead(long address, long length, int alignment) {
        if (length == 0) return;
        checkProbe(address, length, alignment);
    }

    /** ProbeForWrite: as ProbeForRead, then reads and writes back one byte of every page. */
    public void ProbeForWrite(long address, long length, int alignment) {
        if (length == 0) return;
        long end = checkProbe(address, length, alignment);
        for (long va = address; Long.compareUnsigned(va, end) < 0; va = MmLayout.pageAlign(va) + MmLayout.PAGE_SIZE) {
            int b = mm.readByte(va, false);
            mm.writeByte(va, b, false);
        }
    }

    private long checkProbe(long address, long length, int alignment) {
        // Alignment must be 1, 2, 4, 8 or 16 (ReactOS asserts it; a free build just divides by it).
        if (alignment > 0 && Long.remainderUnsigned(address, alignment) != 0) throw mm.kernel.ExRaiseStatus(NtStatus.STATUS_DATATYPE_MISALIGNMENT);
        long end = address + length;
        if (Long.compareUnsigned(end, address) < 0 || Long.compareUnsigned(end, MmLayout.MM_USER_PROBE_ADDRESS) > 0) {
            throw mm.kernel.ExRaiseStatus(NtStatus.STATUS_ACCESS_VIOLATION);
        }
        return end;
    }
}
