package ntspec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Gherkin snippets run as pasted: each ```gherkin block (a whole feature, or steps
 * wrapped into one scenario) is run through Cucumber's command line against the glue, and must
 * pass.
 */
class ReadmeSnippetsTest {
    @TempDir
    Path dir;

    static List<String> gherkinBlocks() throws IOException {
        List<String> blocks = new ArrayList<>();
        List<String> lines = Files.readAllLines(Path.of("README.md"));
        StringBuilder current = null;
        for (String line : lines) {
            if (current == null && line.trim().equals("```gherkin")) {
                current = new StringBuilder();
            } else if (current != null && line.trim().equals("```")) {
                blocks.add(current.toString());
                current = null;
            } else if (current != null) {
                current.append(line).append('\n');
            }
        }
        return blocks;
    }

    @Test
    void everyGherkinSnippetOfTheReadmePasses() throws IOException {
        List<String> blocks = gherkinBlocks();
        assertThat(blocks).as("```gherkin blocks in README.md").hasSizeGreaterThanOrEqualTo(2);
        for (int i = 0; i < blocks.size(); i++) {
            String b = blocks.get(i);
            String feature = b.contains("Feature:") ? b
                    : "Feature: README snippet " + (i + 1) + "\n  Scenario: as pasted\n" + b.lines().map(l -> "    " + l).reduce("", (x, y) -> x + y + "\n");
            Path f = dir.resolve("snippet" + (i + 1) + ".feature");
            Files.writeString(f, feature);
            byte status = io.cucumber.core.cli.Main.run(new String[] {"--glue", "ntspec.steps", "--no-summary", f.toString()},
                    Thread.currentThread().getContextClassLoader());
            assertThat(status).as("README snippet %d:%n%s", i + 1, feature).isZero();
        }
    }

    @Test
    void aSnippetThatFailsIsCaught() throws IOException {
        Path f = dir.resolve("failing.feature");
        Files.writeString(f, "Feature: failing\n  Scenario: wrong\n    Given a machine\n    Then SystemPtesInUse is 12345\n");
        byte status = io.cucumber.core.cli.Main.run(new String[] {"--glue", "ntspec.steps", "--no-summary", f.toString()},
                Thread.currentThread().getContextClassLoader());
        assertThat(status).isNotZero();
    }
}
