package ntspec.ke;

import ntspec.nt.KernelObject;
import ntspec.nt.StructType;
import ntspec.nt.StructType.Prim;

/**
 * The kernel part of a process (KPROCESS): its page-table root and identity. The object lives at
 * {@link #address} in nonpaged pool; the members drivers and the debugger read are kept there (see
 * EPROCESS), the rest is the kernel's own bookkeeping.
 */
public class KProcess implements KernelObject {
    /** _KPROCESS as the public symbols give it (Windows 10 x64), the members this machine keeps. */
    public static final StructType KPROCESS = StructType.builder("_KPROCESS", 0x438)
            .prim("Header", 0x000, Prim.ULONG64)
            .prim("DirectoryTableBase", 0x028, Prim.ULONG64)
            .build();

    public final String name;
    public final long processId;
    /** Address of the process object (EPROCESS) in nonpaged pool: what bug checks and !process show. */
    public final long address;
    /** DirectoryTableBase: PFN of the PML4, loaded into CR3 when a thread of the process runs. */
    public final long directoryTableBase;

    public KProcess(String name, long processId, long address, long directoryTableBase) {
        this.name = name;
        this.processId = processId;
        this.address = address;
        this.directoryTableBase = directoryTableBase;
    }

    @Override
    public long address() {
        return address;
    }

    @Override
    public StructType type() {
        return KPROCESS;
    }

    @Override
    public String toString() {
        return String.format("%s (PROCESS %X, Cid %X)", name, address, processId);
    }
}
