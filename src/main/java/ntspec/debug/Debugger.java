package ntspec.debug;

import java.util.List;
import ntspec.Machine;
import ntspec.hw.Mmu;
import ntspec.hw.Pte;
import ntspec.io.IoConstants;
import ntspec.ke.BugCheck;
import ntspec.ke.BugCheckCode;
import ntspec.ke.Irql;
import ntspec.ke.KProcess;
import ntspec.ke.KThread;
import ntspec.ke.NtStatus;
import ntspec.mm.EProcess;
import ntspec.mm.Mdl;
import ntspec.mm.Pfn;
import ntspec.mm.PfnDatabase;
import ntspec.nt.StructType;
import ntspec.trace.Trace;

/**
 * What a kernel debugger would show of a machine: {@code dt}, {@code !mdl}, {@code !irp},
 * {@code !pte}, {@code !pfn}, {@code !vm}, {@code !analyze -v}. Reads memory as the debugger
 * does -- through the page tables, without faults and without touching A/D bits -- and never
 * changes the machine.
 */
public final class Debugger {
    private final Machine machine;

    public Debugger(Machine machine) {
        this.machine = machine;
    }

    /** A debugger read of system memory; null when not valid ("Memory read error"). */
    public Long read(long va, int size) {
        return machine.mm.peekIn(machine.mm.systemDirectoryTableBase, va, size);
    }

    private long q(long va) {
        Long v = read(va, 8);
        return v == null ? 0 : v;
    }

    static String ptr(long v) {
        return v == 0 ? "(null)" : String.format("0x%08x`%08x", v >>> 32, v & 0xFFFFFFFFL);
    }

    // ------------------------------------------------------------------ dt

    /** {@code dt nt!<type> <address>}: each member at its offset, embedded structures one level deep. */
    public String dt(StructType type, long address) {
        StringBuilder sb = new StringBuilder();
        dt(sb, type, address, "   ", 1);
        return sb.toString();
    }

    private void dt(StringBuilder sb, StructType type, long address, String indent, int depth) {
        for (StructType.Field f : type.fields()) {
            long at = address + f.offset();
            sb.append(indent).append(String.format("+0x%03x %-16s : ", f.offset(), f.name()));
            if (f.isStruct() && !f.isArray()) {
                sb.append(f.struct().name()).append('\n');
                if (depth > 0) dt(sb, f.struct(), at, indent + "   ", depth - 1);
                continue;
            }
            if (f.isArray()) sb.append('[').append(f.count()).append("] ");
            if (f.isStruct()) {
                sb.append(f.struct().name()).append('\n');
                continue;
            }
            Long raw = read(at, f.prim().size);
            if (raw == null) {
                sb.append("Memory read error ").append(ptr(at)).append('\n');
                continue;
            }
            long v = f.prim().decode(raw);
            if (f.isPointer()) {
                sb.append(ptr(v));
                if (v != 0 && f.pointee() != null) sb.append(' ').append(f.pointee());
            } else if (f.prim().signed) {
                sb.append("0n").append(v);
            } else {
                sb.append(String.format("0x%x", v));
            }
            sb.append('\n');
        }
    }

    // ------------------------------------------------------------------ !mdl

    /** {@code !mdl}: the header, the flags by name and each PFN with its database entry. */
    public String mdl(long address) {
        StringBuilder sb = new StringBuilder();
        ntspec.mm.Pool.Allocation a = machine.mm.pool.find(address);
        sb.append(String.format("MDL %016X%s%n", address, a != null && a.isFreed() ? "  (freed pool)" : ""));
        Long flagsRaw = read(address + 0xA, 2);
        if (flagsRaw == null) return sb.append("  Memory read error\n").toString();
        long startVa = q(address + 0x20);
        long byteCount = q(address + 0x28) & 0xFFFFFFFFL;
        long byteOffset = q(address + 0x2C) & 0xFFFFFFFFL;
        long process = q(address + 0x10);
        EProcess p = machine.mm.processAt(process);
        sb.append(String.format("  Next           %s%n", q(address) == 0 ? "0" : String.format("%016X", q(address))));
        sb.append(String.format("  Size           0x%X%n", q(address + 8) & 0xFFFF));
        sb.append(String.format("  MdlFlags       0x%04X  %s%n", flagsRaw, Mdl.flagNames(flagsRaw.intValue())));
        sb.append(String.format("  Process        %s%n", process == 0 ? "0" : p != null ? p.toString() : String.format("%016X (not a process)", process)));
        sb.append(String.format("  MappedSystemVa %016X%n", q(address + 0x18)));
        sb.append(String.format("  StartVa        %016X%n", startVa));
        sb.append(String.format("  ByteCount      0x%X%n", byteCount));
        sb.append(String.format("  ByteOffset     0x%X%n", byteOffset));
        long pages = ntspec.mm.MmLayout.spanPages(startVa + byteOffset, byteCount);
        sb.append(String.format("  PFN array (%d page%s):%n", pages, pages == 1 ? "" : "s"));
        for (long i = 0; i < pages && i < 64; i++) {
            Long pfn = read(address + Mdl.HEADER_SIZE + 8 * i, 8);
            if (pfn == null) {
                sb.append(String.format("    [%d] Memory read error%n", i));
                break;
            }
            if (pfn == Mdl.LIST_HEAD) {
                sb.append(String.format("    [%d] LIST_HEAD%n", i));
                break;
            }
            sb.append(String.format("    [%d] %s%n", i, pfnLine(pfn)));
        }
        if (pages > 64) sb.append("    ...\n");
        return sb.toString();
    }

    // ------------------------------------------------------------------ !irp

    /** WinDbg's !irp: the packet's fields and each stack location, '>' marking the current one. */
    public String irp(long address) {
        StringBuilder sb = new StringBuilder();
        Long head = read(address, 8);
        if (head == null) return String.format("Irp %016X: Memory read error%n", address);
        ntspec.mm.Pool.Allocation a = machine.mm.pool.find(address);
        int stackCount = (byte) (q(address + 0x40) >>> 16);
        int current = (byte) (q(address + 0x40) >>> 24);
        long flags = q(address + 0x10) & 0xFFFFFFFFL;
        sb.append(String.format("Irp is active with %d stacks %d is current (= %016X)%s%n", stackCount, current,
                q(address + 0xB8), a != null && a.isFreed() ? "  (freed pool)" : ""));
        long system = q(address + 0x18);
        long mdl = q(address + 0x08);
        sb.append(String.format(" Mdl=%s: %s Flags = %08x%n", mdl == 0 ? "00000000" : String.format("%016X", mdl),
                system == 0 ? "No System Buffer." : String.format("System buffer=%016X.", system), flags));
        long b40 = q(address + 0x40);
        sb.append(String.format(" UserBuffer=%016X  RequestorMode=%s  PendingReturned=%s  Cancel=%s%n", q(address + 0x70),
                (b40 & 0xFF) == 0 ? "KernelMode" : "UserMode", ((b40 >>> 8) & 0xFF) != 0 ? "TRUE" : "FALSE", ((b40 >>> 32) & 0xFF) != 0 ? "TRUE" : "FALSE"));
        sb.append(String.format(" IoStatus.Status=%08x  IoStatus.Information=%X  UserIosb=%016X%n", q(address + 0x30) & 0xFFFFFFFFL,
                q(address + 0x38), q(address + 0x48)));
        long thread = q(address + 0x98);
        KThread t = machine.kernel.threadAt(thread);
        sb.append(String.format(" Tail.Overlay.Thread=%s%n", thread == 0 ? "0" : t != null ? t.toString() : String.format("%016X", thread)));
        sb.append("     cmd  flg cl Device   File     Completion-Context\n");
        for (int n = stackCount; n >= 1 && n <= 32; n--) {
            long sl = address + 0xD0 + (n - 1) * 0x48L;
            long h = q(sl);
            int major = (int) (h & 0xFF);
            long device = q(sl + 0x28);
            long routine = q(sl + 0x38);
            sb.append(String.format("%s[%3x,%2x] %3x %2x %s %s %s-%s%n", n == current ? ">" : " ", major, (h >>> 8) & 0xFF,
                    (h >>> 16) & 0xFF, (h >>> 24) & 0xFF, device == 0 ? "00000000" : String.format("%016X", device),
                    q(sl + 0x30) == 0 ? "00000000" : String.format("%016X", q(sl + 0x30)),
                    routine == 0 ? "00000000" : machine.kernel.symbol(routine), q(sl + 0x40) == 0 ? "00000000" : String.format("%X", q(sl + 0x40))));
            if (major == IoConstants.IRP_MJ_DEVICE_CONTROL || major == IoConstants.IRP_MJ_INTERNAL_DEVICE_CONTROL) {
                sb.append(String.format("            Args: %08x %08x 0x%08x %016X%n", q(sl + 0x08) & 0xFFFFFFFFL, q(sl + 0x10) & 0xFFFFFFFFL,
                        q(sl + 0x18) & 0xFFFFFFFFL, q(sl + 0x20)));
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ !pfn, !pte, !vm

    /** {@code !pfn}: one line. */
    public String pfnLine(long pfn) {
        PfnDatabase db = machine.mm.pfnDb;
        if (!db.exists(pfn)) return String.format("%X  (no PFN entry in use)", pfn);
        return String.format("%X  ref %d share %d lock %d  %s%s", pfn, db.referenceCount(pfn), db.shareCount(pfn), db.lockCount(pfn),
                Pfn.locationName(db.location(pfn)), db.pteAddress(pfn) >= 0 ? String.format("  pte@%X", db.pteAddress(pfn)) : "");
    }

    /** {@code !pte}: the four paging-structure entries of va in the current address space. */
    public String pte(long va) {
        StringBuilder sb = new StringBuilder(String.format("VA %016X%n", va));
        if (!Mmu.isCanonical(va)) return sb.append("  not a canonical address\n").toString();
        long table = machine.kernel.currentProcessor().cpu.cr3();
        String[] names = {"", "PTE", "PDE", "PPE", "PXE"};
        for (int level = 4; level >= 1; level--) {
            long ea = (table << 12) | ((long) Mmu.index(va, level) << 3);
            long e = machine.memory.readQword(ea);
            String what = level > 1 ? (Pte.isValid(e) ? "valid, table pfn " + Long.toHexString(Pte.pfn(e)) : "not present")
                    : e == 0 && Mmu.isUserHalf(va) ? "zero (not yet described: consult the VAD)" : e == 0 ? "zero" : Pte.describe(e);
            sb.append(String.format("  %s at %X contains %016X  %s%n", names[level], ea, e, what));
            if (!Pte.isValid(e)) break;
            if (level == 1) sb.append("  ").append(pfnLine(Pte.pfn(e))).append('\n');
            table = Pte.pfn(e);
        }
        return sb.toString();
    }

    /** {@code !vm}-like counters. */
    public String vm() {
        var mm = machine.mm;
        return String.format("Physical pages %d: zeroed %d, free %d, standby %d, modified %d%n"
                        + "System PTEs: %d of %d in use%nLocked pages (MmSystemLockPagesCount) %d%n"
                        + "Pool bytes in use %d%nPaging file slots in use %d%nPage faults %d (demand zero %d, transition %d, hard %d)%n",
                mm.pfnDb.frameCount(), mm.pfnDb.count(Pfn.ZERO_PAGE_LIST), mm.pfnDb.count(Pfn.FREE_PAGE_LIST),
                mm.pfnDb.count(Pfn.STANDBY_PAGE_LIST), mm.pfnDb.count(Pfn.MODIFIED_PAGE_LIST),
                mm.systemPtes.inUse(), mm.systemPtes.total(), mm.systemLockPagesCount(), mm.pool.bytesInUse(),
                mm.pagingFile.usedSlots(), mm.pageFaults(), mm.demandZeroFaults(), mm.transitionFaults(), mm.hardFaults());
    }

    // ------------------------------------------------------------------ !analyze -v

    /** {@code !analyze -v}: the bug check, what its parameters mean, and where the machine was. */
    public String analyze() {
        BugCheck bc = machine.bugCheck();
        if (bc == null) return "The machine is running: no bug check.\n";
        StringBuilder sb = new StringBuilder();
        sb.append("*******************************************************************************\n");
        sb.append("*                        Bugcheck Analysis                                    *\n");
        sb.append("*******************************************************************************\n\n");
        sb.append(String.format("%s (%x)%n", bc.name(), bc.code()));
        String[] meaning = parameterMeanings(bc);
        long[] p = {bc.p1(), bc.p2(), bc.p3(), bc.p4()};
        sb.append("Arguments:\n");
        for (int i = 0; i < 4; i++) {
            sb.append(String.format("Arg%d: %016x, %s%n", i + 1, p[i], meaning[i]));
        }
        var cpu = machine.kernel.currentProcessor();
        KThread t = cpu.currentThread();
        KProcess proc = machine.kernel.currentProcess();
        sb.append(String.format("%nCURRENT_IRQL:  %x (%s)%n", cpu.irql(), Irql.name(cpu.irql())));
        sb.append(String.format("PROCESSOR:  %d%n", cpu.number));
        sb.append(String.format("PROCESS_NAME:  %s%n", proc == null ? "?" : proc.name));
        sb.append(String.format("THREAD:  %s%n", t == null ? "?" : t.toString()));
        String ip = machine.kernel.faultingIp();
        sb.append(String.format("FAULTING_IP:  %s%n", ip != null ? ip : machine.kernel.symbol(cpu.instructionPointer())));
        if (machine.kernel.faultingImage() != null) sb.append(String.format("IMAGE_NAME:  %s%n", machine.kernel.faultingImage()));
        sb.append("\nLAST EVENTS:\n");
        List<Trace.Event> events = machine.trace.events();
        for (int i = Math.max(0, events.size() - 12); i < events.size(); i++) sb.append("  ").append(events.get(i).format()).append('\n');
        return sb.toString();
    }

    /** 0xC4's subcodes that Verifier's thunks raise, as Microsoft's table explains them. */
    static String[] verifierMeanings(long subcode) {
        String s = String.format("0x%X: ", subcode);
        return switch ((int) subcode) {
            case 0x30 -> new String[] {s + "KeRaiseIrql to a lower IRQL (or above HIGH_LEVEL)", "current IRQL", "requested IRQL", "0"};
            case 0x31 -> new String[] {s + "KeLowerIrql to a higher IRQL (or above HIGH_LEVEL)", "current IRQL", "requested IRQL", "0"};
            case 0x62 -> new String[] {s + "the driver is unloading with allocations not freed (Pool Tracking)", "name of the driver (UNICODE_STRING)", "reserved", "allocations not freed"};
            case 0x70 -> new String[] {s + "MmProbeAndLockPages above DISPATCH_LEVEL", "current IRQL", "MDL", "access mode"};
            case 0x71 -> new String[] {s + "MmProbeAndLockProcessPages above DISPATCH_LEVEL", "current IRQL", "MDL", "process"};
            case 0x74, 0x76 -> new String[] {s + "kernel mapping of an MDL above DISPATCH_LEVEL", "current IRQL", "MDL", "access mode"};
            case 0x75, 0x77 -> new String[] {s + "user mapping of an MDL above APC_LEVEL", "current IRQL", "MDL", "access mode"};
            case 0x78 -> new String[] {s + "MmUnlockPages above DISPATCH_LEVEL", "current IRQL", "MDL", "0"};
            case 0x79 -> new String[] {s + "MmUnmapLockedPages (system address) above DISPATCH_LEVEL", "current IRQL", "address unmapped", "MDL"};
            case 0x7A -> new String[] {s + "MmUnmapLockedPages (user address) above APC_LEVEL", "current IRQL", "address unmapped", "MDL"};
            case 0x7C -> new String[] {s + "MmUnlockPages of an MDL whose pages were never locked", "MDL", "MDL flags", "0"};
            case 0x7E -> new String[] {s + "MmAllocatePagesForMdl(Ex) or MmFreePagesFromMdl above DISPATCH_LEVEL", "current IRQL", "DISPATCH_LEVEL", "0"};
            case 0x7F -> new String[] {s + "MmBuildMdlForNonPagedPool of an MDL whose pages are paged pool", "current IRQL", "MDL", "MDL flags"};
            case 0x7D -> new String[] {s + "MmUnlockPages of an MDL that describes nonpaged pool", "MDL", "MDL flags", "0"};
            case 0x81 -> new String[] {s + "MmMapLockedPages called (use MmMapLockedPagesSpecifyCache, BugCheckOnFailure FALSE)", "MDL", "MDL flags", "0"};
            case 0x82 -> new String[] {s + "MmMapLockedPagesSpecifyCache with BugCheckOnFailure TRUE", "MDL", "MDL flags", "0"};
            case 0xB0 -> new String[] {s + "MmProbeAndLockPages of an MDL with wrong flags", "MDL", "MDL flags", "unexpected flags"};
            case 0xB1 -> new String[] {s + "MmProbeAndLockProcessPages of an MDL with wrong flags", "MDL", "MDL flags", "unexpected flags"};
            case 0xB2 -> new String[] {s + "mapping an MDL already mapped to a system address", "MDL", "MDL flags", "unexpected flags"};
            case 0xB3 -> new String[] {s + "mapping an MDL that is not locked", "MDL", "MDL flags", "missing flags"};
            case 0xB4 -> new String[] {s + "MmUnlockPages of a partial MDL", "MDL", "MDL flags", "MDL_PARTIAL"};
            case 0xB5 -> new String[] {s + "MmUnmapLockedPages of a partial MDL", "MDL", "MDL flags", "MDL_PARTIAL"};
            case 0xB6 -> new String[] {s + "MmUnmapLockedPages of an MDL not mapped to a system address", "MDL", "MDL flags", "missing flag"};
            case 0xB8 -> new String[] {s + "IoFreeMdl of an MDL whose pages are still mapped", "MDL", "MDL flags", "reserved"};
            case 0xB9 -> new String[] {s + "MmUnmapLockedPages with a bad user-space address", "address", "MDL", "reserved"};
            case 0x85 -> new String[] {s + "mapping an MDL whose pages are not locked", "MDL", "pages to map", "first unlocked PFN"};
            default -> (subcode & 0xFFFF0000L) == 0x20000
                    ? new String[] {s + "DDI compliance rule violated (rule ID)", "the rule's condition (text)", "rule state", "supplemental state"}
                    : new String[] {s + "Driver Verifier violation", "", "", ""};
        };
    }

    private String[] parameterMeanings(BugCheck bc) {
        long p1 = bc.p1();
        return switch (bc.code()) {
            case BugCheckCode.IRQL_NOT_LESS_OR_EQUAL, BugCheckCode.DRIVER_IRQL_NOT_LESS_OR_EQUAL -> new String[] {
                "memory referenced", "IRQL", "0 read, 1 write, 8 execute", "address which referenced memory"};
            case BugCheckCode.PAGE_FAULT_IN_NONPAGED_AREA -> new String[] {
                "memory referenced", "0 read, 2 write, 0x10 execute", "faulting code address",
                "type (0 freed or never valid PTE, 2 no page table, 4 non-canonical)"};
            case BugCheckCode.DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS -> new String[] {
                "memory referenced (an address of an unloaded driver)", "0 read, 1 write", "address which referenced memory", "reserved"};
            case BugCheckCode.SYSTEM_SCAN_AT_RAISED_IRQL_CAUGHT_IMPROPER_DRIVER_UNLOAD -> new String[] {
                "memory referenced (an address of an unloaded driver)", "IRQL", "0 read, 1 write", "address which referenced memory"};
            case BugCheckCode.PROCESS_HAS_LOCKED_PAGES -> p1 == 0
                    ? new String[] {"0: process terminated with locked pages", "process", "number of locked pages", "driver stacks (0: tracking off)"}
                    : new String[] {"1: driver unlocked pages that are not locked", "MDL", "current locked-page count of the process", "driver stacks"};
            case BugCheckCode.SYSTEM_PTE_MISUSE -> switch ((int) p1) {
                case 6 -> new String[] {"6: the MDL being unmapped is not mapped", "MDL", "virtual address", "page count"};
                case 1 -> new String[] {"1: the mapping being freed is a duplicate", "tracking structure", "MDL", "reserved"};
                case 2 -> new String[] {"2: the number of mappings freed is wrong", "tracking structure", "expected count", "count freed"};
                case 3 -> new String[] {"3: the address freed is not the mapping's", "tracking structure", "expected address", "address freed"};
                case 4 -> new String[] {"4: the MDL's first PFN changed since it was mapped", "tracking structure", "PFN then", "PFN now"};
                case 5 -> new String[] {"5: the MDL's StartVa changed since it was mapped", "tracking structure", "StartVa then", "StartVa now"};
                case 0x100 -> new String[] {"0x100: zero mappings requested", "number of mappings requested", "caller's tag", "caller's return address"};
                case 0x101 -> new String[] {"0x101: freeing a mapping range the caller does not own", "first mapping address", "caller's tag", "owner's tag"};
                case 0x102 -> new String[] {"0x102: the mapping range to free is apparently empty", "first mapping address", "caller's tag", "reserved"};
                case 0x103 -> new String[] {"0x103: the mapping range to free is still mapped (MmUnmapReservedMapping first)", "address of the mapping",
                    "caller's tag", "number of mappings in the range"};
                case 0x104 -> new String[] {"0x104: mapping an MDL into a range the caller does not own", "first mapping address", "caller's tag", "owner's tag"};
                case 0x105 -> new String[] {"0x105: mapping an MDL into an invalid range", "first mapping address", "caller's tag", "reserved"};
                case 0x107 -> new String[] {"0x107: mapping an MDL into a range that is not empty (MmUnmapReservedMapping first)",
                    "first mapping address", "address of the non-empty mapping", "last mapping address"};
                case 0x108 -> new String[] {"0x108: unmapping a range the caller does not own", "first mapping address", "caller's tag", "owner's tag"};
                case 0x109 -> new String[] {"0x109: unmapping a range that is apparently empty", "first mapping address", "caller's tag", "reserved"};
                case 0x10A -> new String[] {"0x10A: unmapping more mappings than the range holds", "first mapping address", "mappings in the range",
                    "mappings to unmap"};
                case 0x10B -> new String[] {"0x10B: unmapping a part of the range that is not mapped", "first mapping address", "caller's tag",
                    "mappings to unmap"};
                case 0x10C -> new String[] {"0x10C: not unmapping all of the range", "first mapping address", "caller's tag", "mappings to unmap"};
                default -> new String[] {"type", "", "", ""};
            };
            case BugCheckCode.PFN_LIST_CORRUPT -> p1 == 7
                    ? new String[] {"7: a page was unlocked more times than it was locked", "page frame number", "current share count", "0"}
                    : new String[] {"type", "", "", ""};
            case BugCheckCode.KMODE_EXCEPTION_NOT_HANDLED -> new String[] {
                "exception code " + NtStatus.name((int) p1), "address of the exception", "parameter 0 of the exception",
                "parameter 1 of the exception"};
            case BugCheckCode.SYSTEM_SERVICE_EXCEPTION -> new String[] {
                "exception code " + NtStatus.name((int) p1), "address of the instruction that caused the exception",
                "address of the context record", "0"};
            case BugCheckCode.SYSTEM_THREAD_EXCEPTION_NOT_HANDLED -> new String[] {
                "exception code " + NtStatus.name((int) p1), "address of the exception", "exception record address", "context record address"};
            case BugCheckCode.NO_MORE_SYSTEM_PTES -> new String[] {"0 system PTEs, 1 nonpaged pool PTEs", "requested size", "free PTEs", "total PTEs"};
            case BugCheckCode.MEMORY_MANAGEMENT -> new String[] {"subtype " + memoryManagementSubtype(p1), "", "", ""};
            case BugCheckCode.MULTIPLE_IRP_COMPLETE_REQUESTS -> new String[] {"address of the IRP", "reserved", "reserved", "reserved"};
            case BugCheckCode.ATTEMPTED_SWITCH_FROM_DPC -> new String[] {
                "the original thread (it waited in a DPC)", "the new thread", "the stack address of the original thread", "reserved"};
            case BugCheckCode.DRIVER_VERIFIER_DETECTED_VIOLATION -> verifierMeanings(p1);
            case BugCheckCode.DRIVER_VERIFIER_IOMANAGER_VIOLATION -> switch ((int) p1) {
                case 0x02 -> new String[] {"0x02: IoFreeIrp of an IRP still associated with a thread", "IRP", "0", "0"};
                case 0x05 -> new String[] {"0x05: IRQL changed across a dispatch routine", "device object", "IRQL before", "IRQL after"};
                case 0x06 -> new String[] {"0x06: IoCompleteRequest with status STATUS_PENDING or -1", "status", "IRP", "0"};
                case 0x07 -> new String[] {"0x07: IoCompleteRequest with a cancel routine still set", "cancel routine", "IRP", "0"};
                case 0x0E -> new String[] {"0x0E: IoCompleteRequest above DISPATCH_LEVEL", "IRQL", "IRP", "0"};
                case 0x23D -> new String[] {"0x23D: STATUS_PENDING returned without IoMarkIrpPending", "dispatch routine", "IRP", "status"};
                case 0x228 -> new String[] {"0x228: completion routine did not call IoMarkIrpPending though Irp->PendingReturned was set", "completion routine", "IRP", "0"};
                case 0x23E -> new String[] {"0x23E: IoMarkIrpPending called but STATUS_PENDING not returned", "dispatch routine", "IRP", "status"};
                default -> new String[] {"I/O verification code", "", "", ""};
            };
            case BugCheckCode.PAGE_FAULT_IN_FREED_SPECIAL_POOL, BugCheckCode.DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL,
                 BugCheckCode.PAGE_FAULT_BEYOND_END_OF_ALLOCATION, BugCheckCode.DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION -> new String[] {
                "memory referenced", "0 read, 1 write", "address that referenced memory", "reserved"};
            case BugCheckCode.SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION -> new String[] {
                "address being freed", "address of the corrupted bytes", "reserved", "subclass (0x24: bytes after the end overwritten)"};
            case BugCheckCode.DRIVER_USED_EXCESSIVE_PTES -> new String[] {
                "name of the driver holding the most system PTEs (UNICODE_STRING)", "PTEs it holds", "free system PTEs", "total system PTEs"};
            case BugCheckCode.DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS -> new String[] {
                "the kernel's lock-tracking structure", "0", "MDL holding the locked pages", "number of locked pages"};
            case BugCheckCode.NO_MORE_IRP_STACK_LOCATIONS -> new String[] {"address of the IRP", "reserved", "reserved", "reserved"};
            case BugCheckCode.BAD_POOL_CALLER -> new String[] {"type " + badPoolCaller(p1), "", "", ""};
            case BugCheckCode.BAD_POOL_HEADER -> new String[] {"type " + badPoolHeader(p1), "", "", ""};
            case BugCheckCode.ATTEMPTED_WRITE_TO_READONLY_MEMORY, BugCheckCode.ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY -> new String[] {
                "virtual address", "PTE contents", "reserved", "reserved"};
            default -> new String[] {"", "", "", ""};
        };
    }

    private static String memoryManagementSubtype(long p1) {
        return switch ((int) p1) {
            case 0x1000 -> "0x1000: a cached page was asked to be mapped with another cache type, with bug check on failure";
            case 0x1233 -> "0x1233: a driver tried to map a physical page that is not locked";
            case 0x1236 -> "0x1236: the MDL holds a page that is not locked or not valid (MDL, PFN pointer, PFN)";
            case 0x1240 -> "0x1240: an MDL was built for a virtual range that is not resident (MDL, PTE pointer)";
            case 0x41793 -> "0x41793: no physical page left for a structure the system cannot do without";
            default -> String.format("0x%X", p1);
        };
    }

    private static String badPoolCaller(long p1) {
        return switch ((int) p1) {
            case 0x00 -> "0x00: zero-byte allocation (0, pool type, tag)";
            case 0x07 -> "0x07: the block is already free (0, pool header, address)";
            case 0x08 -> "0x08: allocation at a bad IRQL (IRQL, pool type, size)";
            case 0x09 -> "0x09: free at a bad IRQL (IRQL, pool type, address)";
            case 0x0A -> "0x0A: freed with a tag that is not the allocation's (address, tag given, tag expected)";
            case 0x40 -> "0x40: a user-mode address freed to pool";
            case 0x60 -> "0x60: MmFreeContiguousMemory of an address that does not start a contiguous allocation (address, 0, 0)";
            case 0x99 -> "0x99: the address freed is not the start of an allocation";
            default -> String.format("0x%X", p1);
        };
    }

    private static String badPoolHeader(long p1) {
        return switch ((int) p1) {
            case 0x05 -> "0x05: adjacent pool headers contradict each other: a block was overrun (entry, reserved, other entry)";
            case 0x07 -> "0x07: the header's block size is corrupt (0, reserved, entry)";
            case 0x08 -> "0x08: the header's block size is zero (0, reserved, entry)";
            case 0x0D -> "0x0D: a freed block's header was written after the free";
            default -> String.format("0x%X", p1);
        };
    }

    /** A process's locked-page charge, for the trace of a process exit. */
    public static String process(EProcess p) {
        return String.format("%s NumberOfLockedPages %d%s", p, p.numberOfLockedPages(), p.hasExited() ? " (exited)" : "");
    }
}
