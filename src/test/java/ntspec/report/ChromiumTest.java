package ntspec.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ChromiumTest {
    @Test
    void stringsSurviveTheTripThroughDevToolsJson() {
        String s = "a \"quoted\" \\ path\n\ttab \u0001 é";
        assertThat(Chromium.json(s)).startsWith("\"").endsWith("\"").doesNotContain("\n");
        assertThat(Chromium.unjson(Chromium.json(s))).isEqualTo(s);
        assertThat(Chromium.unjson("\"\\u00e9\\n\"")).isEqualTo("é\n");
    }

    @Test
    void theBrowserTestPicksAScenarioWithATraceAndAPicturePreferringTheThreadsFeature() {
        String withPicture = "{\"uid\":\"u1\",\"name\":\"b \\\"quoted\\\"\",\"labels\":[{\"name\":\"feature\",\"value\":\"features/misuse/x.feature\"}],"
                + "\"attachments\":[{\"name\":\"trace\",\"type\":\"text/plain\"},{\"name\":\"mappings\",\"type\":\"image/svg+xml\"}]}";
        String fromTheThread = withPicture.replace("u1", "u2").replace("b \\\"quoted\\\"", "z").replace("misuse", "forum");
        String noPicture = "{\"uid\":\"u3\",\"name\":\"a\",\"attachments\":[{\"name\":\"trace\",\"type\":\"text/plain\"}]}";
        String html = d("aaa", withPicture) + d("bbb", noPicture) + d("ccc", fromTheThread);
        assertThat(ReportInBrowserIT.scenariosWithAPicture(html)).extracting(ReportInBrowserIT.Pick::name).containsExactly("z", "b \"quoted\"");
    }

    private static String d(String uid, String json) {
        return "d('data/test-cases/" + uid + ".json','" + Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)) + "')\n";
    }
}
