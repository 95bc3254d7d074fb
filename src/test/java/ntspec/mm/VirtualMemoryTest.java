package ntspec.mm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ntspec.TestMachine;
import ntspec.ke.NtStatus;
import ntspec.ke.RaisedException;
import org.junit.jupiter.api.Test;

/** VADs and the NtXxxVirtualMemory services, and how the fault handler honours their protections. */
class VirtualMemoryTest {
    private final TestMachine t = new TestMachine();
    private final VirtualMemory vm = t.machine.mm.vm;

    private RaisedException userTouch(long va, boolean write) {
        return catchThrowableOfType(RaisedException.class, () -> {
            if (write) t.machine.mm.writeByte(va, 1, true);
            else t.machine.mm.readByte(va, true);
        });
    }

    @Test
    void allocationsAreAlignedToTheAllocationGranularityAndInTheUserRange() {
        long a = t.allocate(0x1000, Protection.PAGE_READWRITE);
        long b = t.allocate(0x1000, Protection.PAGE_READWRITE);
        assertThat(a % 0x10000).isZero();
        assertThat(b % 0x10000).isZero();
        assertThat(b).isNotEqualTo(a);
        assertThat(Long.compareUnsigned(b, MmLayout.MM_HIGHEST_USER_ADDRESS)).isNegative();
    }

    @Test
    void aReservedButUncommittedPageRaisesAnAccessViolation() {
        VirtualMemory.Result r = vm.NtAllocateVirtualMemory(t.app, 0, 0x2000, Protection.MEM_RESERVE, Protection.PAGE_READWRITE);
        assertThat(r.ok()).isTrue();
        RaisedException e = userTouch(r.base(), false);
        assertThat(e.status).isEqualTo(NtStatus.STATUS_ACCESS_VIOLATION);
        assertThat(e.info1).isEqualTo(r.base());
        assertThat(vm.NtAllocateVirtualMemory(t.app, r.base() + 0x1000, 0x1000, Protection.MEM_COMMIT, Protection.PAGE_READWRITE).ok()).isTrue();
        assertThat(userTouch(r.base() + 0x1000, true)).as("committed now").isNull();
        assertThat(userTouch(r.base(), false)).as("the first page stays reserved").isNotNull();
    }

    @Test
    void writingAReadOnlyPageRaisesAnAccessViolationWithWriteInformation() {
        long va = t.allocate(0x1000, Protection.PAGE_READONLY);
        assertThat(userTouch(va, false)).isNull();
        RaisedException e = userTouch(va + 8, true);
        assertThat(e.status).isEqualTo(NtStatus.STATUS_ACCESS_VIOLATION);
        assertThat(e.info0).as("ExceptionInformation[0] = 1: a write").isEqualTo(1);
        assertThat(e.info1).isEqualTo(va + 8);
    }

    @Test
    void aNoAccessPageRaisesOnRead() {
        long va = t.allocate(0x1000, Protection.PAGE_NOACCESS);
        assertThat(userTouch(va, false).status).isEqualTo(NtStatus.STATUS_ACCESS_VIOLATION);
    }

    @Test
    void aGuardPageFiresOnceThenBehavesAsItsBaseProtection() {
        long va = t.allocate(0x1000, Protection.PAGE_READWRITE | Protection.PAGE_GUARD);
        assertThat(userTouch(va, false).status).isEqualTo(NtStatus.STATUS_GUARD_PAGE_VIOLATION);
        assertThat(userTouch(va, true)).isNull();
    }

    @Test
    void protectReturnsTheOldProtectionAndAppliesToResidentPages() {
        long va = t.allocate(0x2000, Protection.PAGE_READWRITE);
        t.userWrite(va, "resident");
        VirtualMemory.Result r = vm.NtProtectVirtualMemory(t.app, va, 0x2000, Protection.PAGE_READONLY);
        assertThat(r.ok()).isTrue();
        assertThat(r.oldProtection()).isEqualTo(Protection.PAGE_READWRITE);
        assertThat(userTouch(va, true).status).isEqualTo(NtStatus.STATUS_ACCESS_VIOLATION);
        assertThat(userTouch(va + 0x1000, true)).as("untouched page: protection in its PTE").isNotNull();
        assertThat(t.kernelRead(va, 8)).isEqualTo("resident");
    }

    @Test
    void protectingToNoAccessTakesTheResidentPageOutOfTheWorkingSet() {
        long va = t.allocate(0x1000, Protection.PAGE_READWRITE);
        t.userWrite(va, "x");
        vm.NtProtectVirtualMemory(t.app, va, 0x1000, Protection.PAGE_NOACCESS);
        assertThat(userTouch(va, false).status).isEqualTo(NtStatus.STATUS_ACCESS_VIOLATION);
        vm.NtProtectVirtualMemory(t.app, va, 0x1000, Protection.PAGE_READWRITE);
        assertThat(t.kernelRead(va, 1)).as("contents survive").isEqualTo("x");
    }

    @Test
    void servicesReportTheRealFailureStatuses() {
        assertThat(vm.NtFreeVirtualMemory(t.app, 0x7000_0000L, 0, Protection.MEM_RELEASE).status())
                .isEqualTo(NtStatus.STATUS_MEMORY_NOT_ALLOCATED);
        assertThat(vm.NtAllocateVirtualMemory(t.app, 0, 0x1000, Protection.MEM_COMMIT, 0x3).status())
                .isEqualTo(NtStatus.STATUS_INVALID_PAGE_PROTECTION);
        long va = t.allocate(0x2000, Protection.PAGE_READWRITE);
        assertThat(vm.NtAllocateVirtualMemory(t.app, va, 0x1000, Protection.MEM_RESERVE, Protection.PAGE_READWRITE).status())
                .isEqualTo(NtStatus.STATUS_CONFLICTING_ADDRESSES);
        assertThat(vm.NtFreeVirtualMemory(t.app, va + 0x1000, 0, Protection.MEM_RELEASE).status())
                .isEqualTo(NtStatus.STATUS_FREE_VM_NOT_AT_BASE);
        assertThat(vm.NtFreeVirtualMemory(t.app, va + 0xFFF, 0, Protection.MEM_RELEASE).ok())
                .as("the base is rounded down to its page").isTrue();
    }

    @Test
    void decommitLeavesTheReservation() {
        long va = t.allocate(0x2000, Protection.PAGE_READWRITE);
        t.userWrite(va, "x");
        assertThat(vm.NtFreeVirtualMemory(t.app, va, 0x1000, Protection.MEM_DECOMMIT).ok()).isTrue();
        assertThat(userTouch(va, false).status).isEqualTo(NtStatus.STATUS_ACCESS_VIOLATION);
        assertThat(userTouch(va + 0x1000, false)).isNull();
        assertThat(t.app.findVad(va)).isNotNull();
    }
}
