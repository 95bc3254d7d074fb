package ntspec.ke;

/** x64 IRQL values (wdm.h; https://learn.microsoft.com/windows-hardware/drivers/kernel/managing-hardware-priorities). */
public final class Irql {
    private Irql() {}

    public static final int PASSIVE_LEVEL = 0;
    public static final int APC_LEVEL = 1;
    public static final int DISPATCH_LEVEL = 2;
    public static final int CMCI_LEVEL = 5;
    public static final int CLOCK_LEVEL = 13;
    public static final int IPI_LEVEL = 14;
    public static final int POWER_LEVEL = 14;
    public static final int PROFILE_LEVEL = 15;
    public static final int HIGH_LEVEL = 15;

    public static String name(int irql) {
        return switch (irql) {
            case PASSIVE_LEVEL -> "PASSIVE_LEVEL";
            case APC_LEVEL -> "APC_LEVEL";
            case DISPATCH_LEVEL -> "DISPATCH_LEVEL";
            case CLOCK_LEVEL -> "CLOCK_LEVEL";
            case IPI_LEVEL -> "IPI_LEVEL";
            case HIGH_LEVEL -> "HIGH_LEVEL";
            default -> irql > DISPATCH_LEVEL && irql < CLOCK_LEVEL ? "DIRQL(" + irql + ")" : "IRQL(" + irql + ")";
        };
    }
}
