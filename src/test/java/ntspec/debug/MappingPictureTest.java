package ntspec.debug;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import ntspec.TestMachine;
import ntspec.mm.Mdl;
import ntspec.mm.MdlRoutines;
import ntspec.mm.Protection;
import org.junit.jupiter.api.Test;

class MappingPictureTest {
    @Test
    void aLockedMappedMdlIsDrawnPageToFrameToSystemPageWithItsFramesLocked() throws Exception {
        TestMachine t = new TestMachine();
        long buf = t.allocate(0x2000, Protection.PAGE_READWRITE);
        Mdl[] m = new Mdl[1];
        t.asDriver(() -> {
            m[0] = t.wdm.IoAllocateMdl(buf, 0x2000, false, false, null);
            t.wdm.MmProbeAndLockPages(m[0], MdlRoutines.UserMode, MdlRoutines.IoReadAccess);
            t.wdm.MmGetSystemAddressForMdlSafe(m[0], MdlRoutines.NormalPagePriority);
        });
        String svg = MappingPicture.svg(t.machine, Map.of("mdl", m[0]));
        assertThat(svg).isNotNull();
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertThat(svg).contains(Long.toHexString(m[0].pfn(0)) + " locked").contains(Long.toHexString(m[0].pfn(1)) + " locked")
                .contains("mdl-&gt;MappedSystemVa +1");
    }

    @Test
    void anMdlThatDescribesNoPageDrawsNothing() {
        TestMachine t = new TestMachine();
        Mdl[] m = new Mdl[1];
        t.asDriver(() -> m[0] = t.wdm.IoAllocateMdl(0x10000, 0x1000, false, false, null));
        assertThat(MappingPicture.svg(t.machine, Map.of("mdl", m[0]))).isNull();
    }
}
