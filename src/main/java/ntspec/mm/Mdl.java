package ntspec.mm;

import ntspec.nt.StructType;
import ntspec.nt.StructType.Prim;
import ntspec.nt.StructView;

/**
 * A memory descriptor list: a view over the MDL at {@link #address} in simulated memory, with the
 * x64 layout of wdm.h and the public symbols (Next +0x0, Size +0x8, MdlFlags +0xA, Process +0x10,
 * MappedSystemVa +0x18, StartVa +0x20, ByteCount +0x28, ByteOffset +0x2C, the PFN array from +0x30;
 * https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/ns-wdm-_mdl).
 * Every accessor is a kernel-mode memory access by the running code, so an MDL that was freed, a
 * NULL MDL, or a PFN array overrun behave as on Windows. Accessors keep the C member names.
 */
public final class Mdl extends StructView {
    // MdlFlags (values from wdm.h, https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/ns-wdm-_mdl)
    public static final short MDL_MAPPED_TO_SYSTEM_VA = 0x0001;
    public static final short MDL_PAGES_LOCKED = 0x0002;
    public static final short MDL_SOURCE_IS_NONPAGED_POOL = 0x0004;
    public static final short MDL_ALLOCATED_FIXED_SIZE = 0x0008;
    public static final short MDL_PARTIAL = 0x0010;
    public static final short MDL_PARTIAL_HAS_BEEN_MAPPED = 0x0020;
    public static final short MDL_IO_PAGE_READ = 0x0040;
    public static final short MDL_WRITE_OPERATION = 0x0080;
    public static final short MDL_PARENT_MAPPED_SYSTEM_VA = 0x0100;
    public static final short MDL_LOCKED_PAGE_TABLES = 0x0100;
    public static final short MDL_FREE_EXTRA_PTES = 0x0200;
    public static final short MDL_DESCRIBES_AWE = 0x0400;
    public static final short MDL_IO_SPACE = 0x0800;
    public static final short MDL_NETWORK_HEADER = 0x1000;
    public static final short MDL_MAPPING_CAN_FAIL = 0x2000;
    public static final short MDL_PAGE_CONTENTS_INVARIANT = 0x4000;
    public static final short MDL_ALLOCATED_MUST_SUCCEED = 0x4000;
    public static final short MDL_INTERNAL = (short) 0x8000;

    /** sizeof(MDL) on x64. */
    public static final int HEADER_SIZE = 0x30;
    /** The PFN-array sentinel ReactOS writes into unused slots (LIST_HEAD = (PFN_NUMBER)-1). */
    public static final long LIST_HEAD = -1L;
    /** Fixed-size MDLs from IoAllocateMdl's lookaside hold this many PFNs (ReactOS iomdl.c). */
    public static final int FIXED_SIZE_PAGES = 23;

    static final int NEXT = 0x00;
    static final int SIZE = 0x08;
    static final int FLAGS = 0x0A;
    static final int PROCESS = 0x10;
    static final int MAPPED_SYSTEM_VA = 0x18;
    static final int START_VA = 0x20;
    static final int BYTE_COUNT = 0x28;
    static final int BYTE_OFFSET = 0x2C;

    /** _MDL as `dt nt!_MDL` prints it on Windows 10 x64. */
    public static final StructType TYPE = StructType.builder("_MDL", HEADER_SIZE)
            .ptr("Next", NEXT, "_MDL")
            .prim("Size", SIZE, Prim.SHORT)
            .prim("MdlFlags", FLAGS, Prim.SHORT)
            .prim("AllocationProcessorNumber", 0x0C, Prim.USHORT)
            .prim("Reserved", 0x0E, Prim.USHORT)
            .ptr("Process", PROCESS, "_EPROCESS")
            .ptr("MappedSystemVa", MAPPED_SYSTEM_VA, "Void")
            .ptr("StartVa", START_VA, "Void")
            .prim("ByteCount", BYTE_COUNT, Prim.ULONG)
            .prim("ByteOffset", BYTE_OFFSET, Prim.ULONG)
            .build();

    private final Mm mm;

    Mdl(Mm mm, long address) {
        super(mm, address);
        this.mm = mm;
    }

    /** The MDL at address (any address: a view does not check what is there). */
    public static Mdl at(Mm mm, long address) {
        return new Mdl(mm, address);
    }

    @Override
    public StructType type() {
        return TYPE;
    }

    public Mdl Next() {
        long p = u64(NEXT);
        return p == 0 ? null : new Mdl(mm, p);
    }

    public void setNext(Mdl next) {
        write(NEXT, 8, next == null ? 0 : next.address);
    }

    public short Size() {
        return s16(SIZE);
    }

    public void setSize(int size) {
        write(SIZE, 2, size);
    }

    public short MdlFlags() {
        return s16(FLAGS);
    }

    public void setMdlFlags(int flags) {
        write(FLAGS, 2, flags);
    }

    /** The EPROCESS pointer as stored (an address; 0 for system addresses). */
    public long ProcessAddress() {
        return u64(PROCESS);
    }

    /** The process object the Process member points at, or null (none, or not a process). */
    public EProcess Process() {
        long p = u64(PROCESS);
        return p == 0 ? null : mm.processAt(p);
    }

    public void setProcess(long eprocess) {
        write(PROCESS, 8, eprocess);
    }

    public long MappedSystemVa() {
        return u64(MAPPED_SYSTEM_VA);
    }

    public void setMappedSystemVa(long va) {
        write(MAPPED_SYSTEM_VA, 8, va);
    }

    public long StartVa() {
        return u64(START_VA);
    }

    public void setStartVa(long va) {
        write(START_VA, 8, va);
    }

    /** ULONG ByteCount. */
    public long ByteCount() {
        return u32(BYTE_COUNT);
    }

    public void setByteCount(long count) {
        write(BYTE_COUNT, 4, count);
    }

    /** ULONG ByteOffset. */
    public long ByteOffset() {
        return u32(BYTE_OFFSET);
    }

    public void setByteOffset(long offset) {
        write(BYTE_OFFSET, 4, offset);
    }

    /** MmGetMdlPfnArray(mdl)[index]. */
    public long pfn(long index) {
        return mem.read(pfnSlotAddress(index), 8);
    }

    /** Writes PFN slot {@code index} (beyond the MDL's storage it writes whatever lies there). */
    public void setPfn(long index, long pfn) {
        mem.write(pfnSlotAddress(index), 8, pfn);
    }

    /** Address of PFN slot {@code index}. */
    public long pfnSlotAddress(long index) {
        return address + HEADER_SIZE + 8L * index;
    }

    /** MmGetMdlVirtualAddress: StartVa + ByteOffset. */
    public long virtualAddress() {
        return StartVa() + ByteOffset();
    }

    /** ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(mdl), ByteCount). */
    public long pageCount() {
        return MmLayout.spanPages(virtualAddress(), ByteCount());
    }

    /** PFN slots the MDL's Size says its storage holds. */
    public long capacity() {
        return Math.max(0, ((Size() & 0xFFFF) - HEADER_SIZE) / 8);
    }

    public boolean hasFlag(int flag) {
        return (MdlFlags() & flag) != 0;
    }

    void setFlag(int flag) {
        setMdlFlags(MdlFlags() | flag);
    }

    void clearFlag(int flag) {
        setMdlFlags(MdlFlags() & ~flag);
    }

    /** Flag names set in {@code flags}, e.g. "MDL_PAGES_LOCKED | MDL_WRITE_OPERATION". */
    public static String flagNames(int flags) {
        String[] names = {"MDL_MAPPED_TO_SYSTEM_VA", "MDL_PAGES_LOCKED", "MDL_SOURCE_IS_NONPAGED_POOL",
            "MDL_ALLOCATED_FIXED_SIZE", "MDL_PARTIAL", "MDL_PARTIAL_HAS_BEEN_MAPPED", "MDL_IO_PAGE_READ",
            "MDL_WRITE_OPERATION", "MDL_PARENT_MAPPED_SYSTEM_VA", "MDL_FREE_EXTRA_PTES", "MDL_DESCRIBES_AWE",
            "MDL_IO_SPACE", "MDL_NETWORK_HEADER", "MDL_MAPPING_CAN_FAIL", "MDL_PAGE_CONTENTS_INVARIANT", "MDL_INTERNAL"};
        StringBuilder sb = new StringBuilder();
        for (int bit = 0; bit < 16; bit++) {
            if ((flags & (1 << bit)) != 0) {
                if (sb.length() > 0) sb.append(" | ");
                sb.append(names[bit]);
            }
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }

    @Override
    public String toString() {
        return String.format("MDL %X", address);
    }
}
