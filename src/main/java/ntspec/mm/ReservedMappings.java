package ntspec.mm;

import static ntspec.mm.Mdl.*;

import ntspec.hw.Pte;
import ntspec.ke.BugCheckCode;
import ntspec.trace.Trace;

/**
 * Reserved mappings: a range of system PTEs a driver reserves once (MmAllocateMappingAddress) and
 * maps MDLs into again and again without the mapping ever failing for lack of PTEs
 * (MmMapLockedPagesWithReservedMapping, MmUnmapReservedMapping), until it frees the range
 * (MmFreeMappingAddress). Contract: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmallocatemappingaddress
 * and the pages of the other three routines; order of checks and the map and unmap steps as
 * ReactOS's https://github.com/reactos/reactos/blob/master/ntoskrnl/mm/ARM3/mdlsup.c does them.
 *
 * <p>The range carries its bookkeeping in two hidden PTEs before the address returned, as the
 * ReactOS kmtest https://github.com/reactos/reactos/blob/master/modules/rostests/kmtests/ntos_mm/MmReservedMapping.c
 * reads them on Windows 8 and later x64: PTE[-1] = ((PoolTag &amp; ~1) + 1) &lt;&lt; 28, PTE[-2] =
 * (TotalPtes + 2) &lt;&lt; 28. Both are invalid PTEs (bit 0 clear), and so are the reserved PTEs, which
 * stay zero until a mapping fills them: touching the range is PAGE_FAULT_IN_NONPAGED_AREA.
 *
 * <p>Misuse is SYSTEM_PTE_MISUSE (0xDA) with the subcodes and parameters of
 * https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xda--system-pte-misuse:
 * 0x100 zero mappings requested; 0x101/0x102/0x103 freeing a range not owned / apparently empty /
 * still mapped; 0x104/0x105/0x107 mapping into a range not owned / invalid / not empty;
 * 0x108-0x10C unmapping a range not owned / empty / more than it holds / not mapped / not all of it.
 * Where the table says "Reserved" the parameter is 0; the owner's tag is the tag as its header PTE
 * keeps it (bit 0 cleared).
 */
public final class ReservedMappings {
    /** x64 Windows 8 and later store the header values shifted left by 28 (kmtest MmReservedMapping.c). */
    static final int HEADER_SHIFT = 28;
    private static final long PAGE = MmLayout.PAGE_SIZE;

    private final Mm mm;

    ReservedMappings(Mm mm) {
        this.mm = mm;
    }

    /** The tag PTE (PTE[-1]) of a range reserved with {@code poolTag}. */
    public static long tagPte(int poolTag) {
        return (((poolTag & 0xFFFFFFFFL) & ~1L) + 1) << HEADER_SHIFT;
    }

    /** The size PTE (PTE[-2]) of a range of {@code totalPtes} PTEs. */
    public static long sizePte(long totalPtes) {
        return (totalPtes + 2) << HEADER_SHIFT;
    }

    /** The owner's tag as the tag PTE keeps it (bit 0 is lost in the encoding). */
    private static long ownerTag(long tagPte) {
        return (tagPte >>> HEADER_SHIFT) & ~1L;
    }

    /** BYTES_TO_PAGES without overflow for any SIZE_T. */
    private static long pages(long bytes) {
        return (bytes >>> 12) + ((bytes & 0xFFF) != 0 ? 1 : 0);
    }

    private RuntimeException misuse(long subcode, long p2, long p3, long p4) {
        throw mm.kernel.KeBugCheckEx(BugCheckCode.SYSTEM_PTE_MISUSE, subcode, p2, p3, p4);
    }

    /**
     * MmAllocateMappingAddress: reserves BYTES_TO_PAGES(NumberOfBytes) system PTEs plus the two
     * header PTEs and returns the VA of the first reserved PTE. A zero tag is refused with NULL
     * (kmtest), and so is a request the system PTE space cannot hold; zero pages is 0xDA/0x100
     * (pages requested, tag, the caller's return address).
     */
    public long MmAllocateMappingAddress(long numberOfBytes, int poolTag) {
        long pages = pages(numberOfBytes);
        if (pages == 0) throw misuse(0x100, 0, poolTag & 0xFFFFFFFFL, mm.kernel.currentReturnAddress());
        if (poolTag == 0) return 0;
        long header = mm.systemPtes.reserve(pages + 2);
        if (header == 0) {
            mm.trace.add(Trace.Kind.NOTE, "no system PTEs for the reserved mapping (pages, free)", pages, mm.systemPtes.free());
            return 0;
        }
        mm.systemPtes.writeRaw(header, sizePte(pages));
        mm.systemPtes.writeRaw(header + PAGE, tagPte(poolTag));
        return header + 2 * PAGE;
    }

    /**
     * The PTEs a reserved range holds, read from its two header PTEs below {@code first}: a header
     * without the caller's tag is {@code wrongTag} (address, tag, owner's tag), one without a size
     * {@code noSize} (address, tag, 0) -- the subcodes differ by routine.
     */
    private long reservedPtes(long first, int poolTag, long address, int wrongTag, int noSize) {
        long tag = poolTag & 0xFFFFFFFFL;
        long header = first - 2 * PAGE;
        long tagPte = mm.systemPtes.read(header + PAGE);
        if (tagPte != tagPte(poolTag)) throw misuse(wrongTag, address, tag, ownerTag(tagPte));
        long size = mm.systemPtes.read(header) >>> HEADER_SHIFT;
        if (size < 3) throw misuse(noSize, address, tag, 0);
        return size - 2;
    }

    /**
     * MmFreeMappingAddress: any address in the first page of the range will do (kmtest frees
     * Mapping + 4). The header must carry the caller's tag (0x101: address, tag, owner's tag) and a
     * size (0x102: address, tag, 0), and every PTE of the range must be empty again: a mapping not
     * yet undone by MmUnmapReservedMapping is 0x103 (address, tag, PTEs in the range). Then the
     * header and the range go back to the system PTE pool, shot down on every processor.
     */
    public void MmFreeMappingAddress(long baseAddress, int poolTag) {
        long tag = poolTag & 0xFFFFFFFFL;
        long first = MmLayout.pageAlign(baseAddress);
        long count = reservedPtes(first, poolTag, baseAddress, 0x101, 0x102);
        for (long i = 0; i < count; i++) {
            if (mm.systemPtes.read(first + i * PAGE) != 0) throw misuse(0x103, baseAddress, tag, count);
        }
        mm.systemPtes.release(first - 2 * PAGE, count + 2);
    }

    /**
     * MmMapLockedPagesWithReservedMapping: MappingAddress is first aligned down to 16 bytes
     * (Windows 8 and later, kmtest); the header must carry the caller's tag (0x104: address, tag,
     * owner's tag) and a size (0x105: address, tag, 0). An MDL spanning more pages than the range
     * holds gets NULL. The PTEs to fill must be empty (0x107: first mapping address, address of the
     * PTE that is not, last address of the range). Each PTE is a valid, writable, global kernel PTE
     * with the page's cache attribute (CacheType where the page has none yet, as
     * MmMapLockedPagesSpecifyCache decides); MappedSystemVa becomes the aligned MappingAddress and
     * MDL_MAPPED_TO_SYSTEM_VA is set (MDL_PARTIAL_HAS_BEEN_MAPPED too for a partial MDL), as
     * ReactOS does. Returns MappingAddress + ByteOffset.
     */
    public long MmMapLockedPagesWithReservedMapping(long mappingAddress, int poolTag, Mdl mdl, int cacheType) {
        var k = mm.kernel;
        k.ASSERT(mdl.ByteCount() != 0, "Mdl->ByteCount != 0");
        long address = mappingAddress & ~0xFL;
        long pages = mdl.pageCount();
        int flags = mdl.MdlFlags();
        k.ASSERT((flags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL_HAS_BEEN_MAPPED)) == 0,
                "(Mdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL_HAS_BEEN_MAPPED)) == 0");
        k.ASSERT((flags & (MDL_PAGES_LOCKED | MDL_PARTIAL)) != 0, "(Mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_PARTIAL)) != 0");
        long tag = poolTag & 0xFFFFFFFFL;
        long first = MmLayout.pageAlign(address);
        long reserved = reservedPtes(first, poolTag, address, 0x104, 0x105);
        if (reserved < pages) {
            mm.trace.add(Trace.Kind.NOTE, "reserved mapping too small (pages needed, pages reserved)", pages, reserved);
            return 0;
        }
        for (long i = 0; i < pages; i++) {
            if (mm.systemPtes.read(first + i * PAGE) != 0) throw misuse(0x107, address, first + i * PAGE, first + (reserved - 1) * PAGE);
        }
        int requested = MdlRoutines.attributeOf(cacheType);
        for (long i = 0; i < pages; i++) {
            long pfn = mdl.pfn(i);
            if (pfn == LIST_HEAD) break;
            mm.systemPtes.map(first + i * PAGE, pfn, true, false, MdlRoutines.cacheBits(mm.mdl.effectiveAttribute(pfn, requested)));
        }
        mdl.setMappedSystemVa(address);
        mdl.setFlag(MDL_MAPPED_TO_SYSTEM_VA | ((flags & MDL_PARTIAL) != 0 ? MDL_PARTIAL_HAS_BEEN_MAPPED : 0));
        return address + mdl.ByteOffset();
    }

    /**
     * MmUnmapReservedMapping: the header must carry the caller's tag (0x108: address, tag, owner's
     * tag) and a size (0x109: address, tag, 0); the MDL may not span more pages than the range holds
     * (0x10A: address, PTEs in the range, pages to unmap), each of its pages must be mapped (0x10B:
     * address, tag, pages to unmap) and nothing beyond them (0x10C: address, tag, pages to unmap) --
     * the three checks ReactOS leaves as TODOs, as the bug-check page describes them. Then the PTEs
     * are zeroed and every processor's TB is flushed (KeFlushEntireTb(TRUE, TRUE), as ReactOS does)
     * before the range can be mapped again; the PTEs stay reserved. The MDL loses
     * MDL_MAPPED_TO_SYSTEM_VA, MDL_PARTIAL_HAS_BEEN_MAPPED and MDL_FREE_EXTRA_PTES.
     */
    public void MmUnmapReservedMapping(long baseAddress, int poolTag, Mdl mdl) {
        var k = mm.kernel;
        k.ASSERT(mdl.ByteCount() != 0, "Mdl->ByteCount != 0");
        long pages = mdl.pageCount();
        k.ASSERT(mdl.hasFlag(MDL_MAPPED_TO_SYSTEM_VA), "Mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA");
        long tag = poolTag & 0xFFFFFFFFL;
        long first = MmLayout.pageAlign(baseAddress);
        long reserved = reservedPtes(first, poolTag, baseAddress, 0x108, 0x109);
        if (pages > reserved) throw misuse(0x10A, baseAddress, reserved, pages);
        for (long i = 0; i < pages; i++) {
            if (!Pte.isValid(mm.systemPtes.read(first + i * PAGE))) throw misuse(0x10B, baseAddress, tag, pages);
        }
        for (long i = pages; i < reserved; i++) {
            if (mm.systemPtes.read(first + i * PAGE) != 0) throw misuse(0x10C, baseAddress, tag, pages);
        }
        mm.systemPtes.invalidate(first, pages);
        mdl.clearFlag(MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED | MDL_FREE_EXTRA_PTES);
    }
}
