package ntspec.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.cucumber.datatable.DataTable;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import java.nio.charset.StandardCharsets;
import java.util.List;
import ntspec.ke.NtStatus;
import ntspec.wdm.Wdm;

/**
 * The scenario's driver: DDI calls written as C ({@code m = IoAllocateMdl(buf, 0x2000, FALSE,
 * FALSE, NULL)}), run as the driver's code on the current processor and thread, and its own
 * memory references. Without "inside __try" an exception nobody catches bug-checks 0x1E, as in
 * a real driver.
 */
public final class DriverSteps {
    private final World world;

    public DriverSteps(World world) {
        this.world = world;
    }

    private void asDriver(Runnable body) {
        Wdm driver = world.driver();
        world.act(() -> driver.runAsDriver("scenario", body));
    }

    @When("^the driver calls ([^:]+?)( inside __try)?$")
    public void calls(String statement, String insideTry) {
        run(List.of(statement), insideTry != null);
    }

    @When("^the driver calls( inside __try)?:$")
    public void callsTable(String insideTry, DataTable calls) {
        run(Tables.statements(calls, "the driver calls:"), insideTry != null);
    }

    private void run(List<String> statements, boolean insideTry) {
        world.script(); // binds the driver before it runs
        if (insideTry) world.driverTryCaught = 0;
        asDriver(() -> {
            List<ntspec.wdm.Script.Statement> joined = ntspec.wdm.Script.statements(statements);
            Runnable body = () -> {
                for (ntspec.wdm.Script.Statement st : joined) {
                    // Each statement is a step of its own in the report, so the table reads in the step.
                    io.qameta.allure.Allure.step(st.text(), () -> {
                        try {
                            world.script().execute(st.text());
                        } catch (ntspec.wdm.Script.ScriptException e) {
                            throw ntspec.wdm.Script.inRows(st, e);
                        }
                    });
                }
            };
            if (insideTry) {
                world.names.put("caughtStatus", 0L);
                world.driver().__try(body, code -> {
                    world.driverTryCaught = code;
                    world.names.put("caughtStatus", (long) code);
                });
            }
            else body.run();
        });
    }

    @When("^the driver writes \"([^\"]*)\" at (\\S+)$")
    public void writes(String text, String at) {
        long va = world.script().evaluateLong(at);
        asDriver(() -> world.driver().write(va, text.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @When("^the driver reads (\\S+) bytes? at (\\S+)$")
    public void reads(String count, String at) {
        long va = world.script().evaluateLong(at);
        long n = world.script().evaluateLong(count);
        asDriver(() -> world.driver().readRange(va, n));
    }

    @Then("^the driver reads \"([^\"]*)\" at (\\S+)$")
    public void readsText(String text, String at) {
        long va = world.script().evaluateLong(at);
        byte[][] got = new byte[1][];
        asDriver(() -> got[0] = world.driver().read(va, text.length()));
        assertThat(world.machine().bugCheck()).as("bug check while the driver read %s", at).isNull();
        assertThat(new String(got[0], StandardCharsets.ISO_8859_1)).as("what the driver reads at %s", at).isEqualTo(text);
    }

    /** The status the driver's last "inside __try" step caught (0 for none); fails when no such step ran. */
    private int driverTry() {
        if (world.driverTryCaught == null) {
            throw new IllegalStateException("no step ran the driver's calls inside __try; write one as "
                    + "'When the driver calls ... inside __try' or 'When the driver calls inside __try:' before asserting what its __except caught");
        }
        return world.driverTryCaught;
    }

    @Then("^the driver's __except caught (STATUS_\\w+)$")
    public void caught(String status) {
        int code = driverTry();
        assertThat(code == 0 ? "no exception" : NtStatus.name(code)).as("GetExceptionCode() in the driver's __except").isEqualTo(status);
    }

    @Then("^the driver's __except caught nothing$")
    public void caughtNothing() {
        int code = driverTry();
        assertThat(code == 0 ? "no exception" : NtStatus.name(code)).as("exception caught by the driver's __except").isEqualTo("no exception");
    }
}
