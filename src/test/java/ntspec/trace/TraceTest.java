package ntspec.trace;

import static org.assertj.core.api.Assertions.assertThat;

import ntspec.TestMachine;
import ntspec.mm.MdlRoutines;
import ntspec.mm.Mdl;
import ntspec.mm.Protection;
import org.junit.jupiter.api.Test;

/** The event trace: what it records, and that two machines doing the same work record the same thing. */
class TraceTest {
    private static String run() {
        TestMachine t = new TestMachine();
        long va = t.allocate(0x3000, Protection.PAGE_READWRITE);
        t.userWrite(va, "same every time");
        Mdl mdl = t.wdm.IoAllocateMdl(va, 0x3000, false, false, null);
        t.asDriver(() -> {
            t.wdm.MmProbeAndLockPages(mdl, MdlRoutines.UserMode, MdlRoutines.IoWriteAccess);
            t.wdm.MmGetSystemAddressForMdlSafe(mdl, MdlRoutines.NormalPagePriority);
            t.wdm.MmUnlockPages(mdl);
        });
        t.wdm.IoFreeMdl(mdl);
        return t.machine.trace.format();
    }

    @Test
    void theSameWorkGivesTheSameTrace() {
        String first = run();
        assertThat(first).contains("MmProbeAndLockPages", "MmGetSystemAddressForMdlSafe", "MmUnlockPages");
        assertThat(run()).isEqualTo(first);
    }

    @Test
    void ddiCallsFaultsPteWritesAndBugChecksAreRecorded() {
        TestMachine t = new TestMachine();
        long va = t.allocate(0x1000, Protection.PAGE_READWRITE);
        int mark = t.machine.trace.size();
        t.userWrite(va, "x");
        assertThat(t.machine.trace.since(mark)).extracting(Trace.Event::kind).contains(Trace.Kind.FAULT, Trace.Kind.PTE);
        t.asDriver(() -> t.wdm.KeBugCheckEx(0xE2, 0, 0, 0, 0));
        assertThat(t.machine.trace.events()).extracting(Trace.Event::kind).contains(Trace.Kind.DDI, Trace.Kind.BUGCHECK);
    }

    @Test
    void eventsFormatAsTheDebuggerColumnsWithUpperCaseHex() {
        for (long v : new long[] {0, 1, 0xF, 0x10, 0xFFFFFA8000000000L, -1L, Long.MIN_VALUE, 0x8000000000103903L}) {
            assertThat(Trace.hex(v)).isEqualTo("0x" + Long.toHexString(v).toUpperCase());
        }
        Trace.Event e = new Trace.Event(42, Trace.Kind.PTE, "write", 0x102000, 0xFFFFFA8000000000L, 0x104003, 3);
        assertThat(e.format()).isEqualTo(String.format("%5d %-8s ", 42, "PTE") + "write 0x102000 0xFFFFFA8000000000 0x104003");
        assertThat(new Trace.Event(123456, Trace.Kind.BUGCHECK, "KeBugCheckEx", 0, 0, 0, 0).format()).isEqualTo("123456 BUGCHECK KeBugCheckEx");
    }

    @Test
    void aLongTraceKeepsItsBeginningAndEndAndCountsWhatItLeftOut() {
        Trace t = new Trace(true);
        t.add(Trace.Kind.DDI, "MmMapLockedPagesSpecifyCache");
        for (int i = 0; i < 10; i++) t.pteWrite(0x1000 + 8 * i, 0xFFFFFA8000000000L + 0x1000L * i, 0x103903);
        t.add(Trace.Kind.BUGCHECK, "KeBugCheckEx", 0x50);
        assertThat(t.format(100)).isEqualTo(t.format());
        String cut = t.format(4);
        assertThat(cut.lines()).hasSize(5);
        assertThat(cut).startsWith("    1 DDI      MmMapLockedPagesSpecifyCache\n    2 PTE ")
                .contains("  ... 8 events left out here (8 PTE); the trace has 12 in all ...")
                .endsWith("   12 BUGCHECK KeBugCheckEx 0x50\n");
    }

    @Test
    void rtlCopyMemoryAndTheCurrentThreadAndProcessAreTracedLikeDdis() {
        TestMachine t = new TestMachine();
        long va = t.allocate(0x1000, Protection.PAGE_READWRITE);
        int mark = t.machine.trace.size();
        t.asDriver(() -> {
            t.wdm.RtlFillMemory(va, 0x10, 0x41);
            t.wdm.RtlCopyMemory(va + 0x10, va, 0x10);
            t.wdm.PsGetCurrentProcess();
            t.wdm.KeGetCurrentThread();
        });
        assertThat(t.machine.trace.since(mark)).filteredOn(e -> e.kind() == Trace.Kind.DDI).extracting(Trace.Event::text)
                .anyMatch(x -> x.startsWith("RtlFillMemory(")).anyMatch(x -> x.startsWith("RtlCopyMemory("))
                .contains("PsGetCurrentProcess()", "KeGetCurrentThread()");
        assertThat(t.machine.mm.read(va + 0x1F, 1)).isEqualTo(0x41);
    }
}
