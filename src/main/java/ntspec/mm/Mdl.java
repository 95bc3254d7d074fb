package ntspec.mm;

import java.util.ArrayList;
import java.util.List;

/**
 * A memory descriptor list, with the fields of the real MDL (wdm.h; mdl-and-io-semantics.md A.1)
 * and its PFN array. The header lives at {@link #address} in nonpaged pool, so bug-check parameters
 * and dumps name it by its real address. Fields keep their C names so driver models read like C.
 */
public final class Mdl {
    // MdlFlags (mdl-and-io-semantics.md A.2, values from wdm.h)
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
    public static final int HEADER_SIZE = 48;
    /** The PFN-array sentinel ReactOS writes into unused slots (LIST_HEAD = (PFN_NUMBER)-1). */
    public static final long LIST_HEAD = -1L;
    /** Fixed-size MDLs from IoAllocateMdl's lookaside hold this many PFNs (ReactOS iomdl.c). */
    public static final int FIXED_SIZE_PAGES = 23;

    /** Where the MDL header lives (nonpaged pool). */
    public final long address;
    public Mdl Next;
    public short Size;
    public short MdlFlags;
    public EProcess Process;
    public long MappedSystemVa;
    public long StartVa;
    /** ULONG ByteCount (kept in a long, always 0..0xFFFFFFFF). */
    public long ByteCount;
    public int ByteOffset;
    final long[] pfnArray;
    boolean freed;

    Mdl(long address, int capacity) {
        this.address = address;
        this.pfnArray = new long[capacity];
    }

    /** Number of PFN slots this MDL's storage holds. */
    public int capacity() {
        return pfnArray.length;
    }

    /** MmGetMdlPfnArray(mdl)[index]. */
    public long pfn(int index) {
        return pfnArray[index];
    }

    /** Writes PFN slot {@code index} (IoBuildPartialMdl copies slots between MDLs). */
    public void setPfn(int index, long pfn) {
        pfnArray[index] = pfn;
    }

    /** Address of PFN slot {@code index} (for bug-check parameters). */
    public long pfnSlotAddress(int index) {
        return address + HEADER_SIZE + 8L * index;
    }

    /** The PFN array as MmGetMdlPfnArray exposes it: every slot of the page count, LIST_HEAD included. */
    public List<Long> pfnSlots() {
        List<Long> out = new ArrayList<>();
        long pages = Math.min(pageCount(), pfnArray.length);
        for (int i = 0; i < pages; i++) out.add(pfnArray[i]);
        return out;
    }

    /** MmGetMdlVirtualAddress: StartVa + ByteOffset. */
    public long virtualAddress() {
        return StartVa + ByteOffset;
    }

    /** ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(mdl), ByteCount). */
    public long pageCount() {
        return MmLayout.spanPages(virtualAddress(), ByteCount);
    }

    public boolean hasFlag(int flag) {
        return (MdlFlags & flag) != 0;
    }

    public boolean isFreed() {
        return freed;
    }

    void setFlag(int flag) {
        MdlFlags = (short) (MdlFlags | flag);
    }

    void clearFlag(int flag) {
        MdlFlags = (short) (MdlFlags & ~flag);
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
