package ntspec;

import ntspec.hw.Mmu;
import ntspec.hw.PhysicalMemory;
import ntspec.io.IoManager;
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
                         long seed, boolean tracePteWrites, int trackPtes, boolean trackLockedPages) {
        public static final long GiB = 1L << 30;
        public static final long MiB = 1L << 20;

        public Config {
            if (processors < 1 || processors > 64) {
                throw new IllegalArgumentException("processors must be 1..64: " + processors);
            }
        }

        /**
         * 4 GiB, 2 processors, the whole 128 GiB system-PTE region (x64 Windows maps MDLs from a dynamic
         * system VA space of terabytes), a 4 GiB paging file, no PTE tracking (TrackPtes = 0, Windows's default).
         */
        public static Config defaults() {
            return new Config(4 * GiB, 2, DEFAULT_SYSTEM_PTES, 4 * GiB, 0, true, 0, false);
        }

        /** The system-PTE space of the default machine: the whole 128 GiB region, in PTEs. */
        public static final long DEFAULT_SYSTEM_PTES = ntspec.mm.MmLayout.REGION_SIZE >>> 12;

        public Config withPhysicalMemory(long bytes) {
            return new Config(bytes, processors, systemPtes, pagingFileBytes, seed, tracePteWrites, trackPtes, trackLockedPages);
        }

        public Config withProcessors(int n) {
            return new Config(physicalMemoryBytes, n, systemPtes, pagingFileBytes, seed, tracePteWrites, trackPtes, trackLockedPages);
        }

        public Config withSystemPtes(long n) {
            return new Config(physicalMemoryBytes, processors, n, pagingFileBytes, seed, tracePteWrites, trackPtes, trackLockedPages);
        }

        public Config withPagingFile(long bytes) {
            return new Config(physicalMemoryBytes, processors, systemPtes, bytes, seed, tracePteWrites, trackPtes, trackLockedPages);
        }

        public Config withPteWriteTracing(boolean on) {
            return new Config(physicalMemoryBytes, processors, systemPtes, pagingFileBytes, seed, on, trackPtes, trackLockedPages);
        }

        /** The TrackPtes registry value: 0 off, 1 track owners, 3 also validate frees (https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xda--system-pte-misuse). */
        public Config withTrackPtes(int value) {
            return new Config(physicalMemoryBytes, processors, systemPtes, pagingFileBytes, seed, tracePteWrites, value, trackLockedPages);
        }

        /**
         * The TrackLockedPages registry value: the kernel records who locked each MDL's pages, and a
         * process that exits with pages still locked is DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS (0xCB)
         * naming the MDL instead of PROCESS_HAS_LOCKED_PAGES (0x76)
         * (https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xcb--driver-left-locked-pages-in-process).
         */
        public Config withTrackLockedPages(boolean on) {
            return new Config(physicalMemoryBytes, processors, systemPtes, pagingFileBytes, seed, tracePteWrites, trackPtes, on);
        }
    }

    public final Config config;
    public final Trace trace;
    public final PhysicalMemory memory;
    public final Mmu mmu;
    public final Kernel kernel;
    public final Mm mm;
    public final IoManager io;
    public final Ps ps;
    /** Driver Verifier: which images are verified, and the thunks their imports reach. */
    public final ntspec.verifier.Verifier verifier;

    public Machine(Config config) {
        this.config = config;
        this.trace = new Trace(config.tracePteWrites());
        this.memory = new PhysicalMemory(config.physicalMemoryBytes());
        this.mmu = new Mmu(memory, trace);
        PfnDatabase pfnDb = new PfnDatabase(memory.frameCount(), Mm.FIRST_USABLE_PFN);
        long systemPml4 = Mm.bootSystemPml4(pfnDb, memory);
        this.kernel = new Kernel(trace, config.processors(), systemPml4);
        this.mm = new Mm(kernel, mmu, pfnDb, config.pagingFileBytes(), config.systemPtes(), systemPml4);
        mm.systemPtes.setTrackPtes(config.trackPtes());
        mm.lockedPages.setTrackEveryLock(config.trackLockedPages());
        this.io = new IoManager(kernel, mm);
        this.ps = new Ps(kernel, mm);
        ps.setThreadRundown(io.cancel::rundownProcess);
        this.verifier = new ntspec.verifier.Verifier(this);
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
        return kernel.bugCheck() != null || kernel.hang() != null || kernel.assertion() != null;
    }
}
