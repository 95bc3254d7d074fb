package ntspec.ke;

/** Any use of a machine after it has bug-checked. */
public final class MachineHaltedException extends RuntimeException {
    public MachineHaltedException(BugCheck bugCheck) {
        super("machine has bug-checked: " + bugCheck + "; it is halted and accepts no further calls");
    }

    public MachineHaltedException(String hang) {
        super("a thread of the machine hung (" + hang + "); the simulation stops there and accepts no further calls");
    }
}
