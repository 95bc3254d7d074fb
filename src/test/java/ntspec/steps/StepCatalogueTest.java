package ntspec.steps;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's step vocabulary and the glue agree: every example in the table is accepted by
 * exactly one step definition, and every step definition has an example. A step added without
 * documentation, or documentation of a step that is gone, fails here.
 */
class StepCatalogueTest {
    private static final Pattern ROW = Pattern.compile("^\\| `(.+?)`");

    private static List<String> examples;
    private static List<Pattern> steps;

    @BeforeAll
    static void load() throws IOException {
        examples = readmeExamples(Path.of("README.md"));
        steps = stepPatterns();
    }

    static List<String> readmeExamples(Path readme) throws IOException {
        List<String> lines = Files.readAllLines(readme);
        int start = lines.indexOf("### Step vocabulary");
        assertThat(start).as("README.md has a '### Step vocabulary' section").isNotNegative();
        List<String> out = new ArrayList<>();
        for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("#"); i++) {
            Matcher m = ROW.matcher(lines.get(i));
            if (m.find()) out.add(m.group(1).replace("\\|", "|"));
        }
        return out;
    }

    static List<Pattern> stepPatterns() {
        List<Pattern> all = StepPatterns.all();
        assertThat(all).as("step definitions").isNotEmpty();
        return all;
    }

    @Test
    void theCatalogueIsNotEmpty() {
        assertThat(examples).hasSizeGreaterThan(30);
        assertThat(steps).hasSizeGreaterThan(30);
    }

    @Test
    void everyExampleIsAcceptedByExactlyOneStep() {
        for (String example : examples) {
            long matching = steps.stream().filter(p -> p.matcher(example).matches()).count();
            assertThat(matching).as("step definitions accepting README example \"%s\"", example).isEqualTo(1);
        }
    }

    @Test
    void everyStepHasAnExample() {
        for (Pattern step : steps) {
            assertThat(examples).as("README examples of step /%s/", step.pattern())
                    .anyMatch(e -> step.matcher(e).matches());
        }
    }
}
