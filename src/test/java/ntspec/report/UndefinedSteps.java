package ntspec.report;

import io.cucumber.plugin.ConcurrentEventListener;
import io.cucumber.plugin.event.EventPublisher;
import io.cucumber.plugin.event.PickleStepTestStep;
import io.cucumber.plugin.event.Status;
import io.cucumber.plugin.event.TestStepFinished;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cucumber plugin for scenario authors: an undefined (misspelt) step is reported on the console
 * with the nearest entries of the README's step vocabulary, since Cucumber's own message offers a
 * Java snippet, which a Gherkin author has no use for.
 */
public final class UndefinedSteps implements ConcurrentEventListener {
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

    @Override
    public void setEventPublisher(EventPublisher publisher) {
        publisher.registerHandlerFor(TestStepFinished.class, event -> {
            if (event.getResult().getStatus() == Status.UNDEFINED && event.getTestStep() instanceof PickleStepTestStep step) {
                System.out.println(advice(step.getStep().getText(), step.getUri() + ":" + step.getStep().getLine()));
            }
        });
    }

    /** The console advice for an undefined step: the nearest vocabulary entries and where the vocabulary is. */
    String advice(String text, String where) {
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
