package ntspec.mm;

import static org.assertj.core.api.Assertions.assertThat;

import ntspec.Machine;
import ntspec.TestMachine;
import ntspec.hw.Pte;
import ntspec.ke.BugCheck;
import ntspec.ke.Irql;
import org.junit.jupiter.api.Test;

/** Pool allocation rules (BAD_POOL_CALLER 0xC2 subcodes, MS bug-check reference) and the system-PTE pool. */
class PoolAndSystemPtesTest {
    private final TestMachine t = new TestMachine();
    private final Pool pool = t.machine.mm.pool;
    private static final int TAG = Pool.tag("Test");

    @Test
    void smallAllocationsCarryARealPoolHeaderWithTheTag() {
        long p = t.wdm.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, 0x40, TAG);
        assertThat(pool.isNonPagedPoolAddress(p)).isTrue();
        long header = t.machine.mm.memory().readQword(t.machine.mm.translate(p - 16, ntspec.hw.Access.READ, false));
        assertThat(header >>> 32).isEqualTo(TAG & 0xFFFFFFFFL);
        assertThat((header >>> 16) & 0xFF).as("BlockSize in 16-byte units, header included").isEqualTo(5);
        assertThat(pool.bytesInUse()).isGreaterThanOrEqualTo(0x40);
    }

    @Test
    void nonPagedPoolIsResidentAndPagedPoolIsDemandZero() {
        long np = t.wdm.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, 0x3000, TAG);
        long pp = t.wdm.ExAllocatePoolWithTag(Pool.PagedPool, 0x3000, TAG);
        assertThat(Pte.isValid(t.machine.mm.readPte(np))).isTrue();
        assertThat((t.machine.mm.readPte(np) & Pte.NX)).isNotZero();
        assertThat(Pte.isValid(t.machine.mm.readPte(pp))).isFalse();
        assertThat(pool.isPagedPoolAddress(pp)).isTrue();
        t.wdm.write(pp, "now resident");
        assertThat(Pte.isValid(t.machine.mm.readPte(pp))).isTrue();
    }

    @Test
    void freeingTwiceBugChecksC2Subcode7() {
        long p = t.wdm.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, 0x40, TAG);
        t.wdm.ExFreePoolWithTag(p, TAG);
        BugCheck bc = t.asDriver(() -> t.wdm.ExFreePoolWithTag(p, TAG));
        assertThat(bc.code()).isEqualTo(0xC2);
        assertThat(bc.p1()).isEqualTo(7);
        assertThat(bc.p4()).isEqualTo(p);
    }

    @Test
    void freeingAnAddressThatIsNotAnAllocationBugChecksC2Subcode99() {
        long p = t.wdm.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, 0x40, TAG);
        BugCheck bc = t.asDriver(() -> t.wdm.ExFreePoolWithTag(p + 8, TAG));
        assertThat(bc).isEqualTo(new BugCheck(0xC2, 0x99, p + 8, 0, 0));
    }

    @Test
    void pagedPoolAtDispatchLevelBugChecksC2Subcode8() {
        t.machine.kernel.KeRaiseIrql(Irql.DISPATCH_LEVEL);
        BugCheck bc = t.asDriver(() -> t.wdm.ExAllocatePoolWithTag(Pool.PagedPool, 0x10, TAG));
        assertThat(bc).isEqualTo(new BugCheck(0xC2, 8, 2, Pool.PagedPool, 0x10));
    }

    @Test
    void nonPagedPoolAtDispatchLevelIsAllowed() {
        t.machine.kernel.KeRaiseIrql(Irql.DISPATCH_LEVEL);
        assertThat(t.asDriver(() -> t.wdm.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, 0x10, TAG))).isNull();
    }

    @Test
    void aFreedLargeAllocationIsUnmappedAndTouchingItBugChecks0x50() {
        long p = t.wdm.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, 0x2000, TAG);
        t.wdm.ExFreePoolWithTag(p, TAG);
        BugCheck bc = t.asDriver(() -> t.wdm.readByte(p));
        assertThat(bc.code()).isEqualTo(0x50);
        assertThat(bc.p1()).isEqualTo(p);
        assertThat(bc.p2()).as("a read").isZero();
    }

    @Test
    void systemPtesAreReservedAndReleasedAsRuns() {
        Machine m = new Machine(Machine.Config.defaults().withSystemPtes(16));
        SystemPtes ptes = m.mm.systemPtes;
        long a = ptes.reserve(4);
        long b = ptes.reserve(8);
        assertThat(b).isEqualTo(a + 4 * 0x1000);
        assertThat(ptes.inUse()).isEqualTo(12);
        assertThat(ptes.reserve(5)).as("only 4 left").isZero();
        ptes.release(a, 4);
        assertThat(ptes.isReserved(a)).isFalse();
        assertThat(ptes.isReserved(b)).isTrue();
        assertThat(ptes.reserve(8)).as("4 + 4 free, but not contiguous").isZero();
        assertThat(ptes.reserve(4)).isEqualTo(a);
        assertThat(ptes.free()).as("the 4 after b").isEqualTo(4);
    }
}
