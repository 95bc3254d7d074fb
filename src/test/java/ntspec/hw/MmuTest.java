package ntspec.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ntspec.trace.Trace;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The page walk, translation, A/D bits, fault error codes and the TLB (Intel SDM vol. 3A ch. 4). */
class MmuTest {
    private static final long CR3 = 0x10;
    private PhysicalMemory mem;
    private Mmu mmu;
    private Cpu cpu;
    private long nextTable;

    @BeforeEach
    void boot() {
        mem = new PhysicalMemory(64L << 20);
        mmu = new Mmu(mem, new Trace(true));
        cpu = new Cpu(0, CR3);
        nextTable = 0x20;
    }

    private final Mmu.TableAllocator alloc = (level, va) -> nextTable++;

    @Test
    void walkBuildsTheFourLevelsInPhysicalFramesAtTheVasIndices() {
        long va = 0x0000_7FF1_2345_6000L;
        long ptePa = mmu.walk(CR3, va, alloc);
        int i4 = (int) ((va >>> 39) & 511), i3 = (int) ((va >>> 30) & 511), i2 = (int) ((va >>> 21) & 511), i1 = (int) ((va >>> 12) & 511);
        long pml4e = mem.readQword((CR3 << 12) + 8L * i4);
        assertThat(Pte.pfn(pml4e)).isEqualTo(0x20);
        assertThat(pml4e & (Pte.P | Pte.RW | Pte.US)).as("user-half tables are present, writable, user").isEqualTo(7);
        long pdpte = mem.readQword((0x20L << 12) + 8L * i3);
        assertThat(Pte.pfn(pdpte)).isEqualTo(0x21);
        long pde = mem.readQword((0x21L << 12) + 8L * i2);
        assertThat(Pte.pfn(pde)).isEqualTo(0x22);
        assertThat(ptePa).isEqualTo((0x22L << 12) + 8L * i1);
        assertThat(Mmu.index(va, 4)).isEqualTo(i4);
    }

    @Test
    void walkWithoutAllocatorReportsTheFirstMissingLevel() {
        assertThat(mmu.walk(CR3, 0x1000, null)).isEqualTo(-4);
        mmu.walk(CR3, 0x1000, alloc);
        assertThat(mmu.walk(CR3, 0x1000 + (1L << 30), null)).as("same PML4E, other PDPTE").isEqualTo(-3);
        assertThat(mmu.walk(CR3, 0x1000 + (1L << 21), null)).as("same PDPTE, other PDE").isEqualTo(-2);
    }

    @Test
    void kernelSystemTablesAreNotUserAccessible() {
        long va = 0xFFFF_F880_0000_0000L;
        mmu.walk(CR3, va, alloc);
        long pml4e = mem.readQword((CR3 << 12) + 8L * Mmu.index(va, 4));
        assertThat(pml4e & Pte.US).isZero();
    }

    @Test
    void aReadSetsAccessedAndAWriteSetsDirty() {
        long va = 0x40_0000;
        mmu.writePte(CR3, va, Pte.valid(0x300, true, true, false, false), alloc);
        long pa = mmu.translate(cpu, va + 0x123, Access.READ, true);
        assertThat(pa).isEqualTo((0x300L << 12) + 0x123);
        long pte = mmu.readPte(CR3, va);
        assertThat(pte & Pte.A).isNotZero();
        assertThat(pte & Pte.D).isZero();
        mmu.translate(cpu, va, Access.WRITE, true);
        assertThat(mmu.readPte(CR3, va) & Pte.D).as("a write to a page the TLB holds as clean walks again").isNotZero();
    }

    @Test
    void faultsCarryTheRealErrorCodeBits() {
        long va = 0x40_0000;
        mmu.writePte(CR3, va, Pte.valid(0x300, false, false, false, true), alloc);
        assertThat(fault(va + 0x1000, Access.READ, false).errorCode).as("not present, kernel read").isZero();
        assertThat(fault(va + 0x1000, Access.WRITE, true).errorCode).as("not present, user write").isEqualTo(PageFault.ERR_WRITE | PageFault.ERR_USER);
        assertThat(fault(va, Access.READ, true).errorCode).as("user read of a supervisor page")
                .isEqualTo(PageFault.ERR_PRESENT | PageFault.ERR_USER);
        assertThat(fault(va, Access.WRITE, false).errorCode).as("kernel write of a read-only page (CR0.WP)")
                .isEqualTo(PageFault.ERR_PRESENT | PageFault.ERR_WRITE);
        assertThat(fault(va, Access.EXECUTE, false).errorCode).as("execute of an NX page")
                .isEqualTo(PageFault.ERR_PRESENT | PageFault.ERR_INSTRUCTION);
        assertThat(fault(0x0000_8000_0000_0000L, Access.READ, false).nonCanonical).isTrue();
    }

    @Test
    void aStaleTlbEntryIsUsedUntilInvalidated() {
        long va = 0x40_0000;
        mmu.writePte(CR3, va, Pte.valid(0x300, true, false, false, false), alloc);
        mmu.translate(cpu, va, Access.READ, false);
        assertThat(cpu.tlb.contains(va)).isTrue();
        mmu.writePte(CR3, va, Pte.valid(0x400, true, false, false, false), alloc);
        assertThat(mmu.translate(cpu, va, Access.READ, false) >>> 12).as("stale translation").isEqualTo(0x300);
        mmu.writePte(CR3, va, 0, alloc);
        assertThat(mmu.translate(cpu, va, Access.READ, false) >>> 12).as("unmapped, still cached").isEqualTo(0x300);
        cpu.tlb.invalidate(va);
        assertThat(fault(va, Access.READ, false).errorCode).isZero();
    }

    @Test
    void flushNonGlobalKeepsGlobalEntries() {
        mmu.writePte(CR3, 0x40_0000, Pte.valid(0x300, true, false, true, false), alloc);
        mmu.writePte(CR3, 0x40_1000, Pte.valid(0x301, true, true, false, false), alloc);
        mmu.translate(cpu, 0x40_0000, Access.READ, false);
        mmu.translate(cpu, 0x40_1000, Access.READ, false);
        cpu.tlb.flushNonGlobal();
        assertThat(cpu.tlb.contains(0x40_0000)).isTrue();
        assertThat(cpu.tlb.contains(0x40_1000)).isFalse();
        cpu.tlb.flushAll();
        assertThat(cpu.tlb.contains(0x40_0000)).isFalse();
    }

    @Test
    void theTlbIsDirectMappedSoACollidingPageEvictsTheOther() {
        // 0x400000 and 0x440000 are 64 pages apart: the same slot of a 64-entry TLB
        mmu.writePte(CR3, 0x40_0000, Pte.valid(0x300, true, false, false, false), alloc);
        mmu.writePte(CR3, 0x44_0000, Pte.valid(0x301, true, false, false, false), alloc);
        mmu.translate(cpu, 0x40_0000, Access.READ, false);
        mmu.translate(cpu, 0x44_0000, Access.READ, false);
        assertThat(cpu.tlb.contains(0x44_0000)).isTrue();
        assertThat(cpu.tlb.contains(0x40_0000)).isFalse();
    }

    private PageFault fault(long va, Access access, boolean user) {
        try {
            mmu.translate(cpu, va, access, user);
        } catch (PageFault f) {
            return f;
        }
        throw new AssertionError("no page fault for " + Long.toHexString(va));
    }

    @Test
    void sparseMemoryCostsOnlyWhatIsTouched() {
        PhysicalMemory big = new PhysicalMemory(64L << 30);
        assertThat(big.frameCount()).isEqualTo(16L << 20);
        assertThat(big.touchedFrames()).isZero();
        big.writeByte(0xF_0000_1234L, 0x5A);
        assertThat(big.readByte(0xF_0000_1234L)).isEqualTo(0x5A);
        assertThat(big.readByte(0xF_0000_1235L)).isZero();
        assertThat(big.touchedFrames()).isEqualTo(1);
        assertThat(big.frameOrNull(0x100)).isNull();
        assertThat(big.readQword(64L << 30)).as("nothing answers beyond installed memory: reads are zero").isZero();
        big.writeQword(64L << 30, 0x1234);
        assertThat(big.readQword(64L << 30)).as("and writes go nowhere").isZero();
    }
}
