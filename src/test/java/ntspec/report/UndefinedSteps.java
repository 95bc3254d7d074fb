package ntspec.report;

import io.cucumber.gherkin.GherkinParser;
import io.cucumber.messages.types.Envelope;
import io.cucumber.messages.types.FeatureChild;
import io.cucumber.messages.types.Pickle;
import io.cucumber.messages.types.PickleStep;
import io.cucumber.messages.types.Scenario;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a scenario author sees for an undefined (misspelt) step: the step, where it is, and the
 * nearest entries of the README's step vocabulary. Cucumber's own message offers a Java snippet,
 * which a Gherkin author has no use for; the glue's last @After hook (see Hooks) fails an undefined
 * scenario with this text instead, so it is the failure in the console, failsafe's report and
 * Allure (category "Undefined step").
 */
public final class UndefinedSteps {
    private static final Pattern ROW = Pattern.compile("^\\| `(.+?)` \\|");
    private final List<String> catalogue;

    public UndefinedSteps() {
        this(Path.of("README.md"));
    }

    UndefinedSteps(Path readme) {
        catalogue = read(readme);
    }

    private static List<String> read(Path readme) {
        List<String> out = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(readme);
            int start = lines.indexOf("### Step vocabulary");
            for (int i = start + 1; start >= 0 && i < lines.size() && !lines.get(i).startsWith("#"); i++) {
                Matcher m = ROW.matcher(lines.get(i));
                if (m.find()) out.add(m.group(1).replace("\\\\|", "|"));
            }
        } catch (IOException e) {
            // no README: no suggestions
        }
        return out;
    }

    /**
     * The first step of the scenario named {@code scenarioName} in {@code feature} (for an outline,
     * the example whose row is on {@code line}) that no step definition accepts, as {@code text} and
     * {@code uri:line}; null when every step has a definition.
     */
    public static String[] firstUndefined(URI feature, String scenarioName, int line, List<Pattern> glue) {
        GherkinParser parser = GherkinParser.builder().includeSource(false).includeGherkinDocument(true).includePickles(true).build();
        Path path;
        try {
            path = Path.of(feature);
        } catch (RuntimeException e) {
            path = Path.of(feature.getSchemeSpecificPart());
        }
        List<Envelope> envelopes;
        try (Stream<Envelope> stream = parser.parse(path)) {
            envelopes = stream.toList();
        } catch (IOException e) {
            return null;
        }
        Map<String, Long> lines = new HashMap<>();
        for (Envelope e : envelopes) e.getGherkinDocument().flatMap(d -> d.getFeature()).ifPresent(f -> index(f.getChildren(), lines));
        for (Envelope e : envelopes) {
            if (e.getGherkinDocument().isPresent()) continue;
            Pickle pickle = e.getPickle().orElse(null);
            if (pickle == null || !pickle.getName().equals(scenarioName)) continue;
            if (pickle.getAstNodeIds().stream().noneMatch(id -> lines.getOrDefault(id, -1L) == line)) continue;
            for (PickleStep step : pickle.getSteps()) {
                if (glue.stream().noneMatch(p -> p.matcher(step.getText()).matches())) {
                    long at = step.getAstNodeIds().stream().map(id -> lines.getOrDefault(id, 0L)).findFirst().orElse(0L);
                    return new String[] {step.getText(), path + ":" + at};
                }
            }
        }
        return null;
    }

    private static void index(List<FeatureChild> children, Map<String, Long> lines) {
        for (FeatureChild c : children) {
            c.getRule().ifPresent(r -> r.getChildren().forEach(rc -> {
                rc.getBackground().ifPresent(b -> b.getSteps().forEach(s -> lines.put(s.getId(), s.getLocation().getLine())));
                rc.getScenario().ifPresent(sc -> index(sc, lines));
            }));
            c.getBackground().ifPresent(b -> b.getSteps().forEach(s -> lines.put(s.getId(), s.getLocation().getLine())));
            c.getScenario().ifPresent(sc -> index(sc, lines));
        }
    }

    private static void index(Scenario sc, Map<String, Long> lines) {
        lines.put(sc.getId(), sc.getLocation().getLine());
        sc.getSteps().forEach(s -> lines.put(s.getId(), s.getLocation().getLine()));
        sc.getExamples().forEach(ex -> ex.getTableBody().forEach(row -> lines.put(row.getId(), row.getLocation().getLine())));
    }

    /** The failure message for an undefined step: the nearest vocabulary entries and where the vocabulary is. */
    public String advice(String text, String where) {
        // An example is compared up to the step's length: its arguments may run on past what was typed.
        String t = text.toLowerCase();
        List<String> nearest = catalogue.stream()
                .sorted(Comparator.comparingInt((String c) -> ntspec.wdm.Script.distance(t, c.toLowerCase().substring(0, Math.min(c.length(), t.length())))))
                .limit(3).toList();
        StringBuilder b = new StringBuilder("ntspec: undefined step \"" + text + "\" at " + where + ". Nearest steps of the vocabulary:");
        for (String n : nearest) b.append("\n    ").append(n);
        return b.append("\n  (README.md, \"Step vocabulary\", lists every step with an example; no Java is needed)").toString();
    }
}
