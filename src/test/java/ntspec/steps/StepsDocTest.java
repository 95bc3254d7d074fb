package ntspec.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/steps.md is the step catalogue generated from the glue, grouped by component, one example
 * each (taken from the README's vocabulary). This test fails when the file is out of date; run it
 * with -Dntspec.regenerate=true to rewrite the file.
 */
class StepsDocTest {
    private static final Path DOC = Path.of("docs/steps.md");
    private static final Map<Class<?>, String> COMPONENTS = new LinkedHashMap<>();
    static {
        COMPONENTS.put(MachineSteps.class, "The machine");
        COMPONENTS.put(ProcessSteps.class, "Processes and user memory");
        COMPONENTS.put(MmSteps.class, "MDLs and memory the scenario builds");
        COMPONENTS.put(DriverSteps.class, "The scenario's driver calls");
        COMPONENTS.put(IoSteps.class, "Drivers, devices and requests");
        COMPONENTS.put(VerifierSteps.class, "Driver Verifier");
        COMPONENTS.put(StateSteps.class, "What the machine holds (Then)");
    }

    static String generate() throws IOException {
        List<String> examples = StepCatalogueTest.readmeExamples(Path.of("README.md"));
        StringBuilder b = new StringBuilder("# Step vocabulary, by component\n\n"
                + "Generated from the step definitions in `src/test/java/ntspec/steps` (regenerate with\n"
                + "`mvn test -Dtest=StepsDocTest -Dntspec.regenerate=true`); each step with one example from the\n"
                + "README's vocabulary. Every step is a regular expression matched against the whole step text.\n");
        for (var c : COMPONENTS.entrySet()) {
            Map<String, String> rows = new TreeMap<>();
            for (Method m : c.getKey().getDeclaredMethods()) {
                List<String> exprs = new ArrayList<>();
                for (Given a : m.getAnnotationsByType(Given.class)) exprs.add(a.value());
                for (When a : m.getAnnotationsByType(When.class)) exprs.add(a.value());
                for (Then a : m.getAnnotationsByType(Then.class)) exprs.add(a.value());
                for (String e : exprs) {
                    Pattern p = Pattern.compile(e);
                    String example = examples.stream().filter(x -> p.matcher(x).matches()).findFirst().orElse("(no example)");
                    rows.put(example, e);
                }
            }
            if (rows.isEmpty()) continue;
            b.append("\n## ").append(c.getValue()).append("\n\n| example | step definition |\n|---|---|\n");
            rows.forEach((example, expr) -> b.append("| `").append(example.replace("|", "\\|")).append("` | `")
                    .append(expr.replace("|", "\\|")).append("` |\n"));
        }
        return b.toString();
    }

    @Test
    void theGeneratedCatalogueIsUpToDate() throws IOException {
        String now = generate();
        if (Boolean.getBoolean("ntspec.regenerate")) Files.writeString(DOC, now, StandardCharsets.UTF_8);
        assertThat(DOC).as("%s exists (regenerate with mvn test -Dtest=StepsDocTest -Dntspec.regenerate=true)", DOC).exists();
        assertThat(Files.readString(DOC, StandardCharsets.UTF_8))
                .as("%s is out of date with the glue: regenerate it with mvn test -Dtest=StepsDocTest -Dntspec.regenerate=true", DOC)
                .isEqualTo(now);
        assertThat(now).doesNotContain("(no example)");
    }

    @Test
    void everyClassOfStepsIsAComponentOfTheCatalogue() throws Exception {
        Path dir = Path.of(StepsDocTest.class.getResource("").toURI());
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.getFileName().toString().endsWith("Steps.class"))::iterator) {
                Class<?> c = Class.forName("ntspec.steps." + f.getFileName().toString().replace(".class", ""));
                assertThat(COMPONENTS).as("docs/steps.md components").containsKey(c);
            }
        }
    }
}
