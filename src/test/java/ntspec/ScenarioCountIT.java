package ntspec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.cucumber.gherkin.GherkinParser;
import io.cucumber.messages.types.Envelope;
import io.cucumber.messages.types.ParseError;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import ntspec.report.ScenarioCounter;
import org.junit.jupiter.api.Test;

/**
 * Guards against silently skipped scenarios: the number of scenarios Cucumber executed (written by
 * {@link ScenarioCounter} during {@link RunCucumberIT}) must equal the number declared under {@code features/}
 * (Gherkin pickles: one per scenario and one per Scenario Outline example row).
 *
 * <p>Runs under failsafe after RunCucumberIT (alphabetical run order, one JVM per class).
 */
class ScenarioCountIT {

    private static final Path FEATURES = Paths.get("features");
    private static final Path EXECUTED = Paths.get(ScenarioCounter.OUTPUT);
    private static final List<String> FILTER_KEYS =
            List.of("cucumber.filter.tags", "cucumber.filter.name", "cucumber.features");

    /** A filtered run that selects nothing is a mistake in the filter, not a pass. */
    @Test
    void a_filtered_run_selects_at_least_one_scenario() throws IOException {
        String filter = activeFilter();
        assumeThat(filter).as("no Cucumber filter is active").isNotNull();
        long executed = Files.isRegularFile(EXECUTED) ? Long.parseLong(Files.readString(EXECUTED, StandardCharsets.UTF_8).trim()) : 0;
        assertThat(executed)
                .withFailMessage("the filter %s selected no scenario: check the tag (e.g. @ddi:MmUnlockPages), the name"
                        + " (a regular expression matched against scenario names) or the path under features/", filter)
                .isPositive();
    }

    @Test
    void every_declared_scenario_was_executed() throws IOException {
        String filter = activeFilter();
        assumeThat(filter)
                .as("a Cucumber filter is active (%s), so fewer scenarios than declared are expected", filter)
                .isNull();

        assertThat(EXECUTED)
                .as("%s is missing: RunCucumberIT did not run, or ntspec.report.ScenarioCounter is not in cucumber.plugin",
                        EXECUTED)
                .isRegularFile();
        long executed = Long.parseLong(Files.readString(EXECUTED, StandardCharsets.UTF_8).trim());
        long declared = declaredScenarios();

        System.out.printf("ntspec: %d of the %d scenarios %s/ declares ran%n", executed, declared, FEATURES);
        assertThat(executed)
                .withFailMessage("Cucumber executed %d scenarios but %s/ declares %d"
                                + " (one per Scenario and per Scenario Outline example row)",
                        executed, FEATURES, declared)
                .isEqualTo(declared);
    }

    private static long declaredScenarios() throws IOException {
        assertThat(FEATURES).as("features directory").isDirectory();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(FEATURES)) {
            files = walk.filter(p -> p.toString().endsWith(".feature") && Files.isRegularFile(p))
                    .sorted()
                    .collect(Collectors.toList());
        }
        GherkinParser parser = GherkinParser.builder()
                .includeSource(false)
                .includeGherkinDocument(false)
                .includePickles(true)
                .build();
        long pickles = 0;
        List<String> errors = new ArrayList<>();
        for (Path file : files) {
            List<Envelope> envelopes;
            try (Stream<Envelope> stream = parser.parse(file)) {
                envelopes = stream.collect(Collectors.toList());
            }
            for (Envelope envelope : envelopes) {
                if (envelope.getPickle().isPresent()) {
                    pickles++;
                }
                envelope.getParseError().map(ParseError::getMessage).ifPresent(errors::add);
            }
        }
        assertThat(errors).as("Gherkin parse errors under %s/", FEATURES).isEmpty();
        return pickles;
    }

    /** A filter given as a system property (-D...) or in junit-platform.properties, or null. */
    private static String activeFilter() {
        Properties fromFile = new Properties();
        try (InputStream in = ScenarioCountIT.class.getResourceAsStream("/junit-platform.properties")) {
            if (in != null) {
                fromFile.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String key : FILTER_KEYS) {
            String value = System.getProperty(key, fromFile.getProperty(key));
            if (value != null && !value.isBlank()) {
                return key + "=" + value;
            }
        }
        return null;
    }
}
