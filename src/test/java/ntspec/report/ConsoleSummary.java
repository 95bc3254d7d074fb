package ntspec.report;

import io.cucumber.plugin.ColorAware;
import io.cucumber.plugin.ConcurrentEventListener;
import io.cucumber.plugin.event.EventPublisher;
import io.cucumber.plugin.event.Status;
import io.cucumber.plugin.event.TestCaseFinished;
import io.cucumber.plugin.event.TestRunFinished;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Cucumber plugin for the fast loop through Cucumber's command line (README, "Running part of the
 * specification"), in place of Cucumber's {@code summary}: each scenario that did not pass with its
 * failure message (no stack frames), then the counts. Unlike {@code summary}, it never offers Java
 * snippets for undefined steps: the glue's failure for one already names the nearest steps of the
 * vocabulary.
 */
public final class ConsoleSummary implements ConcurrentEventListener, ColorAware {
    private final List<String> failures = new ArrayList<>();
    private final PrintStream out;
    private int ran;
    private int passed;

    public ConsoleSummary() {
        this(System.out);
    }

    ConsoleSummary(PrintStream out) {
        this.out = out;
    }

    @Override
    public void setMonochrome(boolean monochrome) {
        // plain text either way
    }

    @Override
    public void setEventPublisher(EventPublisher publisher) {
        publisher.registerHandlerFor(TestCaseFinished.class, this::finished);
        publisher.registerHandlerFor(TestRunFinished.class, event -> out.print(text()));
    }

    private synchronized void finished(TestCaseFinished event) {
        ran++;
        Status status = event.getResult().getStatus();
        if (status.isOk()) {
            passed++;
            return;
        }
        Throwable error = event.getResult().getError();
        String message = error == null ? status.name().toLowerCase() : String.valueOf(error.getMessage());
        failures.add("✘ " + event.getTestCase().getName() + " (" + event.getTestCase().getUri().getPath() + ":"
                + event.getTestCase().getLocation().getLine() + ")\n" + message.strip().indent(4));
    }

    synchronized String text() {
        StringBuilder b = new StringBuilder();
        for (String f : failures) b.append(f);
        return b.append(ran).append(" scenarios: ").append(passed).append(" passed, ").append(ran - passed).append(" did not\n").toString();
    }
}
