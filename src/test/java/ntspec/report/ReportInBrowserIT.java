package ntspec.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Opens the report {@code mvn verify} just generated in a real headless Chromium and checks what a
 * reader sees: one scenario's page with its name and steps, its DDI trace expanded, and its
 * mapping picture decoded by the browser as an image. Saves a screenshot of that page as
 * {@code target/report-in-browser.png}. Runs in the verify phase, after allure:report (its own
 * failsafe execution). Skipped, with the reason, only where no Chromium is installed;
 * {@code .ci/run} installs Debian's.
 */
class ReportInBrowserIT {
    private static final Path REPORT = Path.of("target/allure-report/index.html");
    private static final Path SCREENSHOT = Path.of("target/report-in-browser.png");
    private static final Pattern TEST_CASE = Pattern.compile("d\\('data/test-cases/(\\w+)\\.json','([A-Za-z0-9+/=]*)'\\)");

    /** A scenario of the report that has a trace and a mapping picture: its uid and name. */
    record Pick(String uid, String name, boolean fromTheThread) {
    }

    static List<Pick> scenariosWithAPicture(String html) {
        List<Pick> out = new ArrayList<>();
        Matcher m = TEST_CASE.matcher(html);
        while (m.find()) {
            String json = new String(Base64.getDecoder().decode(m.group(2)), StandardCharsets.UTF_8);
            if (!json.contains("\"name\":\"trace\"") || !json.contains("\"type\":\"image/svg+xml\"")) continue;
            int at = json.indexOf("\"name\":\"") + 8;
            int end = at;
            while (json.charAt(end) != '"') end += json.charAt(end) == '\\' ? 2 : 1;
            out.add(new Pick(m.group(1), Chromium.unjson(json.substring(at - 1, end + 1)), json.contains("features/forum/")));
        }
        out.sort(Comparator.comparing((Pick p) -> !p.fromTheThread()).thenComparing(Pick::name));
        return out;
    }

    @Test
    void aScenarioItsTraceAndItsMappingPictureRenderInABrowser() throws Exception {
        Path browser = Chromium.find();
        Assumptions.assumeTrue(browser != null, "no Chromium on this machine (looked for chromium, chromium-browser, google-chrome"
                + " on the PATH, or -Dntspec.browser=<path>): the report was not opened in a browser. .ci/run installs"
                + " Debian's chromium; locally: apt-get install chromium");
        assertThat(REPORT).as("the report mvn verify writes before this test").isRegularFile();
        List<Pick> picks = scenariosWithAPicture(Files.readString(REPORT, StandardCharsets.UTF_8));
        assertThat(picks).as("scenarios of the report with a trace and a mapping picture").isNotEmpty();
        Pick pick = picks.get(0);

        try (Chromium chromium = Chromium.start(browser, 1400, 1000)) {
            chromium.navigate(REPORT.toAbsolutePath().toUri() + "#testresult/" + pick.uid());
            String shown = chromium.await("the scenario's name", "(document.querySelector('.test-result__name') || {}).textContent || ''", 120);
            assertThat(shown.strip()).isEqualTo(pick.name());
            assertThat(chromium.eval("String(document.querySelectorAll('.step__name').length)")).as("steps shown").isNotEqualTo("0");

            String open = "(name => { const row = [...document.querySelectorAll('.attachment-row')]"
                    + ".find(r => r.querySelector('.attachment-row__name').textContent.trim() === name);"
                    + " if (!row) return 'no attachment ' + name; row.click(); return 'opened'; })";
            assertThat(chromium.eval(open + "('trace')")).isEqualTo("opened");
            String trace = chromium.await("the trace", "[...document.querySelectorAll('pre.attachment__text')].map(p => p.textContent).join('\\n')", 30);
            assertThat(trace).as("the DDI trace, expanded").containsPattern("(?m)^\\s+1 \\S");

            assertThat(chromium.eval(open + "('mappings')")).isEqualTo("opened");
            chromium.await("the mapping picture", "document.querySelector('object.attachment__embed[type=\"image/svg+xml\"]') ? 'yes' : ''", 30);
            String picture = chromium.eval("(async () => { const o = document.querySelector('object.attachment__embed[type=\"image/svg+xml\"]');"
                    + " o.scrollIntoView({block: 'center'});"
                    + " const img = new Image(); img.src = o.data; await img.decode();"
                    + " const box = o.getBoundingClientRect();"
                    + " return img.naturalWidth + 'x' + img.naturalHeight + ' shown ' + Math.round(box.width) + 'x' + Math.round(box.height); })()");
            Matcher size = Pattern.compile("(\\d+)x(\\d+) shown (\\d+)x(\\d+)").matcher(picture);
            assertThat(size.matches()).as("the SVG decoded by the browser: %s", picture).isTrue();
            assertThat(Integer.parseInt(size.group(1))).as("SVG width").isPositive();
            assertThat(Integer.parseInt(size.group(4))).as("the picture takes room on the page").isPositive();

            chromium.screenshot(SCREENSHOT);
        }
        assertThat(Files.size(SCREENSHOT)).as("screenshot %s", SCREENSHOT).isGreaterThan(10_000);
    }
}
