package ntspec.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.cucumber.java.After;
import io.cucumber.java.Scenario;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import ntspec.Machine;
import ntspec.debug.Debugger;
import ntspec.mm.Mdl;
import ntspec.mm.MmLayout;

/**
 * After each scenario: attach what the machine did (the trace), what it holds (!mdl of every MDL
 * the scenario named, !pte of every address it named, !vm) and, after a bug check, !analyze -v.
 * Attachments are made before the outcome check, so a failed scenario keeps them. A bug check no
 * Then step asserted fails the scenario.
 */
public final class Hooks {
    /** Events of the trace attachment: the first and last half of this many are kept. */
    static final int TRACE_EVENTS = 5000;

    private final World world;

    public Hooks(World world) {
        this.world = world;
    }

    @io.cucumber.java.Before(order = 0)
    public void remember(Scenario scenario) {
        world.scenario = scenario;
    }

    @After(order = 100)
    public void attachMachine(Scenario scenario) {
        if (!world.booted()) return;
        Machine m = world.machine();
        Debugger dbg = new Debugger(m);
        if (m.isHalted()) attach(scenario, "!analyze -v", dbg.analyze());
        // A browser shows a few thousand lines; a 2 GiB mapping writes half a million PTEs.
        attach(scenario, "trace", m.trace.format(TRACE_EVENTS));
        StringBuilder state = new StringBuilder();
        for (Map.Entry<String, Object> e : world.names.entrySet()) {
            if (e.getValue() instanceof Mdl mdl) {
                state.append("kd> !mdl ").append(e.getKey()).append('\n').append(dbg.mdl(mdl.address)).append('\n');
                state.append("kd> dt nt!_MDL ").append(Long.toHexString(mdl.address)).append('\n').append(dbg.dt(Mdl.TYPE, mdl.address)).append('\n');
            }
        }
        for (Map.Entry<String, Object> e : world.names.entrySet()) {
            if (e.getValue() instanceof Long va && looksLikeAddress(va)) {
                state.append("kd> !pte ").append(e.getKey()).append('\n').append(dbg.pte(va)).append('\n');
            }
        }
        java.util.Set<Long> irps = new java.util.LinkedHashSet<>();
        for (Object v : world.names.values()) {
            if (v instanceof ntspec.io.Irp irp) irps.add(irp.address);
            if (v instanceof ntspec.io.IoFunc.Request r && r.irp != 0) irps.add(r.irp);
        }
        for (long irp : irps) {
            state.append("kd> !irp ").append(Long.toHexString(irp)).append('\n').append(dbg.irp(irp)).append('\n');
            state.append("kd> dt nt!_IRP ").append(Long.toHexString(irp)).append('\n').append(dbg.dt(ntspec.io.Irp.TYPE, irp)).append('\n');
        }
        state.append("kd> !vm\n").append(dbg.vm());
        Map<String, Mdl> mdls = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Object> e : world.names.entrySet()) if (e.getValue() instanceof Mdl mdl) mdls.put(e.getKey(), mdl);
        String picture = mdls.isEmpty() ? null : ntspec.debug.MappingPicture.svg(m, mdls);
        if (picture != null) attach(scenario, "mappings", picture, "image/svg+xml", "svg");
        if (!m.verifier.entries().isEmpty()) state.append('\n').append(m.verifier.dump());
        attach(scenario, "machine state", state.toString());
    }

    private static boolean looksLikeAddress(long v) {
        return (v >= MmLayout.MM_LOWEST_USER_ADDRESS && v <= MmLayout.MM_HIGHEST_USER_ADDRESS)
                || Long.compareUnsigned(v, MmLayout.MM_SYSTEM_RANGE_START) >= 0;
    }

    /**
     * Attaches to the scenario's own result, not to the hook: an attachment made through Cucumber
     * from an @After hook would sit under Allure's collapsed "Tear down" node. allure-cucumber7-jvm
     * uses Cucumber's test case id as the Allure uuid (see AllureLabels). Without Allure (another
     * reporter), Cucumber's attachment is used.
     */
    private static void attach(Scenario scenario, String name, String text) {
        attach(scenario, name, text, "text/plain", "txt");
    }

    private static void attach(Scenario scenario, String name, String text, String type, String extension) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        io.qameta.allure.AllureLifecycle lifecycle = io.qameta.allure.Allure.getLifecycle();
        boolean[] found = {false};
        String source = java.util.UUID.randomUUID() + "-attachment." + extension;
        lifecycle.updateTestCase(scenario.getId(), result -> {
            found[0] = true;
            result.getAttachments().add(new io.qameta.allure.model.Attachment().setName(name).setSource(source).setType(type));
        });
        if (found[0]) lifecycle.writeAttachment(source, new java.io.ByteArrayInputStream(bytes));
        else scenario.attach(bytes, type, name);
    }

    /**
     * An undefined (misspelt) step fails its scenario with the nearest entries of the step
     * vocabulary instead of Cucumber's Java snippet. Runs first among the @After hooks (the highest
     * order runs first), before anything reads the machine.
     */
    @After(order = 1000)
    public void undefinedStep(Scenario scenario) {
        if (scenario.getStatus() != io.cucumber.java.Status.UNDEFINED) return;
        String[] step = ntspec.report.UndefinedSteps.firstUndefined(scenario.getUri(), scenario.getName(), scenario.getLine(), StepPatterns.all());
        throw new AssertionError(step == null
                ? "ntspec: scenario \"" + scenario.getName() + "\" has an undefined step; README.md, \"Step vocabulary\", lists every step"
                : new ntspec.report.UndefinedSteps().advice(step[0], step[1]));
    }

    @After(order = 50)
    public void unexpectedBugCheck() {
        if (!world.booted() || world.bugCheckExpected) return;
        assertThat(world.machine().bugCheck()).as("unexpected bug check:%n%s", new Debugger(world.machine()).analyze()).isNull();
        assertThat(world.machine().kernel.hang()).as("unexpected hang").isNull();
        assertThat(world.machine().kernel.assertion()).as("unexpected assertion of the checked kernel").isNull();
    }
}
