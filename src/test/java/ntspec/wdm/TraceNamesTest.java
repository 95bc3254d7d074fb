package ntspec.wdm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ntspec.TestMachine;
import ntspec.debug.Debugger;
import ntspec.mm.Mdl;
import ntspec.mm.Protection;
import org.junit.jupiter.api.Test;

/** The trace and !analyze name what wdm.h names: priorities, pool types, the routine and image that stopped the machine. */
class TraceNamesTest {
    @Test
    void prioritiesAndPoolTypesByTheirWdmNames() {
        assertThat(Wdm.priorityName(16)).isEqualTo("NormalPagePriority");
        assertThat(Wdm.priorityName(16 | 0x40000000)).isEqualTo("NormalPagePriority | MdlMappingNoExecute");
        assertThat(Wdm.priorityName(32 | 0x80000000)).isEqualTo("HighPagePriority | MdlMappingNoWrite");
        assertThat(Wdm.poolTypeName(512)).isEqualTo("NonPagedPoolNx");
        assertThat(Wdm.poolTypeName(1)).isEqualTo("PagedPool");
    }

    @Test
    void analyzeNamesTheKernelRoutineThatStoppedAndTheDriverThatCalledIt() {
        TestMachine t = new TestMachine();
        Wdm d = new Wdm(t.machine, "Caller.sys");
        long buf = t.allocate(0x1000, Protection.PAGE_READWRITE);
        catchThrowable(() -> d.runAsDriver("Test", () -> {
            Mdl mdl = d.IoAllocateMdl(buf, 0x1000, false, false, null);
            d.MmUnlockPages(mdl);
        }));
        assertThat(t.machine.isHalted()).isTrue();
        String analyze = new Debugger(t.machine).analyze();
        assertThat(analyze).contains("FAULTING_IP:  nt!MmUnlockPages").contains("IMAGE_NAME:  Caller.sys");
    }
}
