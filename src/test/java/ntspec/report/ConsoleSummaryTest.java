package ntspec.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleSummaryTest {
    @TempDir
    Path dir;

    @Test
    void printsEachFailureWithItsMessageAndNoJavaSnippet() throws IOException {
        Path f = dir.resolve("two.feature");
        Files.writeString(f, """
                Feature: two
                  Scenario: fine
                    Given a machine
                  Scenario: misspelt
                    Given a machine
                    Then the machine bugchecked with PFN_LIST_CORRUPT
                """);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            io.cucumber.core.cli.Main.run(new String[] {"--glue", "ntspec.steps", "--no-summary", "--plugin", ConsoleSummary.class.getName(), f.toString()},
                    Thread.currentThread().getContextClassLoader());
        } finally {
            System.setOut(saved);
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("✘ misspelt (").contains("two.feature:4)")
                .contains("undefined step \"the machine bugchecked with PFN_LIST_CORRUPT\"")
                .contains("2 scenarios: 1 passed, 1 did not")
                .doesNotContain("@Then(").doesNotContain("snippets").doesNotContain("\tat ");
    }
}
