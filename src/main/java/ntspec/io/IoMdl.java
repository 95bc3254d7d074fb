package ntspec.io;

import ntspec.ke.BugCheckCode;
import ntspec.mm.Mdl;
import ntspec.mm.MdlRoutines;
import ntspec.mm.MmLayout;
import ntspec.mm.Pool;

/**
 * The I/O manager's MDL routines (ReactOS io/iomgr/iomdl.c): IoAllocateMdl, IoFreeMdl,
 * IoBuildPartialMdl (https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/iomdl.c), over MDLs in simulated memory.
 */
public final class IoMdl {
    /** Windows 7 and later accept up to 4 GB - PAGE_SIZE (MS IoAllocateMdl; ReactOS encodes the NT 5.2 limit). */
    public static final long MAX_LENGTH = MdlRoutines.MAX_MDL_BYTES;
    /** The fixed-size MDL the lookaside list hands out: header + 23 PFNs (ReactOS iomdl.c). */
    static final long FIXED_MDL_SIZE = Mdl.HEADER_SIZE + 8L * Mdl.FIXED_SIZE_PAGES;
    static final int TAG_MDL = Pool.tag("Mdl ");

    private final IoManager io;

    IoMdl(IoManager io) {
        this.io = io;
    }

    /**
     * IoAllocateMdl: NULL beyond the current Windows limit or when pool is out; spans of up to 23
     * pages come from the fixed-size lookaside (MDL_ALLOCATED_FIXED_SIZE). A zero length gets an
     * MDL describing 0 bytes: the free build checks only the maximum (ReactOS iomdl.c; Microsoft's
     * checked build asserts Length != 0, checked-build-asserts). With an IRP, a primary MDL replaces
     * Irp->MdlAddress and a secondary one is appended to the chain (ReactOS iomdl.c). The PFN
     * array, Process and MappedSystemVa are left as the storage had them.
     */
    public Mdl IoAllocateMdl(long virtualAddress, long length, boolean secondaryBuffer, boolean chargeQuota, Irp irp) {
        length &= 0xFFFFFFFFL;
        io.kernel.ASSERT(length != 0, "Length != 0");
        if (length > MAX_LENGTH) return null;
        long span = MmLayout.spanPages(virtualAddress, length);
        boolean fixed = span <= Mdl.FIXED_SIZE_PAGES;
        long va = fixed ? io.mm.pool.allocateFromLookaside(FIXED_MDL_SIZE, TAG_MDL)
                : io.mm.pool.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, MdlRoutines.MmSizeOfMdl(virtualAddress, length), TAG_MDL);
        if (va == 0) return null;
        Mdl mdl = io.mm.mdl.at(va);
        MdlRoutines.MmInitializeMdl(mdl, virtualAddress, length);
        if (fixed) mdl.setMdlFlags(Mdl.MDL_ALLOCATED_FIXED_SIZE);
        if (irp != null) {
            if (secondaryBuffer) {
                Mdl tail = irp.MdlAddress();
                if (tail == null) {
                    irp.setMdlAddress(mdl);
                } else {
                    // for (p = Irp->MdlAddress; p->Next; p = p->Next); -- a circular chain (an
                    // MDL linked twice, or freed and handed out again) never ends: the thread spins.
                    long slow = tail.address;
                    long steps = 0;
                    for (Mdl n = tail.Next(); n != null; n = n.Next()) {
                        tail = n;
                        if ((++steps & 1) == 0) slow = io.mm.mdl.at(slow).Next().address; // Floyd: half speed
                        if (n.address == slow) {
                            throw io.kernel.hang("IoAllocateMdl walks Irp->MdlAddress to its tail, and the MDL chain is circular");
                        }
                    }
                    tail.setNext(mdl);
                }
            } else {
                irp.setMdlAddress(mdl);
            }
        }
        return mdl;
    }

    /**
     * IoFreeMdl: MmPrepareMdlForReuse (a partial MDL's own mapping is released), then the storage
     * goes back to the lookaside list (fixed-size) or to pool. It neither unlocks pages nor unmaps
     * a non-partial MDL's mapping, nor follows Next. A fixed-size MDL freed twice is not caught
     * here: the lookaside list hands it out twice.
     */
    public void IoFreeMdl(Mdl mdl) {
        io.mm.mdl.MmPrepareMdlForReuse(mdl);
        if (mdl.hasFlag(Mdl.MDL_ALLOCATED_FIXED_SIZE)) io.mm.pool.freeToLookaside(mdl.address, FIXED_MDL_SIZE, TAG_MDL);
        else io.mm.pool.ExFreePoolWithTag(mdl.address, TAG_MDL);
    }

    /**
     * IoBuildPartialMdl (with Microsoft's TARGET_MDL_TOO_SMALL check that ReactOS lacks: the
     * target's Size must hold the subrange's PFNs). VirtualAddress must be based on
     * MmGetMdlVirtualAddress(SourceMdl); any other address (the mapped system address, say) makes
     * the offset and the source PFN index garbage, and the copy reads wherever they point.
     */
    public void IoBuildPartialMdl(Mdl source, Mdl target, long virtualAddress, long length) {
        long sourceVa = source.virtualAddress();
        long offset = virtualAddress - sourceVa;
        length &= 0xFFFFFFFFL;
        if (length == 0) length = (source.ByteCount() - offset) & 0xFFFFFFFFL;
        long span = MmLayout.spanPages(virtualAddress, length);
        if (span > target.capacity()) {
            throw io.kernel.KeBugCheckEx(BugCheckCode.TARGET_MDL_TOO_SMALL, 0, 0, 0, 0);
        }
        int sourceFlags = source.MdlFlags();
        long sourceStart = source.StartVa();
        target.setProcess(source.ProcessAddress());
        target.setStartVa(MmLayout.pageAlign(virtualAddress));
        target.setByteCount(length);
        target.setByteOffset(MmLayout.byteOffset(virtualAddress));
        int keep = target.MdlFlags() & (Mdl.MDL_ALLOCATED_FIXED_SIZE | Mdl.MDL_ALLOCATED_MUST_SUCCEED);
        int inherit = sourceFlags & (Mdl.MDL_IO_PAGE_READ | Mdl.MDL_SOURCE_IS_NONPAGED_POOL | Mdl.MDL_MAPPED_TO_SYSTEM_VA | Mdl.MDL_IO_SPACE);
        target.setMdlFlags(keep | inherit | Mdl.MDL_PARTIAL);
        target.setMappedSystemVa(source.MappedSystemVa() + offset);
        long first = (MmLayout.pageAlign(virtualAddress) - sourceStart) >> 12;
        for (long i = 0; i < span; i++) target.setPfn(i, source.pfn(first + i));
    }
}
