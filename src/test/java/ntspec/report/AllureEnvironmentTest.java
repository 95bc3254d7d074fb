package ntspec.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AllureEnvironmentTest {
    @TempDir
    Path dir;

    @Test
    void writesTheEnvironmentAndCategoriesIntoTheResultsDirectory() throws Exception {
        new AllureEnvironment(dir.resolve("allure-results"), dir.resolve(".allure-history")).write();
        String env = Files.readString(dir.resolve("allure-results/environment.properties"));
        assertThat(env).contains("Windows.modelled=Windows 10/11 x64").contains("Machine.defaults=4 GiB, 2 processors").contains("JDK=");
        String categories = Files.readString(dir.resolve("allure-results/categories.json"));
        assertThat(categories).contains("\"Unexpected bug check\"").contains("\"Simulator defect\"").contains("\"Expectation not met\"");
        assertThat(categories.indexOf("Unexpected bug check")).as("first match wins: bug checks before plain expectations")
                .isLessThan(categories.indexOf("Expectation not met"));
    }

    @Test
    void theCategoryPatternsMatchTheMessagesTheGlueWrites() {
        assertThat("unexpected bug check:\n*** STOP").matches("(?s).*unexpected (bug check|hang|assertion).*");
        assertThat("simulator defect: java.lang.NullPointerException escaped").matches("(?s).*simulator defect.*");
    }
}
