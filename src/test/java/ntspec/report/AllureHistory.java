package ntspec.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Keeps the Allure report's history (the trend graphs, each scenario's earlier results) across
 * {@code mvn clean}. Allure carries history from one report to the next through a {@code history/}
 * folder: the report generator reads {@code <results>/history/*.json} and writes the updated files
 * into the new report (https://allurereport.org/docs/history-and-retries/). Both the results and
 * the report are wiped by every build here, so the files are kept in {@code .allure-history/} at
 * the top of the project (git-ignored):
 * <ul>
 *   <li>{@link #restore} copies them into the results before the report is generated (the
 *       {@link AllureEnvironment} plugin calls it at the end of the Cucumber run);</li>
 *   <li>{@link #main} saves them from the generated report after {@code allure:report} (an
 *       exec-maven-plugin execution in the verify phase). The single-file report embeds each data
 *       file as {@code d('history/history.json','<base64>')}; they are decoded from there.</li>
 * </ul>
 */
public final class AllureHistory {
    /** Where the history is kept between builds, relative to the project's base directory. */
    public static final Path STORE = Paths.get(".allure-history");
    private static final Pattern EMBEDDED = Pattern.compile("d\\('history/([A-Za-z0-9_-]+\\.json)','([A-Za-z0-9+/=]*)'\\)");

    private AllureHistory() {
    }

    /** Copies the kept history files into {@code results/history/}; nothing to do on a first run. */
    static int restore(Path store, Path results) {
        if (!Files.isDirectory(store)) return 0;
        try (Stream<Path> files = Files.list(store)) {
            List<Path> json = files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
            if (json.isEmpty()) return 0;
            Path history = Files.createDirectories(results.resolve("history"));
            for (Path f : json) Files.copy(f, history.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return json.size();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore the Allure history from " + store + " into " + results, e);
        }
    }

    /**
     * Saves the history files embedded in a single-file report (or, for a folder report, found in
     * its {@code history/}) into {@code store}, replacing the previous ones. Returns how many.
     */
    static int save(Path report, Path store) throws IOException {
        Path index = report.resolve("index.html");
        Path folder = report.resolve("history");
        int n = 0;
        if (Files.isDirectory(folder)) {
            Files.createDirectories(store);
            try (Stream<Path> files = Files.list(folder)) {
                for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                    Files.copy(f, store.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    n++;
                }
            }
            return n;
        }
        if (!Files.isRegularFile(index)) return 0;
        Matcher m = EMBEDDED.matcher(Files.readString(index, StandardCharsets.UTF_8));
        while (m.find()) {
            if (n == 0) Files.createDirectories(store);
            Files.write(store.resolve(m.group(1)), Base64.getDecoder().decode(m.group(2)));
            n++;
        }
        return n;
    }

    /** {@code AllureHistory [report directory [store]]}: keeps the history of the report just generated. */
    public static void main(String[] args) throws IOException {
        Path report = Paths.get(args.length > 0 ? args[0] : "target/allure-report");
        Path store = args.length > 1 ? Paths.get(args[1]) : STORE;
        int n = save(report, store);
        System.out.println(n == 0
                ? "[ntspec] no Allure report in " + report + ": no history kept"
                : "[ntspec] Allure history (" + n + " files) kept in " + store + " for the next report's trend");
    }
}
