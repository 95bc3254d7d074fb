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

    /**
     * The same state the simulated path touches per page, as plain Java arrays with no simulation
     * around them: a user PTE behind a four-level walk and a 64-entry TLB per processor, the PFN
     * entry (flags, reference, share and lock counts, cache attribute, paging-file slot), the MDL's
     * PFN slot, a system PTE and its bit in the system-PTE bitmap. What the simulator adds to this
     * is its cost.
     */
    @State(Scope.Benchmark)
    public static class Arrays {
        static final int TLB = 64;
        static final int CPUS = 2;
        static final int FIRST_PFN = 0x1000;
        final long[] pml4 = new long[512];
        final long[] pdpt = new long[512];
        final long[] pd = new long[512];
        final long[] userPtes = new long[PAGES];
        final long[][] tlbTag = new long[CPUS][TLB];
        final long[][] tlbEntry = new long[CPUS][TLB];
        final byte[] pfnFlags = new byte[FIRST_PFN + PAGES];
        final short[] pfnReference = new short[FIRST_PFN + PAGES];
        final short[] pfnShare = new short[FIRST_PFN + PAGES];
        final short[] pfnLock = new short[FIRST_PFN + PAGES];
        final long[] pfnPageFileSlot = new long[FIRST_PFN + PAGES];
        final java.util.BitSet systemPteBitmap = new java.util.BitSet(PAGES);
        final byte[] pfnCache = new byte[FIRST_PFN + PAGES];
        final long[] mdlSlots = new long[PAGES];
        final long[] systemPtes = new long[PAGES];
        long lockedPages;

        @Setup(Level.Trial)
        public void setup() {
            pml4[0] = 0x1867;
            pdpt[0] = 0x2867;
            for (int i = 0; i < 512; i++) pd[i] = ((long) (0x3000 + i) << 12) | 0x867;
            for (int i = 0; i < PAGES; i++) {
                userPtes[i] = ((long) (i + FIRST_PFN) << 12) | 0x867;
                pfnFlags[i + FIRST_PFN] = 1;
                pfnReference[i + FIRST_PFN] = 1;
                pfnShare[i + FIRST_PFN] = 1;
                pfnPageFileSlot[i + FIRST_PFN] = -1;
            }
        }

        long walk(long vpn) {
            long e4 = pml4[(int) (vpn >>> 27) & 511];
            long e3 = pdpt[(int) (vpn >>> 18) & 511];
            long e2 = pd[(int) (vpn >>> 9) & 511];
            if (((e4 & e3 & e2) & 1) == 0) return 0;
            return userPtes[(int) vpn];
        }

        long translate(long vpn, boolean write) {
            int s = (int) (vpn & (TLB - 1));
            long e;
            if (tlbTag[0][s] == vpn + 1) {
                e = tlbEntry[0][s];
            } else {
                e = walk(vpn);
                tlbTag[0][s] = vpn + 1;
                tlbEntry[0][s] = e;
            }
            if ((e & 1) == 0 || (write && (e & 2) == 0)) throw new IllegalStateException("fault");
            return e;
        }
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public void baselinePerPage(Arrays a, Blackhole bh) {
        // MmProbeAndLockPages, probe: a read and a write reference to each page.
        for (int i = 0; i < PAGES; i++) {
            a.translate(i, false);
            a.translate(i, true);
        }
        // ... lock: the PTE by a walk, the PFN entry's counts, the MDL's slot.
        for (int i = 0; i < PAGES; i++) {
            long pte = a.walk(i);
            if ((pte & 1) == 0) throw new IllegalStateException("not valid");
            int pfn = (int) (pte >>> 12);
            if (a.pfnFlags[pfn] == 0) throw new IllegalStateException("no entry");
            if (a.pfnLock[pfn]++ == 0 && a.pfnShare[pfn] >= 0) a.lockedPages++;
            a.pfnReference[pfn]++;
            a.mdlSlots[i] = pfn;
        }
        // MmGetSystemAddressForMdlSafe: each slot's PFN entry (cache attribute), a system PTE.
        for (int i = 0; i < PAGES; i++) {
            int pfn = (int) a.mdlSlots[i];
            if (a.pfnFlags[pfn] == 0 || a.pfnCache[pfn] != 0) throw new IllegalStateException("attribute");
            a.systemPtes[i] = ((long) pfn << 12) | 0x963;
            a.systemPteBitmap.set(i);
        }
        // MmUnlockPages, unmap: clear each system PTE, then (more than 33 PTEs) flush every
        // processor's whole TLB once.
        for (int i = 0; i < PAGES; i++) {
            long old = a.systemPtes[i];
            a.systemPtes[i] = 0;
            if ((old & 1) == 0) throw new IllegalStateException("not mapped");
            a.systemPteBitmap.clear(i);
        }
        for (int cpu = 0; cpu < Arrays.CPUS; cpu++) java.util.Arrays.fill(a.tlbTag[cpu], 0);
        // ... unlock: each slot's PFN entry, marked modified (a write operation) with its paging-file
        // copy dropped, counts back.
        for (int i = 0; i < PAGES; i++) {
            int pfn = (int) a.mdlSlots[i];
            if (a.pfnFlags[pfn] == 0) throw new IllegalStateException("no entry");
            a.pfnFlags[pfn] |= 2;
            if (a.pfnPageFileSlot[pfn] >= 0) a.pfnPageFileSlot[pfn] = -1;
            if (--a.pfnLock[pfn] == 0 && a.pfnShare[pfn] >= 0) a.lockedPages--;
            a.pfnReference[pfn]--;
        }
        bh.consume(a.lockedPages);
    }
}
