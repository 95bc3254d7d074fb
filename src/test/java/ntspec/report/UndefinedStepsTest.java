package ntspec.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class UndefinedStepsTest {
    @Test
    void aMisspeltStepGetsTheNearestVocabularyEntries() {
        String advice = new UndefinedSteps(Path.of("README.md")).advice("the machine bugchecked with PFN_LIST_CORRUPT", "x.feature:3");
        assertThat(advice).contains("undefined step").contains("the machine bug-checked with").contains("Step vocabulary");
    }
}
