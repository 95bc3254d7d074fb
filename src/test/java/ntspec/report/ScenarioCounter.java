package ntspec.report;

import io.cucumber.plugin.ConcurrentEventListener;
import io.cucumber.plugin.event.EventPublisher;
import io.cucumber.plugin.event.TestCaseFinished;
import io.cucumber.plugin.event.TestRunFinished;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cucumber plugin that counts executed scenarios (one {@link TestCaseFinished} per pickle, whatever its status)
 * and, when the run finishes, writes the count to {@value #OUTPUT}. {@code ScenarioCountIT} compares it with
 * the number of scenarios declared in {@code features/}.
 *
 * <p>Registered in {@code junit-platform.properties}. Events may arrive from several threads when scenarios run
 * in parallel, hence the atomic counter; all state is per instance.
 */
public final class ScenarioCounter implements ConcurrentEventListener {

    /** Relative to the test JVM's working directory, i.e. the project base directory under failsafe. */
    public static final String OUTPUT = "target/ntspec/scenarios-executed.txt";

    private final AtomicLong finished = new AtomicLong();
    private final AtomicLong passed = new AtomicLong();
    private final Path output;

    public ScenarioCounter() {
        this(Paths.get(OUTPUT));
    }

    ScenarioCounter(Path output) {
        this.output = output;
    }

    @Override
    public void setEventPublisher(EventPublisher publisher) {
        publisher.registerHandlerFor(TestCaseFinished.class, event -> {
            finished.incrementAndGet();
            if (event.getResult().getStatus().isOk()) passed.incrementAndGet();
        });
        publisher.registerHandlerFor(TestRunFinished.class, event -> {
            write();
            System.out.printf("ntspec: %d scenarios ran, %d passed, %d did not; report: target/allure-report/index.html"
                    + " (written by mvn verify after the scenarios)%n", finished.get(), passed.get(), finished.get() - passed.get());
        });
    }

    private void write() {
        try {
            Path dir = output.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "scenarios-executed", ".tmp");
            Files.writeString(tmp, finished.get() + System.lineSeparator(), StandardCharsets.UTF_8);
            Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + output, e);
        }
    }
}
