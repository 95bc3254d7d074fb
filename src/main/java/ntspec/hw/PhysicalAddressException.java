package ntspec.hw;

/** A physical address beyond the installed memory: a simulator bug, never a driver's misuse. */
public final class PhysicalAddressException extends RuntimeException {
    public PhysicalAddressException(long pa, long frameCount) {
        super(String.format("physical address 0x%X is beyond installed memory (%d frames)", pa, frameCount));
    }
}
