package ntspec.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AllureHistoryTest {
    @TempDir
    Path dir;

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void savesTheHistoryEmbeddedInASingleFileReportAndRestoresItIntoTheNextResults() throws Exception {
        Path report = Files.createDirectories(dir.resolve("target/allure-report"));
        String trend = "[{\"data\":{\"failed\":0,\"passed\":294,\"total\":294}}]";
        Files.writeString(report.resolve("index.html"), "<script>d('data/suites.json','" + b64("{}") + "')\n"
                + "d('history/history-trend.json','" + b64(trend) + "')\nd('history/history.json','" + b64("{\"a\":1}") + "')</script>");
        Path store = dir.resolve(".allure-history");

        assertThat(AllureHistory.save(report, store)).isEqualTo(2);
        assertThat(Files.readString(store.resolve("history-trend.json"))).isEqualTo(trend);
        assertThat(store.resolve("suites.json")).as("only history/ files are kept").doesNotExist();

        Path results = dir.resolve("allure-results");
        assertThat(AllureHistory.restore(store, results)).isEqualTo(2);
        assertThat(Files.readString(results.resolve("history/history-trend.json"))).isEqualTo(trend);
        assertThat(Files.readString(results.resolve("history/history.json"))).isEqualTo("{\"a\":1}");
    }

    @Test
    void aFirstRunHasNothingToRestoreAndNoReportHasNothingToSave() throws Exception {
        assertThat(AllureHistory.restore(dir.resolve(".allure-history"), dir.resolve("allure-results"))).isZero();
        assertThat(dir.resolve("allure-results/history")).doesNotExist();
        assertThat(AllureHistory.save(dir.resolve("target/allure-report"), dir.resolve(".allure-history"))).isZero();
        assertThat(dir.resolve(".allure-history")).doesNotExist();
    }
}
