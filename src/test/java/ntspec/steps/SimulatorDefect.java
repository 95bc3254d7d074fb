package ntspec.steps;

import ntspec.Machine;
import ntspec.debug.Debugger;

/**
 * A Java exception that escaped the simulated machine: never the scenario's doing and never what
 * Windows does, but a defect of the simulator. The step fails with this message, the machine's
 * state and the exception as its cause, so it is told apart from a scenario's mistake.
 */
public final class SimulatorDefect extends AssertionError {
    public SimulatorDefect(Throwable cause, Machine machine) {
        super(message(cause, machine), cause);
    }

    private static String message(Throwable cause, Machine machine) {
        StringBuilder sb = new StringBuilder("simulator defect: " + cause + " escaped the machine (ntspec's bug, not the scenario's)");
        if (machine != null) {
            Debugger dbg = new Debugger(machine);
            sb.append("\n\n").append(dbg.analyze()).append("\nkd> !vm\n").append(dbg.vm());
        }
        return sb.toString();
    }
}
