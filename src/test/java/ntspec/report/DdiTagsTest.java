package ntspec.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import ntspec.wdm.Script;
import org.junit.jupiter.api.Test;

/** Every {@code @ddi:Name} tag in features/ names a DDI the machine offers: a typo fails the build instead of linking to a missing page. */
class DdiTagsTest {
    @Test
    void everyDdiTagNamesARoutineTheFacadeOffers() throws IOException {
        Pattern tag = Pattern.compile("@ddi:(\\w+)");
        Set<String> tags = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Paths.get("features"))) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".feature"))::iterator) {
                Matcher m = tag.matcher(Files.readString(f));
                while (m.find()) tags.add(m.group(1));
            }
        }
        assertThat(tags).as("the @ddi tags of features/").isNotEmpty();
        assertThat(Script.ddiNames()).as("DDIs the facade offers").containsAll(tags);
    }

    @Test
    void linksGoToTheHeaderThatDocumentsTheRoutine() {
        assertThat(AllureLabels.ddiPage("MmProbeAndLockPages")).endsWith("/ddi/wdm/nf-wdm-mmprobeandlockpages");
        assertThat(AllureLabels.ddiPage("KeStackAttachProcess")).endsWith("/ddi/ntifs/nf-ntifs-kestackattachprocess");
        assertThat(AllureLabels.ddiPage("MmFreeContiguousMemory")).endsWith("/ddi/ntddk/nf-ntddk-mmfreecontiguousmemory");
        assertThat(AllureLabels.ddiPage("MmAllocateMappingAddress")).endsWith("/ddi/wdm/nf-wdm-mmallocatemappingaddress");
    }
}
