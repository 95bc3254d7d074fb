package ntspec.ke;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class Win32ErrorTest {
    @Test
    void theTranslationRulesOfRtlNtStatusToDosError() {
        assertThat(Win32Error.fromNtStatus(NtStatus.STATUS_SUCCESS)).isZero();
        assertThat(Win32Error.fromNtStatus(NtStatus.STATUS_PENDING)).isEqualTo(Win32Error.ERROR_IO_PENDING);
        assertThat(Win32Error.fromNtStatus(NtStatus.STATUS_BUFFER_OVERFLOW)).isEqualTo(Win32Error.ERROR_MORE_DATA);
        assertThat(Win32Error.fromNtStatus(NtStatus.STATUS_ACCESS_VIOLATION)).isEqualTo(998);
        assertThat(Win32Error.fromNtStatus(NtStatus.STATUS_CANCELLED)).isEqualTo(995);
        assertThat(Win32Error.fromNtStatus(0xD0000022)).as("0xD... is 0xC...").isEqualTo(Win32Error.ERROR_ACCESS_DENIED);
        assertThat(Win32Error.fromNtStatus(0xC0070005)).as("FACILITY_WIN32 carries the code").isEqualTo(5);
        assertThat(Win32Error.fromNtStatus(0xE0001234)).as("customer codes pass unchanged").isEqualTo(0xE0001234);
        assertThat(Win32Error.fromNtStatus(0xC0DE0001)).as("no mapping").isEqualTo(Win32Error.ERROR_MR_MID_NOT_FOUND);
        assertThat(Win32Error.name(234)).isEqualTo("ERROR_MORE_DATA");
        assertThat(Win32Error.fromNtStatus(NtStatus.STATUS_ABANDONED_WAIT_0)).as("a port closed under a waiter")
                .isEqualTo(Win32Error.ERROR_ABANDONED_WAIT_0).isEqualTo(735);
        assertThat(Win32Error.name(258)).isEqualTo("WAIT_TIMEOUT");
        assertThat(Win32Error.byName()).containsEntry("WAIT_TIMEOUT", 258);
    }
}
