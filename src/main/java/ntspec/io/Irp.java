package ntspec.io;

import ntspec.mm.Mdl;

/**
 * An I/O request packet. This first cut carries what the MDL routines touch (MdlAddress, the
 * chain IoAllocateMdl builds); the I/O manager's issue extends it with stack locations and status.
 */
public class Irp {
    /** Where the IRP lives in nonpaged pool. */
    public final long address;
    public Mdl MdlAddress;

    public Irp(long address) {
        this.address = address;
    }

    @Override
    public String toString() {
        return String.format("IRP %X", address);
    }
}
