package ntspec.bench;

import java.util.concurrent.TimeUnit;
import ntspec.Machine;
import ntspec.ke.KThread;
import ntspec.mm.EProcess;
import ntspec.mm.Mdl;
import ntspec.mm.MdlRoutines;
import ntspec.mm.Protection;
import ntspec.wdm.Wdm;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The measurements: machine boot, and the lock / map / unlock path over a 1 GiB user
 * buffer per page beside a baseline that does only the bare per-page state touches on plain arrays.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class MachineBench {
    static final long GiB = Machine.Config.GiB;
    static final int PAGES = (int) (GiB >>> 12);

    /** Boot: physical memory, page tables, PFN database, pools, the System process. */
    @State(Scope.Benchmark)
    public static class BootConfig {
        @Param({"4", "64"})
        public long gib;
        Machine.Config config;

        @Setup
        public void setup() {
            config = Machine.Config.defaults().withPhysicalMemory(gib * GiB);
        }
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Machine boot(BootConfig c) {
        return new Machine(c.config);
    }

    /** A machine with a process whose 1 GiB buffer is resident, and an MDL describing it. */
    @State(Scope.Benchmark)
    public static class LockedBuffer {
        Machine machine;
        Wdm wdm;
        Mdl mdl;

        @Setup(Level.Trial)
        public void setup() {
            machine = new Machine(Machine.Config.defaults().withPhysicalMemory(4 * GiB)
                    .withSystemPtes(PAGES + 4096).withPteWriteTracing(false));
            wdm = new Wdm(machine, "Bench.sys");
            EProcess app = machine.ps.PsCreateProcess("app");
            KThread thread = machine.ps.PsCreateThread(app);
            machine.kernel.switchTo(thread);
            long buffer = machine.mm.vm.NtAllocateVirtualMemory(app, 0, GiB, Protection.MEM_COMMIT | Protection.MEM_RESERVE,
                    Protection.PAGE_READWRITE).base();
            for (long va = buffer; va < buffer + GiB; va += 4096) machine.mm.readByte(va, true); // demand-zero faults make it resident
            mdl = wdm.IoAllocateMdl(buffer, GiB, false, false, null);
        }
    }

    /** MmProbeAndLockPages(UserMode, IoWriteAccess) + MmGetSystemAddressForMdlSafe + MmUnlockPages, per page. */
    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long lockMapUnlockPerPage(LockedBuffer s) {
        long[] va = new long[1];
        s.wdm.runAsDriver("Bench", () -> {
            s.wdm.MmProbeAndLockPages(s.mdl, MdlRoutines.UserMode, MdlRoutines.IoWriteAccess);
            va[0] = s.wdm.MmGetSystemAddressForMdlSafe(s.mdl, MdlRoutines.NormalPagePriority);
            s.wdm.MmUnlockPages(s.mdl);
        });
        if (va[0] == 0) throw new AssertionError("mapping failed");
        return va[0];
    }

    /** The bare per-page touches on plain arrays: one PTE read, one PFN count update, one system PTE write. */
    @State(Scope.Benchmark)
    public static class Arrays {
        final long[] userPtes = new long[PAGES];
        final int[] pfnReferenceCounts = new int[PAGES];
        final long[] systemPtes = new long[PAGES];

        @Setup(Level.Trial)
        public void setup() {
            for (int i = 0; i < PAGES; i++) userPtes[i] = ((long) (i + 0x1000) << 12) | 0x867;
        }
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public void baselinePerPage(Arrays a, Blackhole bh) {
        for (int i = 0; i < PAGES; i++) {
            long pte = a.userPtes[i];
            int pfn = (int) ((pte >>> 12) - 0x1000);
            a.pfnReferenceCounts[pfn]++;
            a.systemPtes[i] = pte | 0x100;
        }
        bh.consume(a.systemPtes);
    }
}
