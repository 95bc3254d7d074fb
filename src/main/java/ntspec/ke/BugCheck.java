package ntspec.ke;

/** The record KeBugCheckEx leaves: the code and its four parameters, as a crash dump shows them. */
public record BugCheck(int code, long p1, long p2, long p3, long p4) {
    public String name() {
        return BugCheckCode.name(code);
    }

    @Override
    public String toString() {
        return String.format("%s (0x%X) (0x%X, 0x%X, 0x%X, 0x%X)", name(), code, p1, p2, p3, p4);
    }
}
