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
        } catch (BugCheckException | ntspec.ke.ThreadHungException | ntspec.ke.Kernel.AssertionBreak e) {
            // The machine recorded the bug check (or the hang) and halted; Then steps read it from the machine.
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
