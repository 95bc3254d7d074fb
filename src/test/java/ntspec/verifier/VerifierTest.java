package ntspec.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ntspec.TestMachine;
import ntspec.ke.BugCheck;
import ntspec.ke.BugCheckCode;
import ntspec.ke.BugCheckException;
import ntspec.mm.Mdl;
import ntspec.mm.MdlRoutines;
import ntspec.mm.Protection;
import ntspec.wdm.Wdm;
import org.junit.jupiter.api.Test;

/** Verifier's thunks: only verified images reach them; each check raises its 0xC4 subcode before the real routine runs. */
class VerifierTest {
    private final TestMachine t = new TestMachine();
    private final Wdm verified = new Wdm(t.machine, "Verified.sys");
    private final Wdm plain = new Wdm(t.machine, "Plain.sys");
    private final long buffer = t.allocate(0x2000, Protection.PAGE_READWRITE);

    VerifierTest() {
        t.machine.verifier.enable("Verified.sys", Verifier.STANDARD_FLAGS);
    }

    private BugCheck stop(Wdm driver, Runnable body) {
        Throwable e = catchThrowable(() -> driver.runAsDriver("Test", body));
        assertThat(e).isInstanceOf(BugCheckException.class);
        return t.machine.bugCheck();
    }

    @Test
    void onlyNamedImagesAreThunkedAndNamesAreCaseInsensitive() {
        assertThat(t.machine.verifier.isVerified("verified.SYS")).isTrue();
        assertThat(t.machine.verifier.isVerified("Plain.sys")).isFalse();
        assertThat(t.machine.verifier.exportsFor("Verified.sys")).isInstanceOf(VerifierThunks.class);
        assertThat(t.machine.verifier.exportsFor("Plain.sys")).isInstanceOf(RealExports.class);
    }

    @Test
    void correctUseRaisesNothingAndIsCounted() {
        verified.runAsDriver("Test", () -> {
            Mdl mdl = verified.IoAllocateMdl(buffer, 0x2000, false, false, null);
            verified.MmProbeAndLockPages(mdl, MdlRoutines.UserMode, MdlRoutines.IoWriteAccess);
            long va = verified.MmGetSystemAddressForMdlSafe(mdl, MdlRoutines.NormalPagePriority);
            verified.MmUnmapLockedPages(va, mdl);
            verified.MmUnlockPages(mdl);
            verified.IoFreeMdl(mdl);
        });
        assertThat(t.machine.isHalted()).isFalse();
        assertThat(t.machine.verifier.entry("Verified.sys").thunkedCalls()).as("IoAllocateMdl, probe, map, unmap, unlock, free").isEqualTo(6);
        assertThat(t.machine.verifier.dump()).contains("Verified.sys").contains("0x000209BB");
    }

    @Test
    void unlockThenUnmapIsB6WithTheMdlAndItsFlags() {
        Mdl[] m = new Mdl[1];
        BugCheck bc = stop(verified, () -> {
            m[0] = verified.IoAllocateMdl(buffer, 0x1000, false, false, null);
            verified.MmProbeAndLockPages(m[0], MdlRoutines.UserMode, MdlRoutines.IoReadAccess);
            long va = verified.MmGetSystemAddressForMdlSafe(m[0], MdlRoutines.NormalPagePriority);
            verified.MmUnlockPages(m[0]);
            verified.MmUnmapLockedPages(va, m[0]);
        });
        assertThat(bc.code()).isEqualTo(BugCheckCode.DRIVER_VERIFIER_DETECTED_VIOLATION);
        assertThat(bc.p1()).isEqualTo(0xB6);
        assertThat(bc.p2()).isEqualTo(m[0].address);
        assertThat(bc.p3()).isEqualTo(m[0].MdlFlags() & 0xFFFF);
        assertThat(bc.p4()).isEqualTo(Mdl.MDL_MAPPED_TO_SYSTEM_VA);
    }

    @Test
    void theSameMisuseByAnUnverifiedDriverEndsAsTheFreeBuildEndsIt() {
        BugCheck bc = stop(plain, () -> {
            Mdl mdl = plain.IoAllocateMdl(buffer, 0x1000, false, false, null);
            plain.MmProbeAndLockPages(mdl, MdlRoutines.UserMode, MdlRoutines.IoReadAccess);
            long va = plain.MmGetSystemAddressForMdlSafe(mdl, MdlRoutines.NormalPagePriority);
            plain.MmUnlockPages(mdl);
            plain.MmUnmapLockedPages(va, mdl);
        });
        assertThat(bc.code()).isEqualTo(BugCheckCode.SYSTEM_PTE_MISUSE);
    }

    @Test
    void raisingToALowerIrqlIs30AndTheIrqlIsLeftAsItWas() {
        BugCheck bc = stop(verified, () -> {
            verified.KeRaiseIrql(2);
            verified.KeRaiseIrql(1);
        });
        assertThat(bc.p1()).isEqualTo(0x30);
        assertThat(bc.p2()).isEqualTo(2);
        assertThat(bc.p3()).isEqualTo(1);
        assertThat(t.machine.kernel.KeGetCurrentIrql()).isEqualTo(2);
    }

    @Test
    void mappingWithBugCheckOnFailureIs82() {
        BugCheck bc = stop(verified, () -> {
            Mdl mdl = verified.IoAllocateMdl(buffer, 0x1000, false, false, null);
            verified.MmProbeAndLockPages(mdl, MdlRoutines.UserMode, MdlRoutines.IoReadAccess);
            verified.MmMapLockedPagesSpecifyCache(mdl, MdlRoutines.KernelMode, MdlRoutines.MmCached, 0, true, MdlRoutines.NormalPagePriority);
        });
        assertThat(bc.p1()).isEqualTo(0x82);
    }

    @Test
    void poolTrackingRecordsTheDriversLocksInPoolAndUnlockingDropsThem() {
        long pool0 = t.machine.mm.pool.bytesInUse();
        Mdl[] m = new Mdl[1];
        verified.runAsDriver("Test", () -> {
            m[0] = verified.IoAllocateMdl(buffer, 0x2000, false, false, null);
            verified.MmProbeAndLockPages(m[0], MdlRoutines.UserMode, MdlRoutines.IoReadAccess);
        });
        var tracked = t.machine.mm.lockedPages.heldIn(t.app.address);
        assertThat(tracked).isNotNull();
        assertThat(tracked.mdl()).isEqualTo(m[0].address);
        assertThat(tracked.pages()).isEqualTo(2);
        assertThat(t.machine.mm.read(tracked.tracker(), 8)).as("the tracking structure names the MDL").isEqualTo(m[0].address);
        verified.runAsDriver("Test", () -> verified.MmUnlockPages(m[0]));
        assertThat(t.machine.mm.lockedPages.all()).isEmpty();
        verified.runAsDriver("Test", () -> verified.IoFreeMdl(m[0]));
        t.machine.mm.pool.trimLookasides();
        assertThat(t.machine.mm.pool.bytesInUse()).isLessThanOrEqualTo(pool0);
    }

    @Test
    void anUnverifiedDriversLocksAreNotTrackedWithoutTheRegistryValue() {
        plain.runAsDriver("Test", () -> {
            Mdl mdl = plain.IoAllocateMdl(buffer, 0x1000, false, false, null);
            plain.MmProbeAndLockPages(mdl, MdlRoutines.UserMode, MdlRoutines.IoReadAccess);
        });
        assertThat(t.machine.mm.lockedPages.all()).isEmpty();
    }

    @Test
    void lowResourcesSimulationFailsTheSameCallsForTheSameSeed() {
        java.util.function.Supplier<String> run = () -> {
            TestMachine m = new TestMachine();
            Wdm d = new Wdm(m.machine, "Faulty.sys");
            m.machine.verifier.enable("Faulty.sys", Verifier.LOW_RESOURCES_SIMULATION, 3000, 11);
            StringBuilder b = new StringBuilder();
            d.runAsDriver("Test", () -> {
                for (int i = 0; i < 40; i++) b.append(d.ExAllocatePoolWithTag(0, 0x20, 0x74736554) == 0 ? 'X' : '.');
            });
            assertThat(m.machine.verifier.entry("Faulty.sys").injectedFailures()).isEqualTo(b.chars().filter(c -> c == 'X').count());
            return b.toString();
        };
        String first = run.get();
        assertThat(first).contains("X").contains(".");
        assertThat(run.get()).isEqualTo(first);
    }

    @Test
    void withoutTheOptionNothingIsInjected() {
        verified.runAsDriver("Test", () -> {
            for (int i = 0; i < 200; i++) assertThat(verified.ExAllocatePoolWithTag(0, 0x20, 0x74736554)).isNotZero();
        });
        assertThat(t.machine.verifier.entry("Verified.sys").injectedFailures()).isZero();
    }

    @Test
    void optionNamesGiveTheirFlagBitsAndAnUnknownNameListsTheAcceptedOnes() {
        assertThat(Verifier.flagsOf("Special Pool, Pool Tracking")).isEqualTo(0x9);
        assertThat(Verifier.flagsOf("I/O Verification and DDI compliance checking")).isEqualTo(0x20010);
        Throwable e = catchThrowable(() -> Verifier.flagsOf("Special Pools"));
        assertThat(e).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Special Pool").hasMessageContaining("Accepted");
    }
}
