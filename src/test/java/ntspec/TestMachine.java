package ntspec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import ntspec.ke.BugCheck;
import ntspec.ke.BugCheckException;
import ntspec.ke.KThread;
import ntspec.mm.EProcess;
import ntspec.mm.Protection;
import ntspec.mm.VirtualMemory;
import ntspec.wdm.Wdm;

/** A booted machine with one user process current, and a driver facade: the unit tests' fixture. */
public final class TestMachine {
    public final Machine machine;
    public final Wdm wdm;
    public final EProcess app;
    public final KThread appThread;

    public TestMachine() {
        this(Machine.Config.defaults());
    }

    public TestMachine(Machine.Config config) {
        machine = new Machine(config);
        wdm = new Wdm(machine, "Test.sys");
        app = machine.ps.PsCreateProcess("app");
        appThread = machine.ps.PsCreateThread(app);
        machine.kernel.switchTo(appThread);
    }

    /** NtAllocateVirtualMemory(MEM_COMMIT | MEM_RESERVE) in the app; returns the base. */
    public long allocate(long size, int protection) {
        VirtualMemory.Result r = machine.mm.vm.NtAllocateVirtualMemory(app, 0, size,
                Protection.MEM_COMMIT | Protection.MEM_RESERVE, protection);
        assertThat(r.ok()).as("NtAllocateVirtualMemory status 0x%X", r.status()).isTrue();
        return r.base();
    }

    public void userWrite(long va, String text) {
        machine.mm.write(va, text.getBytes(StandardCharsets.ISO_8859_1), true);
    }

    public String kernelRead(long va, int length) {
        return new String(machine.mm.read(va, length, false), StandardCharsets.ISO_8859_1);
    }

    /** Runs driver code, returning the bug check it caused (or null). */
    public BugCheck asDriver(Runnable body) {
        try {
            wdm.runAsDriver("Test", body);
            return null;
        } catch (BugCheckException e) {
            return machine.bugCheck();
        }
    }

    /**
     * Gives a test driver the DispatchCreateClose of the WDK samples (IRP_MJ_CREATE, IRP_MJ_CLEANUP and
     * IRP_MJ_CLOSE complete with STATUS_SUCCESS), so its devices can be opened: a driver without
     * one fails every open with STATUS_INVALID_DEVICE_REQUEST, as on Windows.
     */
    public static <W extends ntspec.wdm.Wdm> W acceptsOpens(W driver) {
        for (int mj : new int[] {ntspec.io.IoConstants.IRP_MJ_CREATE, ntspec.io.IoConstants.IRP_MJ_CLEANUP, ntspec.io.IoConstants.IRP_MJ_CLOSE}) {
            driver.setDispatch(mj, (d, irp) -> {
                irp.IoStatus.setStatus(0);
                irp.IoStatus.setInformation(0);
                driver.IoCompleteRequest(irp, 0);
                return 0;
            });
        }
        return driver;
    }
}
