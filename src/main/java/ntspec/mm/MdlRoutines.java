package ntspec.mm;

import static ntspec.mm.Mdl.*;

import ntspec.hw.Access;
import ntspec.hw.Pte;
import ntspec.ke.BugCheckCode;
import ntspec.ke.NtStatus;
import ntspec.ke.RaisedException;
import ntspec.trace.Trace;

/**
 * The memory manager's MDL routines, step by step as ReactOS's https://github.com/reactos/reactos/blob/master/ntoskrnl/mm/ARM3/mdlsup.c orders them
 * (ReactOS mdlsup.c for the order of operations, Microsoft's DDI pages for the contract, the
 * ReactOS kmtests for what Windows does). Every MDL member is read from and written to simulated
 * memory as the routine's code would, so a NULL or freed MDL faults, a corrupted ByteCount
 * overruns the PFN array, and a wild Process pointer corrupts what it points at. Misuse ends as a
 * Windows free build without Verifier ends it: with the bug check the kernel's own consistency
 * checks raise.
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
    /** Largest MDL buffer on Windows 7 and later: 4 GB - PAGE_SIZE (IoAllocateMdl, MmAllocatePagesForMdlEx pages). */
    public static final long MAX_MDL_BYTES = 0x1_0000_0000L - MmLayout.PAGE_SIZE;
    static final int TAG_MDL = Pool.tag("Mdl ");

    private final Mm mm;

    MdlRoutines(Mm mm) {
        this.mm = mm;
    }

    /** The MDL view at an address (any address: a NULL or stale MDL faults when a member is touched). */
    public Mdl at(long address) {
        return new Mdl(mm, address);
    }

    // ------------------------------------------------------------------ the PFN array, page by page

    /**
     * Walks an MDL's PFN array as the routine's loop does, one kernel access per slot, but translating
     * once per page of the array: the same faults, checks and A/D bits as slot-by-slot accesses, at
     * the cost of one translation per 512 slots.
     */
    private final class PfnArray {
        private final long base;
        private long page = -1;
        private boolean forWrite;
        private long[] frame;
        private long framePfn;

        PfnArray(Mdl mdl) {
            this.base = mdl.address + HEADER_SIZE;
        }

        long get(long index) {
            long va = base + 8 * index;
            if ((va & 7) != 0) return mm.read(va, 8);
            if ((va & ~0xFFFL) != page) map(va, false);
            long[] f = frame != null ? frame : (frame = mm.mem.frameOrNull(framePfn));
            return f == null ? 0 : f[(int) ((va & 0xFFF) >>> 3)];
        }

        void set(long index, long value) {
            long va = base + 8 * index;
            if ((va & 7) != 0) {
                mm.write(va, 8, value);
                return;
            }
            if ((va & ~0xFFFL) != page || !forWrite) map(va, true);
            if (frame == null) frame = mm.mem.frame(framePfn);
            frame[(int) ((va & 0xFFF) >>> 3)] = value;
        }

        private void map(long va, boolean write) {
            long pa = mm.translate(va, write ? Access.WRITE : Access.READ, false);
            page = va & ~0xFFFL;
            forWrite = write;
            framePfn = pa >>> 12;
            frame = mm.mem.frameOrNull(framePfn);
        }
    }

    // ------------------------------------------------------------------ MDL storage

    /** MmSizeOfMdl: sizeof(MDL) + span pages * sizeof(PFN_NUMBER). */
    public static long MmSizeOfMdl(long base, long length) {
        return HEADER_SIZE + 8 * MmLayout.spanPages(base, length);
    }

    /**
     * Allocates MDL storage for {@code capacity} PFNs from nonpaged pool (tag 'Mdl '), as
     * MmCreateMdl and a driver's ExAllocatePoolWithTag(NonPagedPool, MmSizeOfMdl(...)) do. Null
     * when pool cannot supply it.
     */
    public Mdl allocate(long capacity) {
        long va = mm.pool.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, HEADER_SIZE + 8L * Math.max(capacity, 1), TAG_MDL);
        return va == 0 ? null : new Mdl(mm, va);
    }

    /** Returns MDL storage allocated by {@link #allocate} to pool (ExFreePool). */
    public void free(Mdl mdl) {
        mm.pool.ExFreePoolWithTag(mdl.address, 0);
    }

    /** MmInitializeMdl: Next, Size, MdlFlags, StartVa, ByteOffset, ByteCount; nothing else. */
    public static void MmInitializeMdl(Mdl mdl, long base, long length) {
        mdl.setNext(null);
        mdl.setSize((short) MmSizeOfMdl(base, length & 0xFFFFFFFFL));
        mdl.setMdlFlags(0);
        mdl.setStartVa(MmLayout.pageAlign(base));
        mdl.setByteOffset(MmLayout.byteOffset(base));
        mdl.setByteCount(length & 0xFFFFFFFFL);
    }

    // ------------------------------------------------------------------ locking

    private void lockPage(long pfn) {
        if (mm.pfnDb.lockReference(pfn)) mm.systemLockPagesCount++;
    }

    /**
     * Drops one reference. When nothing references the page any more it goes where its PTE says:
     * back to the standby or modified list if a transition PTE still points at it, else free.
     */
    void dereference(long pfn) {
        int ref = mm.pfnDb.addReference(pfn, -1);
        if (ref > 0 || mm.pfnDb.shareCount(pfn) > 0) return;
        long ptePa = mm.pfnDb.pteAddress(pfn);
        if (ptePa >= 0) {
            long pte = mm.memory().readQword(ptePa);
            if (Pte.isTransition(pte) && Pte.pfn(pte) == pfn) {
                mm.pfnDb.insert(pfn, mm.pfnDb.isModified(pfn) ? Pfn.MODIFIED_PAGE_LIST : Pfn.STANDBY_PAGE_LIST);
                return;
            }
        }
        mm.freePage(pfn);
    }

    /** Adds {@code pages} to the NumberOfLockedPages of the EPROCESS at {@code eprocess}, through memory. */
    private long chargeLockedPages(long eprocess, long pages) {
        long at = eprocess + EProcess.NUMBER_OF_LOCKED_PAGES;
        long now = mm.read(at, 8) + pages;
        mm.write(at, 8, now);
        return now;
    }

    /**
     * MmProbeAndLockPages: the user-range check, the probe loop that faults every page in
     * (and write-probes user pages for a write operation), then the lock loop that takes one PFN
     * reference per page and charges the process. Failures are raised; the MDL is left unlocked.
     */
    public void MmProbeAndLockPages(Mdl mdl, int accessMode, int operation) {
        long startVa = mdl.StartVa();
        long byteCount = mdl.ByteCount();
        // The checked kernel's ASSERTs (https://learn.microsoft.com/windows-hardware/drivers/devtest/checked-build-asserts).
        var k = mm.kernel;
        k.ASSERT(byteCount != 0, "Mdl->ByteCount != 0");
        k.ASSERT((mdl.ByteOffset() & ~(MmLayout.PAGE_SIZE - 1)) == 0, "((ULONG)Mdl->ByteOffset & ~(PAGE_SIZE - 1)) == 0");
        k.ASSERT((startVa & (MmLayout.PAGE_SIZE - 1)) == 0, "((ULONG_PTR)Mdl->StartVa & (PAGE_SIZE - 1)) == 0");
        k.ASSERT((mdl.MdlFlags() & (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL | MDL_IO_SPACE)) == 0,
                "(Mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL | MDL_IO_SPACE)) == 0");
        long address = startVa + mdl.ByteOffset();
        long last = address + byteCount;
        long pages = MmLayout.spanPages(address, byteCount);
        PfnArray slots = new PfnArray(mdl);
        if (accessMode != KernelMode) {
            // Zero length or wrap-around also fail here (Address >= LastAddress).
            if (Long.compareUnsigned(last, MmLayout.MM_USER_PROBE_ADDRESS) > 0 || Long.compareUnsigned(address, last) >= 0) {
                slots.set(0, LIST_HEAD);
                throw mm.kernel.ExRaiseStatus(NtStatus.STATUS_ACCESS_VIOLATION);
            }
        }
        // More pages than the machine could ever hold resident at once (its frames less those
        // already locked): Windows charges resident-available memory before it probes and raises
        // STATUS_WORKING_SET_QUOTA; the call costs nothing in proportion to the range
        // (https://learn.microsoft.com/openspecs/windows_protocols/ms-erref/596a1078-e883-4972-9bbc-49e60bebca55).
        if (pages > mm.pfnDb.frameCount() - mm.pfnDb.firstUsable() - mm.systemLockPagesCount()) {
            slots.set(0, LIST_HEAD);
            throw mm.kernel.ExRaiseStatus(NtStatus.STATUS_WORKING_SET_QUOTA);
        }
        boolean user = MmLayout.isUserAddress(address);
        EProcess process = user ? mm.currentProcess() : null;
        // Probe loop: at least one page is touched (a do/while in ReactOS).
        try {
            long va = address;
            long slot = 0;
            do {
                slots.set(slot++, LIST_HEAD);
                // The probe reads one byte of the page (and a write probe writes it back). Only the
                // reference matters -- its faults, access checks and A/D bits -- not the byte, so
                // the simulator translates without fetching the data.
                mm.translate(va, Access.READ, false);
                if (operation != IoReadAccess && user) probeWriteByte(va);
                va = MmLayout.pageAlign(va) + MmLayout.PAGE_SIZE;
            } while (Long.compareUnsigned(va, last) < 0);
        } catch (RaisedException e) {
            mdl.setProcess(0);
            throw e;
        }
        int flags = mdl.MdlFlags();
        flags = operation != IoReadAccess ? flags | MDL_WRITE_OPERATION : flags & ~MDL_WRITE_OPERATION;
        mdl.setMdlFlags(flags | MDL_PAGES_LOCKED);
        if (process == null) {
            mdl.setProcess(0);
            operation = IoReadAccess; // no write check for system addresses
        } else {
            chargeLockedPages(process.address, pages);
            mdl.setProcess(process.address);
        }
        long cr3 = mm.currentCr3();
        long page = MmLayout.pageAlign(address);
        boolean ioSpace = false;
        for (long i = 0; i < pages; i++, page += MmLayout.PAGE_SIZE) {
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
            if (mm.pfnDb.isRam(pfn) && mm.pfnDb.exists(pfn)) lockPage(pfn);
            else ioSpace = true;
            slots.set(i, pfn);
        }
        if (ioSpace) mdl.setFlag(MDL_IO_SPACE);
        mm.lockedPages.locked(mdl);
    }

    /** ProbeForWrite of one byte: range check, then read and write back (copy-on-write, read-only). */
    private void probeWriteByte(long va) {
        if (Long.compareUnsigned(va, MmLayout.MM_USER_PROBE_ADDRESS) >= 0) {
            throw mm.kernel.ExRaiseStatus(NtStatus.STATUS_ACCESS_VIOLATION);
        }
        mm.translate(va, Access.WRITE, false);
    }

    /**
     * MmProbeAndLockProcessPages: attaches to the process when it is not the current one. A
     * process that has exited has an empty user half: the probe raises STATUS_ACCESS_VIOLATION.
     */
    public void MmProbeAndLockProcessPages(Mdl mdl, EProcess process, int accessMode, int operation) {
        mm.vm.inProcess(process, () -> MmProbeAndLockPages(mdl, accessMode, operation));
    }

    /**
     * MmUnlockPages: releases a system mapping first (MDL_MAPPED_TO_SYSTEM_VA), returns the
     * process's locked-page charge and drops one reference per page. Unlocking what is not locked
     * bug-checks PROCESS_HAS_LOCKED_PAGES (1, MDL, locked count, 0) when the process's charge
     * would go negative, else PFN_LIST_CORRUPT (7, PFN, share count, 0) for the first page whose
     * lock count would underflow.
     */
    public void MmUnlockPages(Mdl mdl) {
        var k = mm.kernel;
        k.ASSERT((mdl.MdlFlags() & MDL_PAGES_LOCKED) != 0, "(Mdl->MdlFlags & MDL_PAGES_LOCKED) != 0");
        k.ASSERT((mdl.MdlFlags() & MDL_SOURCE_IS_NONPAGED_POOL) == 0, "(Mdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL) == 0");
        k.ASSERT((mdl.MdlFlags() & MDL_PARTIAL) == 0, "(Mdl->MdlFlags & MDL_PARTIAL) == 0");
        k.ASSERT(mdl.ByteCount() != 0, "Mdl->ByteCount != 0");
        if (mdl.hasFlag(MDL_MAPPED_TO_SYSTEM_VA)) {
            MmUnmapLockedPages(mdl.MappedSystemVa(), mdl);
        }
        long pages = mdl.pageCount();
        long process = mdl.ProcessAddress();
        if (process != 0) {
            long at = process + EProcess.NUMBER_OF_LOCKED_PAGES;
            long locked = mm.read(at, 8);
            if (Long.compareUnsigned(locked, pages) < 0) {
                throw mm.kernel.KeBugCheckEx(BugCheckCode.PROCESS_HAS_LOCKED_PAGES, 1, mdl.address, locked, 0);
            }
            mm.write(at, 8, locked - pages);
        }
        boolean write = mdl.hasFlag(MDL_WRITE_OPERATION);
        PfnArray slots = new PfnArray(mdl);
        long highest = mm.pfnDb.highestPhysicalPage();
        for (long i = 0; i < pages; i++) {
            long pfn = slots.get(i);
            if (pfn == LIST_HEAD) break;
            if (Long.compareUnsigned(pfn, highest) > 0) continue; // I/O space: no PFN entry
            int lock = mm.pfnDb.lockCountOrMinus(pfn);
            if (lock <= 0) {
                throw mm.kernel.KeBugCheckEx(BugCheckCode.PFN_LIST_CORRUPT, 0x07, pfn, mm.pfnDb.shareCount(pfn), 0);
            }
            if (write) {
                // The device may have written the page: it is dirty whatever its PTE's D bit says,
                // and its copy in the paging file is stale.
                long slot = mm.pfnDb.markModified(pfn);
                if (slot >= 0) mm.pagingFile.release(slot);
            }
            dereference(pfn);
            if (lock == 1) mm.systemLockPagesCount--;
        }
        mdl.clearFlag(MDL_PAGES_LOCKED | MDL_IO_SPACE);
        mm.lockedPages.unlocked(mdl);
    }

    // ------------------------------------------------------------------ mapping

    /** The PTE cache bits of a MEMORY_CACHING_TYPE (PAT entries 0, 3, 1 as Windows programs them). */
    static long cacheBits(int attribute) {
        return attribute == Pfn.MI_NON_CACHED ? Pte.PCD | Pte.PWT : attribute == Pfn.MI_WRITE_COMBINED ? Pte.PWT : 0;
    }

    static int attributeOf(int cacheType) {
        return cacheType == MmNonCached ? Pfn.MI_NON_CACHED : cacheType == MmWriteCombined ? Pfn.MI_WRITE_COMBINED : Pfn.MI_CACHED;
    }

    /**
     * The attribute a mapping of the page uses: "The routine uses the CacheType parameter only if the
     * pages that are described by the MDL do not already have a cache type associated with them"
     * (MmMapLockedPagesSpecifyCache remarks) -- pages from MmAllocatePagesForMdl(Ex) have none;
     * ordinary RAM is cached, so its existing attribute wins. I/O space takes the request.
     */
    int effectiveAttribute(long pfn, int requested) {
        int existing = mm.pfnDb.cacheAttributeOrMinus(pfn);
        return existing < 0 || existing == Pfn.MI_NOT_MAPPED ? requested : existing;
    }

    /**
     * MmMapLockedPagesSpecifyCache. KernelMode: reserves system PTEs and maps the MDL's
     * pages there with each page's cache attribute; NULL or NO_MORE_SYSTEM_PTES (0, pages, free,
     * total) when the space is exhausted, as BugCheckOnFailure and MDL_MAPPING_CAN_FAIL decide; a
     * request for another cache type than a page already has, with BugCheckOnFailure, is refused
     * with MEMORY_MANAGEMENT 0x1000 (bug check 0x1A page). UserMode: a new VAD in the current
     * process; failures are raised, and the MDL does not record the address.
     */
    public long MmMapLockedPagesSpecifyCache(Mdl mdl, int accessMode, int cacheType, long requestedAddress,
                                             boolean bugCheckOnFailure, int priority) {
        int flags = mdl.MdlFlags();
        mm.kernel.ASSERT(mdl.ByteCount() != 0, "Mdl->ByteCount != 0");
        if (accessMode == KernelMode) {
            mm.kernel.ASSERT((flags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL_HAS_BEEN_MAPPED)) == 0,
                    "(Mdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL_HAS_BEEN_MAPPED)) == 0");
            mm.kernel.ASSERT((flags & (MDL_PAGES_LOCKED | MDL_PARTIAL)) != 0, "(Mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_PARTIAL)) != 0");
        }
        long pages = mdl.pageCount();
        int requested = attributeOf(cacheType);
        PfnArray slots = new PfnArray(mdl);
        if ((flags & (MDL_PAGES_LOCKED | MDL_PARTIAL | MDL_SOURCE_IS_NONPAGED_POOL)) == 0) {
            // Mapping pages nobody locked: MEMORY_MANAGEMENT 0x1233 (bug check 0x1A, https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x1a--memory-management).
            for (long i = 0; i < pages; i++) {
                long pfn = slots.get(i);
                if (pfn != LIST_HEAD && mm.pfnDb.isRam(pfn) && mm.pfnDb.referenceCount(pfn) == 0) {
                    throw mm.kernel.KeBugCheckEx(BugCheckCode.MEMORY_MANAGEMENT, 0x1233, pfn, mdl.address, 0);
                }
            }
        }
        if (accessMode != KernelMode) return mapInUserSpace(mdl, slots, pages, requested, requestedAddress, priority);
        boolean canFail = (flags & MDL_MAPPING_CAN_FAIL) != 0;
        if (bugCheckOnFailure && !canFail) {
            for (long i = 0; i < pages; i++) {
                long pfn = slots.get(i);
                if (pfn == LIST_HEAD) break;
                if (mm.pfnDb.isRam(pfn) && mm.pfnDb.exists(pfn) && effectiveAttribute(pfn, requested) != requested) {
                    throw mm.kernel.KeBugCheckEx(BugCheckCode.MEMORY_MANAGEMENT, 0x1000, 0, 0, 0);
                }
            }
        }
        long base = pages > 0 && priorityAllows(pages, priority) ? mm.systemPtes.reserve(pages) : 0;
        if (base == 0) {
            if (bugCheckOnFailure && !canFail) {
                if (mm.systemPtes.trackPtes() != 0) {
                    // TrackPtes names the driver holding the most PTEs: DRIVER_USED_EXCESSIVE_PTES
                    // (https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xd8--driver-used-excessive-ptes).
                    long[] owner = mm.systemPtes.heaviestOwner();
                    throw mm.kernel.KeBugCheckEx(BugCheckCode.DRIVER_USED_EXCESSIVE_PTES, owner[0], owner[1], mm.systemPtes.free(),
                            mm.systemPtes.total());
                }
                throw mm.kernel.KeBugCheckEx(BugCheckCode.NO_MORE_SYSTEM_PTES, 0, pages, mm.systemPtes.free(), mm.systemPtes.total());
            }
            mm.trace.add(Trace.Kind.NOTE, "no system PTEs for the mapping (pages, free)", pages, mm.systemPtes.free());
            return 0;
        }
        boolean writable = (priority & MdlMappingNoWrite) == 0;
        boolean noExecute = (priority & MdlMappingNoExecute) != 0;
        long firstPfn = -1;
        for (long i = 0; i < pages; i++) {
            long pfn = slots.get(i);
            if (pfn == LIST_HEAD) break;
            if (i == 0) firstPfn = pfn;
            mm.systemPtes.map(base + (i << 12), pfn, writable, noExecute, cacheBits(effectiveAttribute(pfn, requested)));
        }
        long va = base + mdl.ByteOffset();
        mdl.setMappedSystemVa(va);
        mdl.setFlag(MDL_MAPPED_TO_SYSTEM_VA | ((flags & MDL_PARTIAL) != 0 ? MDL_PARTIAL_HAS_BEEN_MAPPED : 0));
        mm.systemPtes.track(base, pages, mdl.address, firstPfn, mdl.StartVa());
        return va;
    }

    /**
     * The priority policy: HighPagePriority fails only when no run is free; NormalPagePriority
     * keeps 1/256 of the space back and LowPagePriority 1/16 (MS: "may fail when the system is
     * very low / fairly low on resources"; the thresholds are this simulator's choice).
     */
    private boolean priorityAllows(long pages, int priority) {
        int p = priority & 0xFFFF;
        long reserve = p >= HighPagePriority ? 0 : p >= NormalPagePriority ? mm.systemPtes.total() / 256 : mm.systemPtes.total() / 16;
        return mm.systemPtes.free() - pages >= reserve;
    }

    /**
     * MiMapLockedPagesInUserSpace: a VAD of locked pages in the current process. Its PTEs are
     * user, never executable, read-only with MdlMappingNoWrite, with each frame's cache attribute
     * (MmMapLockedPagesSpecifyCache remarks). They hold no PFN references: the MDL's lock does.
     */
    private long mapInUserSpace(Mdl mdl, PfnArray slots, long pages, int requested, long requestedAddress, int priority) {
        EProcess process = mm.currentProcess();
        if (process == null || process.hasExited()) throw mm.kernel.ExRaiseStatus(NtStatus.STATUS_PROCESS_IS_TERMINATING);
        long size = pages << 12;
        if (pages == 0 || Long.compareUnsigned(size, MmLayout.MM_HIGHEST_VAD_ADDRESS) > 0) {
            throw mm.kernel.ExRaiseStatus(NtStatus.STATUS_INVALID_ADDRESS);
        }
        long base;
        if (requestedAddress == 0) {
            base = findFreeUserRange(process, size);
            if (base == 0) throw mm.kernel.ExRaiseStatus(NtStatus.STATUS_NO_MEMORY);
        } else {
            base = requestedAddress;
            if ((base & 0xFFF) != 0 || Long.compareUnsigned(base + size - 1, MmLayout.MM_HIGHEST_VAD_ADDRESS) > 0
                    || Long.compareUnsigned(base, MmLayout.MM_LOWEST_USER_ADDRESS) < 0) {
                throw mm.kernel.ExRaiseStatus(NtStatus.STATUS_INVALID_ADDRESS);
            }
            if (mm.vm.overlaps(process, base, base + size - 1)) {
                throw mm.kernel.ExRaiseStatus(NtStatus.STATUS_CONFLICTING_ADDRESSES);
            }
        }
        boolean writable = (priority & MdlMappingNoWrite) == 0;
        Vad vad = new Vad(base >>> 12, (base + size - 1) >>> 12, writable ? Protection.MM_READWRITE : Protection.MM_READONLY,
                true, Vad.Type.MDL_MAPPING);
        process.vads.put(vad.startingVpn, vad);
        for (long i = 0; i < pages; i++) {
            long pfn = slots.get(i);
            if (pfn == LIST_HEAD) break;
            long pte = Pte.valid(pfn, writable, true, false, true) | cacheBits(effectiveAttribute(pfn, requested));
            mm.mmu().writePte(mm.currentCr3(), base + (i << 12), pte, mm.tableAllocator());
        }
        return base + mdl.ByteOffset();
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

    /** MmGetSystemAddressForMdlSafe: the existing address, or a new kernel mapping, or NULL. */
    public long MmGetSystemAddressForMdlSafe(Mdl mdl, int priority) {
        if (mdl.hasFlag(MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL)) return mdl.MappedSystemVa();
        return MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, 0, false, priority);
    }

    /**
     * MmUnmapLockedPages. A system address: the MDL must be mapped, else SYSTEM_PTE_MISUSE 6
     * (never or no longer mapped: MDL, VA, pages). Without PTE tracking (Windows's default) nothing
     * checks that the address is the MDL's: the PTEs at the address given are zeroed, shot down and
     * released, whatever they mapped. With TrackPtes = 3 the tracking entry is checked: wrong address
     * 0xDA 3 (tracker, expected, given), another page count 2 (tracker, expected, given), a first PFN
     * or StartVa changed since the mapping 4 or 5. MappedSystemVa keeps its stale value. A user
     * address: the locked-pages VAD containing it is removed, or nothing happens.
     */
    public void MmUnmapLockedPages(long baseAddress, Mdl mdl) {
        mm.kernel.ASSERT(mdl.ByteCount() != 0, "Mdl->ByteCount != 0");
        if (!MmLayout.isUserAddress(baseAddress)) {
            mm.kernel.ASSERT((mdl.MdlFlags() & MDL_MAPPED_TO_SYSTEM_VA) != 0, "(Mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) != 0");
            int flags = mdl.MdlFlags();
            long pages = mdl.pageCount();
            if ((flags & MDL_MAPPED_TO_SYSTEM_VA) == 0) {
                throw mm.kernel.KeBugCheckEx(BugCheckCode.SYSTEM_PTE_MISUSE, 0x06, mdl.address, baseAddress, pages);
            }
            long expected = MmLayout.pageAlign(mdl.MappedSystemVa());
            long given = MmLayout.pageAlign(baseAddress);
            if (mm.systemPtes.trackPtes() >= 3) {
                SystemPtes.Tracker t = mm.systemPtes.tracker(given);
                SystemPtes.Tracker mine = mm.systemPtes.tracker(expected);
                long tracker = mine != null ? mine.address() : t != null ? t.address() : 0;
                if (given != expected || t == null) {
                    throw mm.kernel.KeBugCheckEx(BugCheckCode.SYSTEM_PTE_MISUSE, 0x03, tracker, expected, baseAddress);
                }
                if (t.count() != pages) throw mm.kernel.KeBugCheckEx(BugCheckCode.SYSTEM_PTE_MISUSE, 0x02, tracker, t.count(), pages);
                if (pages > 0 && t.firstPfn() != mdl.pfn(0)) throw mm.kernel.KeBugCheckEx(BugCheckCode.SYSTEM_PTE_MISUSE, 0x04, tracker, t.firstPfn(), mdl.pfn(0));
                if (t.startVa() != mdl.StartVa()) throw mm.kernel.KeBugCheckEx(BugCheckCode.SYSTEM_PTE_MISUSE, 0x05, tracker, t.startVa(), mdl.StartVa());
            }
            mm.systemPtes.untrack(given);
            mm.systemPtes.release(given, pages);
            mdl.clearFlag(MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED | MDL_FREE_EXTRA_PTES);
            return;
        }
        EProcess process = mm.currentProcess();
        Vad vad = process == null ? null : process.findVad(baseAddress);
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
     * MmBuildMdlForNonPagedPool: fills the PFN array from the current PTEs, no references
     * taken. A page that is not resident bug-checks MEMORY_MANAGEMENT 0x1240 (MDL, PTE address).
     */
    public void MmBuildMdlForNonPagedPool(Mdl mdl) {
        mm.kernel.ASSERT(mdl.ByteCount() != 0, "Mdl->ByteCount != 0");
        mm.kernel.ASSERT((mdl.MdlFlags() & (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL)) == 0,
                "(Mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL)) == 0");
        long startVa = mdl.StartVa();
        mdl.setProcess(0);
        mdl.setMappedSystemVa(startVa + mdl.ByteOffset());
        long pages = mdl.pageCount();
        PfnArray slots = new PfnArray(mdl);
        long last = -1;
        for (long i = 0; i < pages; i++) {
            long va = startVa + (i << 12);
            long ptePa = mm.ptePhysicalAddress(va);
            long pte = ptePa < 0 ? 0 : mm.memory().readQword(ptePa);
            if (!Pte.isValid(pte)) {
                throw mm.kernel.KeBugCheckEx(BugCheckCode.MEMORY_MANAGEMENT, 0x1240, mdl.address, ptePa, 0);
            }
            last = Pte.pfn(pte);
            slots.set(i, last);
        }
        mdl.setFlag(MDL_SOURCE_IS_NONPAGED_POOL | (last >= 0 && !mm.pfnDb.isRam(last) ? MDL_IO_SPACE : 0));
    }

    /** MmPrepareMdlForReuse: releases only a partial MDL's own mapping. */
    public void MmPrepareMdlForReuse(Mdl mdl) {
        if (mdl.hasFlag(MDL_PARTIAL_HAS_BEEN_MAPPED)) {
            MmUnmapLockedPages(mdl.MappedSystemVa(), mdl);
        }
    }

    /**
     * MmAllocatePagesForMdlEx: physical pages in [LowAddress, HighAddress], then in that
     * window moved up by SkipBytes, and so on, while the window lies in memory; each page with
     * reference and share count 1, the private PteFrame marker and no cache attribute yet. Fewer than
     * asked is success (check ByteCount), none is NULL, and so is a request the pool cannot give an
     * MDL for: the routine never bug-checks for lack of memory. At most 4 GB - PAGE_SIZE per call, so
     * ByteCount fits its ULONG. Zeroed unless MM_DONT_ZERO_ALLOCATION (Microsoft's contract; ReactOS
     * zeroes regardless). https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmallocatepagesformdlex
     */
    public Mdl MmAllocatePagesForMdlEx(long lowAddress, long highAddress, long skipBytes, long totalBytes,
                                       int cacheType, int flags) {
        if ((flags & ~MM_ALLOCATE_VALID_FLAGS) != 0 || (skipBytes & 0xFFF) != 0 || totalBytes == 0) return null;
        long wanted = MmLayout.bytesToPages(Long.compareUnsigned(totalBytes, MAX_MDL_BYTES) > 0 ? MAX_MDL_BYTES : totalBytes);
        // The MDL comes first; when pool cannot hold it, ask for fewer pages (1/16 less each time, ReactOS freelist.c).
        Mdl mdl = null;
        while (wanted > 0 && (mdl = allocate(wanted + 1)) == null) wanted -= Math.max(1, wanted / 16);
        if (mdl == null) return null;
        MmInitializeMdl(mdl, 0, wanted << 12);
        PfnArray slots = new PfnArray(mdl);
        long found = 0;
        long low = lowAddress >>> 12;
        long high = Math.min(highAddress >>> 12, mm.pfnDb.highestPhysicalPage());
        long skip = skipBytes >>> 12;
        boolean zero = (flags & MM_DONT_ZERO_ALLOCATION) == 0;
        while (found < wanted && Long.compareUnsigned(low, high) <= 0) {
            long pfn;
            while (found < wanted && (pfn = mm.allocatePageInRange(low, high, zero)) >= 0) {
                mm.pfnDb.setReferenceCount(pfn, 1);
                mm.pfnDb.setShareCount(pfn, 1);
                mm.pfnDb.setPteFrame(pfn, Pfn.MDL_PAGES_PTE_FRAME);
                mm.pfnDb.setCacheAttribute(pfn, Pfn.MI_NOT_MAPPED);
                slots.set(found++, pfn);
            }
            if (skip == 0) break;
            low += skip;
            high = Math.min(high + skip, mm.pfnDb.highestPhysicalPage());
        }
        if ((found < wanted && (flags & MM_ALLOCATE_FULLY_REQUIRED) != 0) || found == 0) {
            for (long i = 0; i < found; i++) freeAllocatedPage(slots.get(i));
            free(mdl);
            return null;
        }
        mdl.setByteCount(found << 12);
        if (found < wanted) slots.set(found, LIST_HEAD);
        mdl.setProcess(0);
        mdl.setFlag(MDL_PAGES_LOCKED);
        return mdl;
    }

    private void freeAllocatedPage(long pfn) {
        mm.pfnDb.addShare(pfn, -1);
        mm.pfnDb.setCacheAttribute(pfn, Pfn.MI_CACHED);
        dereference(pfn);
    }

    /**
     * MmFreePagesFromMdl: releases a system mapping first (Windows 7 and later; ReactOS does
     * not), then frees each page; a page that MmAllocatePagesForMdl did not hand out bug-checks
     * MEMORY_MANAGEMENT 0x1236 (MDL, PFN-array slot, PFN).
     */
    public void MmFreePagesFromMdl(Mdl mdl) {
        if (mdl.hasFlag(MDL_MAPPED_TO_SYSTEM_VA)) MmUnmapLockedPages(mdl.MappedSystemVa(), mdl);
        long pages = mdl.pageCount();
        PfnArray slots = new PfnArray(mdl);
        for (long i = 0; i < pages; i++) {
            long pfn = slots.get(i);
            if (pfn == LIST_HEAD) break;
            if (!mm.pfnDb.exists(pfn) || mm.pfnDb.pteFrame(pfn) != Pfn.MDL_PAGES_PTE_FRAME || mm.pfnDb.referenceCount(pfn) == 0) {
                throw mm.kernel.KeBugCheckEx(BugCheckCode.MEMORY_MANAGEMENT, 0x1236, mdl.address, mdl.pfnSlotAddress(i), pfn);
            }
            mm.pfnDb.setPteFrame(pfn, 0);
            freeAllocatedPage(pfn);
            slots.set(i, LIST_HEAD);
        }
        mdl.clearFlag(MDL_PAGES_LOCKED);
    }

    // ------------------------------------------------------------------ probing

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
        // Alignment must be 1, 2, 4, 8 or 16: ReactOS asserts it, and a free build masks with Alignment - 1.
        if ((address & ((alignment & 0xFFFFFFFFL) - 1) & 0xFFFFFFFFL) != 0) throw mm.kernel.ExRaiseStatus(NtStatus.STATUS_DATATYPE_MISALIGNMENT);
        long end = address + length;
        if (Long.compareUnsigned(end, address) < 0 || Long.compareUnsigned(end, MmLayout.MM_USER_PROBE_ADDRESS) > 0) {
            throw mm.kernel.ExRaiseStatus(NtStatus.STATUS_ACCESS_VIOLATION);
        }
        return end;
    }
}
