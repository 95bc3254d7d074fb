package ntspec.hw;

/** The kind of memory reference the processor makes. */
public enum Access {
    READ, WRITE, EXECUTE
}
