package ntspec.steps;

import java.util.LinkedHashMap;
import java.util.Map;
import ntspec.Machine;
import ntspec.ke.BugCheckException;
import ntspec.ke.MachineHaltedException;
import ntspec.ke.KThread;
import ntspec.mm.EProcess;
import ntspec.wdm.Script;
import ntspec.wdm.Wdm;

/**
 * The per-scenario context, injected into every glue class by PicoContainer: one machine, the
 * scenario's driver (a facade bound to a driver image), the processes and the names the scenario
 * has bound. It holds no outcome of its own: Then steps read the machine.
 */
public final class World {
    private Machine.Config config = Machine.Config.defaults();
    private Machine machine;
    private Wdm driver;
    private Script script;
    private Script inspector;
    final Map<String, Object> names = new LinkedHashMap<>();
    final Map<String, EProcess> processes = new LinkedHashMap<>();
    final Map<String, KThread> threads = new LinkedHashMap<>();
    /** Drivers the scenario loaded, by image name (Func.sys). */
    final Map<String, ntspec.wdm.Wdm> drivers = new LinkedHashMap<>();
    /**
     * What the driver's own last {@code __try} (a When step "... inside __try") caught: the status, 0
     * for nothing, null when no such step ran. Read by "the driver's __except caught ...".
     */
    Integer driverTryCaught;
    /** What each process's last user-mode access step raised (0 for nothing). */
    final Map<String, Integer> userCaught = new LinkedHashMap<>();
    /** Set when a Then step has asserted the bug check, so an unexpected one fails the scenario. */
    boolean bugCheckExpected;
    /** The scenario running (set by a @Before hook), to read what its steps expect. */
    io.cucumber.java.Scenario scenario;
    private Boolean expectsStop;

    /**
     * True when the scenario's text asserts that the machine stops (a bug check, a hang or an
     * assertion of the checked kernel): read from its feature file, from the scenario's (or
     * outline's) keyword line to the next scenario. Without a scenario, true (nothing is known).
     */
    boolean scenarioExpectsStop() {
        if (expectsStop != null) return expectsStop;
        expectsStop = true;
        if (scenario == null) return true;
        try {
            java.util.List<String> lines = java.nio.file.Files.readAllLines(java.nio.file.Paths.get(scenario.getUri()));
            int at = Math.min(scenario.getLine(), lines.size()) - 1;
            int start = at;
            while (start > 0 && !lines.get(start).trim().matches("(Scenario|Scenario Outline|Example|Scenario Template):.*")) start--;
            int end = at + 1;
            while (end < lines.size() && !lines.get(end).trim().matches("(Scenario|Scenario Outline|Example|Scenario Template|Rule):.*")) end++;
            String text = String.join("\n", lines.subList(start, end));
            expectsStop = text.contains("bug-checked with") || text.contains("hung in") || text.contains("checked kernel asserted");
        } catch (java.io.IOException | RuntimeException e) {
            expectsStop = true;
        }
        return expectsStop;
    }

    void configure(Machine.Config config) {
        if (machine != null) {
            throw new IllegalStateException("the machine has already booted; describe it before anything uses it");
        }
        this.config = config;
    }

    Machine.Config config() {
        return config;
    }

    public Machine machine() {
        if (machine == null) machine = new Machine(config);
        return machine;
    }

    boolean booted() {
        return machine != null;
    }

    public Wdm driver() {
        if (driver == null) driver = new Wdm(machine(), "ScenarioDriver.sys");
        return driver;
    }

    public Script script() {
        if (script == null) script = new Script(driver(), names);
        return script;
    }

    /** The same names, read as the debugger reads the machine: what Then steps evaluate with. */
    public Script inspector() {
        if (inspector == null) inspector = Script.debugger(driver(), names);
        return inspector;
    }

    EProcess process(String name) {
        EProcess p = processes.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no process named \"" + name + "\"; processes in this scenario: " + processes.keySet()
                    + ". Create one with: Given a user process \"" + name + "\"");
        }
        return p;
    }

    ntspec.wdm.Wdm loadedDriver(String image) {
        ntspec.wdm.Wdm d = drivers.get(image);
        if (d == null) {
            throw new IllegalArgumentException("no driver \"" + image + "\" in this scenario; loaded: " + drivers.keySet()
                    + ". Load one with: Given a driver \"" + image + "\" with a device \"\\Device\\Name\"");
        }
        return d;
    }

    /**
     * Runs a step's action; a bug check it causes is an outcome the Then steps read, not a failure.
     * A mistake in the scenario (a script error, a use of a halted machine) fails the step with its
     * message; any other exception escaping the simulator is a defect of the simulator, reported apart.
     */
    void act(Runnable action) {
        try {
            action.run();
        } catch (ntspec.ke.UserModeCrash crash) {
            // A user routine of the process raised and nothing handled it: the process ends with
            // that code; "app" caught ... reads it.
            for (Map.Entry<String, EProcess> e : processes.entrySet()) {
                if (e.getValue() == crash.thread.process) {
                    userCaught.put(e.getKey(), crash.status);
                    act(() -> machine.ps.PspExitProcess(e.getValue()));
                }
            }
        } catch (BugCheckException | ntspec.ke.ThreadHungException | ntspec.ke.Kernel.AssertionBreak e) {
            // The machine recorded the bug check (or the hang) and halted; Then steps read it from the
            // machine. A scenario that does not assert a stop fails here, at the step that stopped
            // the machine, and its later steps are skipped rather than run against a halted machine.
            if (!scenarioExpectsStop()) {
                throw new AssertionError("unexpected bug check at this step:\n" + new ntspec.debug.Debugger(machine).analyze());
            }
        } catch (Script.ScriptException | MachineHaltedException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            throw new SimulatorDefect(e, machine);
        }
    }

    /** Evaluates for a Then step, telling a simulator defect apart from a scenario's mistake. */
    <T> T check(java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (Script.ScriptException | MachineHaltedException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SimulatorDefect(e, machine);
        }
    }
}
