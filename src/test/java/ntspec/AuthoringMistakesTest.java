package ntspec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each authoring mistake a scenario writer makes fails the scenario with a message in Gherkin's
 * terms (never a Java snippet, never a silent pass). Each test runs a small feature through
 * Cucumber's command line against the glue and reads the failure Cucumber prints.
 */
class AuthoringMistakesTest {
    @TempDir
    Path dir;

    /** Runs {@code steps} as one scenario; returns what Cucumber printed of its failure, asserting it failed. */
    private String fails(String steps) throws IOException {
        Path feature = dir.resolve("mistake.feature");
        Files.writeString(feature, "Feature: a mistake\n  Scenario: as written\n" + steps.indent(4));
        Path out = dir.resolve("pretty.txt");
        byte status = io.cucumber.core.cli.Main.run(new String[] {"--glue", "ntspec.steps", "--no-summary", "--monochrome",
                        "--plugin", "pretty:" + out, feature.toString()},
                Thread.currentThread().getContextClassLoader());
        String printed = Files.readString(out);
        assertThat(status).as("the scenario must fail:%n%s", printed).isNotZero();
        return printed;
    }

    @Test
    void aMisspeltStepNamesTheNearestStepsOfTheVocabularyNotAJavaSnippet() throws IOException {
        String printed = fails("Given a machine\nThen the machine bugchecked with PFN_LIST_CORRUPT\n");
        assertThat(printed).contains("undefined step \"the machine bugchecked with PFN_LIST_CORRUPT\"")
                .contains("mistake.feature:4")
                .contains("the machine bug-checked with")
                .contains("Step vocabulary")
                .doesNotContain("@Then(").doesNotContain("throw new io.cucumber.java.PendingException");
    }

    @Test
    void aRowThatLostItsClosingBarLeavesNoStatementAndFails() throws IOException {
        String printed = fails("Given a machine\nWhen the driver calls:\n  | x = ExAllocatePoolWithTag(NonPagedPoolNx, 0x100, 'Test')\n");
        assertThat(printed).contains("holds no statement").contains("closing |");
    }

    @Test
    void aStepThatNeedsATableSaysSoInWords() throws IOException {
        String printed = fails("Given a machine\nWhen the driver calls:\n");
        assertThat(printed).containsIgnoringCase("table");
        assertThat(printed).doesNotContain("ArityMismatch").doesNotContain("step definition has 1 argument");
    }

    @Test
    void swappedArgumentsNameTheParameterTypeAndTheAcceptedNames() throws IOException {
        String printed = fails("Given a machine\nAnd a user process \"app\"\nAnd \"app\" allocates 0x1000 of PAGE_READWRITE memory as buf\n"
                + "And an MDL \"mdl\" describing 0x1000 bytes at buf\n"
                + "When the driver calls MmProbeAndLockPages(mdl, IoReadAccess, UserMode)\n");
        assertThat(printed).contains("MmProbeAndLockPages").contains("KPROCESSOR_MODE").contains("UserMode").contains("KernelMode");
    }

    @Test
    void aProtectionConstantWhereALockOperationBelongsNamesTheAcceptedOperations() throws IOException {
        String printed = fails("Given a machine\nAnd a user process \"app\"\nAnd \"app\" allocates 0x1000 of PAGE_READWRITE memory as buf\n"
                + "And an MDL \"mdl\" describing 0x1000 bytes at buf\n"
                + "When the driver calls MmProbeAndLockPages(mdl, UserMode, PAGE_READWRITE)\n");
        assertThat(printed).contains("LOCK_OPERATION").contains("IoReadAccess").contains("IoWriteAccess").contains("IoModifyAccess");
    }

    @Test
    void aMisspeltDdiGetsADidYouMean() throws IOException {
        String printed = fails("Given a machine\nWhen the driver calls:\n  | p = ExAllocatePoolWithTags(NonPagedPoolNx, 0x100, 'Test') |\n");
        assertThat(printed).contains("ExAllocatePoolWithTag").containsIgnoringCase("did you mean");
    }
}
