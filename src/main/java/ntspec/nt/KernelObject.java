package ntspec.nt;

/** Something a driver can address: a structure of a known symbol type at a virtual address. */
public interface KernelObject {
    long address();

    StructType type();
}
