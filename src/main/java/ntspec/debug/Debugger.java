package ntspec.debug;

import java.util.List;
import ntspec.Machine;
import ntspec.hw.Mmu;
import ntspec.hw.Pte;
import ntspec.ke.BugCheck;
import ntspec.ke.BugCheckCode;
import ntspec.ke.CodeImage;
import ntspec.ke.Irql;
import ntspec.ke.KProcess;
import ntspec.ke.KThread;
import ntspec.ke.NtStatus;
import ntspec.mm.EProcess;
import ntspec.mm.Mdl;
import ntspec.mm.Pfn;
import ntspec.trace.Trace;

/**
 * What a kernel debugger would show of a machine: {@code !mdl}, {@code !pte}, {@code !pfn},
 * {@code !analyze -v}, {@code !vm}. Reads state only.
 */
public final class Debugger {
    private final Machine machine;

    public Debugger(Machine machine) {
        this.machine = machine;
    }

    /** {@code !mdl}: the header, the flags by name and each PFN with its database entry. */
    public String mdl(Mdl mdl) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("MDL %016X%s%n", mdl.address, mdl.isFreed() ? "  (freed)" : ""));
        sb.append(String.format("  Next           %s%n", mdl.Next == null ? "0" : String.format("%016X", mdl.Next.address)));
        sb.append(String.format("  Size           0x%X%n", mdl.Size & 0xFFFF));
        sb.append(String.format("  MdlFlags       0x%04X  %s%n", mdl.MdlFlags & 0xFFFF, Mdl.flagNames(mdl.MdlFlags & 0xFFFF)));
        sb.append(String.format("  Process        %s%n", mdl.Process == null ? "0" : mdl.Process.toString()));
        sb.append(String.format("  MappedSystemVa %016X%n", mdl.MappedSystemVa));
        sb.append(String.format("  StartVa        %016X%n", mdl.StartVa));
        sb.append(String.format("  ByteCount      0x%X%n", mdl.ByteCount));
        sb.append(String.format("  ByteOffset     0x%X%n", mdl.ByteOffset));
        long pages = mdl.pageCount();
        sb.append(String.format("  PFN array (%d page%s):%n", pages, pages == 1 ? "" : "s"));
        for (int i = 0; i < pages && i < mdl.capacity() && i < 64; i++) {
            long pfn = mdl.pfn(i);
            if (pfn == Mdl.LIST_HEAD) {
                sb.append(String.format("    [%d] LIST_HEAD%n", i));
                break;
            }
            sb.append(String.format("    [%d] %s%n", i, pfnLine(pfn)));
        }
        if (pages > 64) sb.append("    ...\n");
        return sb.toString();
    }

    /** {@code !pfn}: one line. */
    /** WinDbg's !irp: the packet's fields and each stack location, '>' marking the current one. */
    public String irp(ntspec.io.Irp irp) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("Irp is active with %d stacks %d is current (= %016X)%s%n", irp.StackCount, irp.CurrentLocation,
                irp.location(irp.CurrentLocation) == null ? 0 : irp.location(irp.CurrentLocation).address, irp.isFreed() ? "  (freed)" : ""));
        sb.append(String.format(" Mdl=%s: %s Flags = %08x%n", irp.MdlAddress == null ? "00000000" : String.format("%016X", irp.MdlAddress.address),
                irp.AssociatedIrp.SystemBuffer == 0 ? "No System Buffer." : String.format("System buffer=%016X.", irp.AssociatedIrp.SystemBuffer), irp.Flags));
        sb.append(String.format(" UserBuffer=%016X  RequestorMode=%s  PendingReturned=%s  Cancel=%s%n", irp.UserBuffer,
                irp.RequestorMode == 0 ? "KernelMode" : "UserMode", irp.PendingReturned ? "TRUE" : "FALSE", irp.Cancel ? "TRUE" : "FALSE"));
        sb.append(String.format(" IoStatus.Status=%08x  IoStatus.Information=%X  UserIosb=%016X%n", irp.IoStatus.Status,
                irp.IoStatus.Information, irp.UserIosb));
        sb.append(String.format(" Tail.Overlay.Thread=%s%n", irp.Tail.Overlay.Thread == null ? "0" : irp.Tail.Overlay.Thread.toString()));
        sb.append("     cmd  flg cl Device   File     Completion-Context\n");
        for (int n = irp.StackCount; n >= 1; n--) {
            ntspec.io.IoStackLocation sl = irp.location(n);
            sb.append(String.format("%s[%3x,%2x] %3x %2x %s %s %s-%s%n", n == irp.CurrentLocation ? ">" : " ", sl.MajorFunction, sl.MinorFunction,
                    sl.Flags, sl.Control, sl.DeviceObject == null ? "00000000" : sl.DeviceObject.toString(),
                    sl.FileObject == null ? "00000000" : String.format("%016X", sl.FileObject.address),
                    sl.CompletionRoutine == null ? "00000000" : sl.completionName, sl.Context == null ? "00000000" : String.valueOf(sl.Context)));
            if (sl.MajorFunction == ntspec.io.IoConstants.IRP_MJ_DEVICE_CONTROL || sl.MajorFunction == ntspec.io.IoConstants.IRP_MJ_INTERNAL_DEVICE_CONTROL) {
                var p = sl.Parameters.DeviceIoControl;
                sb.append(String.format("            Args: %08x %08x 0x%08x %016X%n", p.OutputBufferLength, p.InputBufferLength, p.IoControlCode, p.Type3InputBuffer));
            }
        }
        return sb.toString();
    }

    public String pfnLine(long pfn) {
        Pfn e = machine.mm.pfnDb.get(pfn);
        if (e == null) return String.format("%X  (no PFN entry in use)", pfn);
        return String.format("%X  ref %d share %d lock %d  %s%s", pfn, e.referenceCount(), e.shareCount(), e.lockCount(),
                Pfn.locationName(e.location()), e.pteAddress() >= 0 ? String.format("  pte@%X", e.pteAddress()) : "");
    }

    /** {@code !pte}: the four paging-structure entries of va in the current address space. */
    public String pte(long va) {
        StringBuilder sb = new StringBuilder(String.format("VA %016X%n", va));
        long table = machine.kernel.currentProcessor().cpu.cr3();
        String[] names = {"", "PTE", "PDE", "PPE", "PXE"};
        for (int level = 4; level >= 1; level--) {
            long ea = (table << 12) | ((long) Mmu.index(va, level) << 3);
            long e = machine.memory.readQword(ea);
            sb.append(String.format("  %s at %X contains %016X  %s%n", names[level], ea, e,
                    level == 1 ? Pte.describe(e) : (Pte.isValid(e) ? "valid, table pfn " + Long.toHexString(Pte.pfn(e)) : "not present")));
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
                        + "Paging file slots in use %d%nPage faults %d (demand zero %d, transition %d, hard %d)%n",
                mm.pfnDb.frameCount(), mm.pfnDb.count(Pfn.ZERO_PAGE_LIST), mm.pfnDb.count(Pfn.FREE_PAGE_LIST),
                mm.pfnDb.count(Pfn.STANDBY_PAGE_LIST), mm.pfnDb.count(Pfn.MODIFIED_PAGE_LIST),
                mm.systemPtes.inUse(), mm.systemPtes.total(), mm.systemLockPagesCount(),
                mm.pagingFile.usedSlots(), mm.pageFaults(), mm.demandZeroFaults(), mm.transitionFaults(), mm.hardFaults());
    }

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
        CodeImage img = machine.kernel.imageAt(cpu.instructionPointer());
        sb.append(String.format("FAULTING_IP:  %s+%x%n", img == null ? "?" : img.name(), img == null ? 0 : cpu.instructionPointer() - img.base()));
        sb.append("\nLAST EVENTS:\n");
        List<Trace.Event> events = machine.trace.events();
        for (int i = Math.max(0, events.size() - 12); i < events.size(); i++) sb.append("  ").append(events.get(i).format()).append('\n');
        return sb.toString();
    }

    private String[] parameterMeanings(BugCheck bc) {
        return switch (bc.code()) {
            case BugCheckCode.IRQL_NOT_LESS_OR_EQUAL, BugCheckCode.DRIVER_IRQL_NOT_LESS_OR_EQUAL -> new String[] {
                "memory referenced", "IRQL", "0 read, 1 write, 8 execute", "address which referenced memory"};
            case BugCheckCode.PAGE_FAULT_IN_NONPAGED_AREA -> new String[] {
                "memory referenced", "0 read, 2 write, 0x10 execute", "faulting code address",
                "type (0 freed or never valid PTE, 2 no page table, 4 non-canonical)"};
            case BugCheckCode.PROCESS_HAS_LOCKED_PAGES -> bc.p1() == 0
                    ? new String[] {"0: process terminated with locked pages", "process", "number of locked pages", "driver stacks (0: tracking off)"}
                    : new String[] {"1: driver unlocked pages that are not locked", "MDL", "current locked-page count of the process", "driver stacks"};
            case BugCheckCode.SYSTEM_PTE_MISUSE -> bc.p1() == 6
                    ? new String[] {"6: the MDL being unmapped is not mapped", "MDL", "virtual address", "page count"}
                    : new String[] {"type", "MDL", "expected address", "address given"};
            case BugCheckCode.PFN_LIST_CORRUPT -> bc.p1() == 7
                    ? new String[] {"7: a page was unlocked more times than it was locked", "page frame number", "current share count", "0"}
                    : new String[] {"type", "", "", ""};
            case BugCheckCode.KMODE_EXCEPTION_NOT_HANDLED -> new String[] {
                "exception code " + NtStatus.name((int) bc.p1()), "address of the exception", "parameter 0 of the exception",
                "parameter 1 of the exception"};
            case BugCheckCode.NO_MORE_SYSTEM_PTES -> new String[] {"0 system PTEs, 1 nonpaged pool PTEs", "requested size", "free PTEs", "total PTEs"};
            case BugCheckCode.MEMORY_MANAGEMENT -> new String[] {"subtype", "", "", ""};
            default -> new String[] {"", "", "", ""};
        };
    }

    /** A process's locked-page charge, for the trace of a process exit. */
    public static String process(EProcess p) {
        return String.format("%s NumberOfLockedPages %d%s", p, p.numberOfLockedPages(), p.hasExited() ? " (exited)" : "");
    }
}
