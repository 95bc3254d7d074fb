package ntspec.hw;

/**
 * A #PF taken by the MMU: the faulting VA (CR2) and the error code with the real bits
 * (bit 0 P: protection violation, bit 1 W/R, bit 2 U/S, bit 3 RSVD, bit 4 I/D). A non-canonical
 * address is reported with {@link #nonCanonical} set (a #GP on real hardware; Windows reports
 * 0x50 with P4 = 4). Carries no stack trace: faults are frequent and expected.
 */
public final class PageFault extends RuntimeException {
    public static final int ERR_PRESENT = 1;
    public static final int ERR_WRITE = 2;
    public static final int ERR_USER = 4;
    public static final int ERR_RESERVED = 8;
    public static final int ERR_INSTRUCTION = 16;

    public final long va;
    public final int errorCode;
    public final boolean nonCanonical;
    /** The paging level (4 = PML4E .. 1 = PTE) whose entry was not present, 0 for a protection fault. */
    public final int missingLevel;

    public PageFault(long va, int errorCode, boolean nonCanonical, int missingLevel) {
        super(null, null, false, false);
        this.va = va;
        this.errorCode = errorCode;
        this.nonCanonical = nonCanonical;
        this.missingLevel = missingLevel;
    }

    public boolean isWrite() {
        return (errorCode & ERR_WRITE) != 0;
    }

    public boolean isExecute() {
        return (errorCode & ERR_INSTRUCTION) != 0;
    }

    public boolean isProtectionViolation() {
        return (errorCode & ERR_PRESENT) != 0;
    }

    @Override
    public String getMessage() {
        return String.format("#PF at 0x%X, error code 0x%X%s", va, errorCode, nonCanonical ? " (non-canonical)" : "");
    }
}
