package ntspec.nt;

/**
 * Virtual memory as kernel-mode code on the current processor reaches it: every access is
 * translated by the MMU and takes page faults as the CPU does (so a read through a stale or NULL
 * pointer faults, raises or bug-checks as Windows would). Values are little-endian and
 * zero-extended; {@code size} is 1, 2, 4 or 8 bytes.
 */
public interface KernelMemory {
    long read(long va, int size);

    void write(long va, int size, long value);
}
