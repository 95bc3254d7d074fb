package ntspec;

import ntspec.hw.Mmu;
import ntspec.hw.PhysicalMemory;
import ntspec.io.IoManager;
import ntspec.io.IoMdl;
import ntspec.ke.BugCheck;
import ntspec.ke.Kernel;
import ntspec.mm.Mm;
import ntspec.mm.PfnDatabase;
import ntspec.ps.Ps;
import ntspec.trace.Trace;

/**
 * One simulated machine: physical memory and MMU, the kernel, the memory manager, the I/O
 * manager's MDL routines and the process manager. Everything with state hangs off one instance;
 * a scenario boots its own.
 */
public final class Machine {
    /** How the machine is built. Sizes are in bytes. */
    public record Config(long physicalMemoryBytes, int processors, long systemPtes, long pagingFileBytes,
                         long seed, boolean tracePteWrites) {
        public static final long GiB = 1L << 30;
        public static final long MiB = 1L << 20;

        public Config {
            if (processors < 1 || processors > 64) {
                throw new IllegalArgumentException("processors must be 1..64: " + processors);
            }
        }

        /** 4 GiB, 2 processors, 64 Ki system PTEs (256 MiB of mappings), a 4 GiB paging file. */
        public static Config defaults() {
            return new Config(4 * GiB, 2, 64 * 1024, 4 * GiB, 0, true);
        }

        public Config withPhysicalMemory(long bytes) {
            return new Config(bytes, processors, systemPtes, pagingFileBytes, seed, tracePteWrites);
        }

        public Config withProcessors(int n) {
            return new Config(physicalMemoryBytes, n, systemPtes, pagingFileBytes, seed, tracePteWrites);
        }

        public Config withSystemPtes(long n) {
            return new Config(physicalMemoryBytes, processors, n, pagingFileBytes, seed, tracePteWrites);
        }

        public Config withPagingFile(long bytes) {
            return new Config(physicalMemoryBytes, processors, systemPtes, bytes, seed, tracePteWrites);
        }

        public Config withPteWriteTracing(boolean on) {
            return new Config(physicalMemoryBytes, processors, systemPtes, pagingFileBytes, seed, on);
        }
    }

    public final Config config;
    public final Trace trace;
    public final PhysicalMemory memory;
    public final Mmu mmu;
    public final Kernel kernel;
    public final Mm mm;
    public final IoMdl io;
    public final IoManager iomgr;
    public final Ps ps;

    public Machine(Config config) {
        this.config = config;
        this.trace = new Trace(config.tracePteWrites());
        this.memory = new PhysicalMemory(config.physicalMemoryBytes());
        this.mmu = new Mmu(memory, trace);
        PfnDatabase pfnDb = new PfnDatabase(memory.frameCount(), Mm.FIRST_USABLE_PFN);
        long systemPml4 = Mm.bootSystemPml4(pfnDb, memory);
        this.kernel = new Kernel(trace, config.processors(), systemPml4);
        this.mm = new Mm(kernel, mmu, pfnDb, config.pagingFileBytes(), config.systemPtes(), systemPml4);
        this.io = new IoMdl(mm);
        this.iomgr = new IoManager(kernel, mm, io);
        this.ps = new Ps(kernel, mm);
        kernel.setCurrentProcessor(0);
        trace.add(Trace.Kind.NOTE, String.format("booted: %d MiB, %d processors, %d system PTEs",
                config.physicalMemoryBytes() >>> 20, config.processors(), config.systemPtes()));
    }

    public Machine() {
        this(Config.defaults());
    }

    /** The bug check that halted the machine, or null while it runs. */
    public BugCheck bugCheck() {
        return kernel.bugCheck();
    }

    public boolean isHalted() {
        return kernel.bugCheck() != null;
    }
}
