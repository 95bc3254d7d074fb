package ntspec.hw;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Bit positions from Intel SDM vol. 3A table 4-19 and Windows' MMPTE_* layouts (https://github.com/reactos/reactos/blob/master/ntoskrnl/include/internal/amd64/mm.h). */
class PteTest {
    @Test
    void hardwareBitsSitWhereTheSdmPutsThem() {
        assertThat(new long[] {Pte.P, Pte.RW, Pte.US, Pte.PWT, Pte.PCD, Pte.A, Pte.D, Pte.PS, Pte.G})
                .containsExactly(1L, 2L, 4L, 8L, 0x10L, 0x20L, 0x40L, 0x80L, 0x100L);
        assertThat(Pte.NX).isEqualTo(0x8000_0000_0000_0000L);
        assertThat(Pte.PFN_MASK).isEqualTo(0x000F_FFFF_FFFF_F000L);
    }

    @Test
    void aValidPteCarriesItsFrameAndRights() {
        long pte = Pte.valid(0x12345, true, true, false, true);
        assertThat(pte).isEqualTo(0x8000_0000_1234_5000L | Pte.P | Pte.RW | Pte.US | Pte.WRITE);
        assertThat(Pte.isValid(pte)).isTrue();
        assertThat(Pte.pfn(pte)).isEqualTo(0x12345);
        long kernelReadOnly = Pte.valid(7, false, false, true, false);
        assertThat(kernelReadOnly & (Pte.RW | Pte.US)).isZero();
        assertThat(kernelReadOnly & Pte.G).isEqualTo(Pte.G);
    }

    @Test
    void transitionPteKeepsFrameAndProtectionAndIsNotValid() {
        long pte = Pte.transition(0xABCDE, 4);
        assertThat(Pte.isValid(pte)).isFalse();
        assertThat(Pte.isTransition(pte)).isTrue();
        assertThat(pte & (1L << 11)).as("transition bit 11").isNotZero();
        assertThat(Pte.pfn(pte)).isEqualTo(0xABCDE);
        assertThat(Pte.protection(pte)).isEqualTo(4);
        assertThat((pte >>> 5) & 0x1F).as("protection in bits 9:5").isEqualTo(4);
    }

    @Test
    void pagingFilePteEncodesFileAndOffset() {
        long pte = Pte.pageFile(1, 0x1234, 4);
        assertThat(Pte.isValid(pte)).isFalse();
        assertThat(Pte.isTransition(pte)).isFalse();
        assertThat(Pte.pageFileNumber(pte)).isEqualTo(1);
        assertThat((pte >>> 1) & 0xF).as("PageFileLow in bits 4:1").isEqualTo(1);
        assertThat(Pte.pageFileSlot(pte)).isEqualTo(0x1234);
        assertThat(pte >>> 32).as("PageFileHigh in bits 63:32").isEqualTo(0x1234);
        assertThat(Pte.protection(pte)).isEqualTo(4);
    }

    @Test
    void demandZeroPteHasOnlyItsProtection() {
        long pte = Pte.demandZero(4);
        assertThat(pte).isEqualTo(4L << 5);
        assertThat(Pte.pageFileNumber(pte)).isZero();
    }
}
