package ntspec.report;

import io.cucumber.plugin.ConcurrentEventListener;
import io.cucumber.plugin.event.EventPublisher;
import io.cucumber.plugin.event.TestRunFinished;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import ntspec.Machine;

/**
 * Cucumber plugin that gives the Allure report this project's environment and failure categories:
 * at the end of the run it writes {@code environment.properties} (JDK, commit, the Windows modelled,
 * the default machine) and {@code categories.json} (unexpected bug check, simulator defect, undefined
 * step, scenario script error, expectation not met, in that order of precedence) into the Allure
 * results directory, and restores the history kept by {@link AllureHistory} so the trend survives
 * {@code mvn clean} (https://allurereport.org/docs/how-it-works-environment-file/,
 * https://allurereport.org/docs/categories/).
 */
public final class AllureEnvironment implements ConcurrentEventListener {
    static final String CATEGORIES = """
            [
              {"name": "Unexpected bug check", "matchedStatuses": ["failed", "broken"], "messageRegex": "(?s).*unexpected (bug check|hang|assertion).*"},
              {"name": "Simulator defect", "matchedStatuses": ["failed", "broken"], "messageRegex": "(?s).*simulator defect.*"},
              {"name": "Undefined step", "matchedStatuses": ["failed", "broken", "skipped"], "messageRegex": "(?s).*(undefined|Undefined|matches more than one step).*"},
              {"name": "Scenario script error", "matchedStatuses": ["failed", "broken"], "messageRegex": "(?s).*(Accepted|accepted forms|unknown name|unexpected text|has already booted).*"},
              {"name": "Expectation not met", "matchedStatuses": ["failed"]}
            ]
            """;

    private final Path results;
    private final Path history;

    public AllureEnvironment() {
        this(Paths.get(System.getProperty("allure.results.directory", "allure-results")), AllureHistory.STORE);
    }

    AllureEnvironment(Path results, Path history) {
        this.results = results;
        this.history = history;
    }

    @Override
    public void setEventPublisher(EventPublisher publisher) {
        publisher.registerHandlerFor(TestRunFinished.class, event -> write());
    }

    void write() {
        try {
            Files.createDirectories(results);
            Files.writeString(results.resolve("categories.json"), CATEGORIES, StandardCharsets.UTF_8);
            Files.writeString(results.resolve("environment.properties"), environment(), StandardCharsets.UTF_8);
            AllureHistory.restore(history, results);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the Allure environment into " + results, e);
        }
    }

    static String environment() {
        Machine.Config c = Machine.Config.defaults();
        return "JDK=" + System.getProperty("java.vendor") + " " + System.getProperty("java.version") + "\n"
                + "Commit=" + commit() + "\n"
                + "Windows.modelled=Windows 10/11 x64 (19041+ structure layouts, x64 HAL IRQL, x64 bug-check parameters)\n"
                + "Machine.defaults=" + (c.physicalMemoryBytes() >> 30) + " GiB, " + c.processors() + " processors, "
                + (c.systemPtes()) + " system PTEs, " + (c.pagingFileBytes() >> 30) + " GiB paging file, TrackPtes " + c.trackPtes()
                + ", TrackLockedPages " + (c.trackLockedPages() ? 1 : 0) + "\n"
                + "Driver.Verifier=off unless a scenario enables it (standard settings 0x209BB)\n";
    }

    /** The commit checked out, read from .git as git would (a branch ref, a packed ref, or a detached HEAD). */
    static String commit() {
        try {
            Path git = Paths.get(".git");
            if (!Files.isDirectory(git)) return "unknown";
            String head = Files.readString(git.resolve("HEAD"), StandardCharsets.UTF_8).trim();
            if (!head.startsWith("ref: ")) return head;
            String ref = head.substring(5);
            Path loose = git.resolve(ref);
            if (Files.exists(loose)) return Files.readString(loose, StandardCharsets.UTF_8).trim();
            Path packed = git.resolve("packed-refs");
            if (Files.exists(packed)) {
                for (String line : Files.readAllLines(packed, StandardCharsets.UTF_8)) {
                    if (line.endsWith(" " + ref)) return line.substring(0, line.indexOf(' '));
                }
            }
            return "unknown";
        } catch (IOException e) {
            return "unknown";
        }
    }
}
