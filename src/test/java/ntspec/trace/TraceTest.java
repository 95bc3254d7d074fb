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
}
