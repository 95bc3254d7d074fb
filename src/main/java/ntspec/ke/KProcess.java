package ntspec.ke;

/** The kernel part of a process (KPROCESS): its page-table root and identity. */
public class KProcess {
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
    public String toString() {
        return String.format("%s (PROCESS %X, Cid %X)", name, address, processId);
    }
}
