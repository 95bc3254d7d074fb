package ntspec.io;

import static org.assertj.core.api.Assertions.assertThat;

import ntspec.TestMachine;
import ntspec.ke.KEvent;
import ntspec.ke.NtStatus;
import ntspec.ke.Win32Error;
import ntspec.mm.Protection;
import org.junit.jupiter.api.Test;

class Win32Test {
    @Test
    void getOverlappedResultReadsTheOverlappedAsKernel32Does() {
        TestMachine t = new TestMachine();
        Win32 w = t.machine.io.win32;
        KEvent ev = w.CreateEvent(true, false);
        assertThat(ev.Type()).isEqualTo(KEvent.NotificationEvent);
        assertThat(ev.SignalState()).isZero();
        long ov = t.allocate(0x1000, Protection.PAGE_READWRITE);
        t.machine.mm.write(ov + 0x18, 8, ev.address);
        assertThat(w.eventOf(ov).address).isEqualTo(ev.address);

        w.beginOverlapped(ov);
        assertThat(t.machine.mm.read(ov, 8)).isEqualTo(NtStatus.STATUS_PENDING);
        Win32.Result pending = w.GetOverlappedResult(null, ov, false);
        assertThat(pending.result()).isFalse();
        assertThat(pending.lastError()).isEqualTo(Win32Error.ERROR_IO_INCOMPLETE);

        t.machine.mm.write(ov, 8, NtStatus.STATUS_SUCCESS);
        t.machine.mm.write(ov + 8, 8, 5);
        assertThat(w.GetOverlappedResult(null, ov, true)).isEqualTo(new Win32.Result(true, null, 5));

        t.machine.mm.write(ov, 8, NtStatus.STATUS_BUFFER_OVERFLOW & 0xFFFFFFFFL);
        assertThat(w.GetOverlappedResult(null, ov, false)).as("a warning is not success for GetOverlappedResult")
                .isEqualTo(new Win32.Result(false, Win32Error.ERROR_MORE_DATA, 5));
    }
}
