package ntspec.verifier;

import java.util.LinkedHashMap;
import java.util.Map;
import ntspec.Machine;
import ntspec.nt.NtExports;

/**
 * Driver Verifier: which driver images are verified, with which option flags, and the thunks
 * their imports reach. As in Windows, a verified driver's calls to the exports in {@link NtExports}
 * go through Verifier's wrappers ({@link VerifierThunks}), which check the call and then call the
 * real routine; unverified drivers reach the real routines directly. mm and io know nothing of
 * Verifier: the seam is the import table (Wdm asks {@link #exportsFor} for it).
 *
 * <p>Settings take effect for the calls that follow, as {@code verifier /volatile /adddriver}
 * gives them to a running system. The flag values are {@code verifier /flags} bits
 * (https://learn.microsoft.com/windows-hardware/drivers/devtest/driver-verifier-command-syntax);
 * the automatic checks (IRQL and MDL usage) run for every verified driver whatever its flags
 * (https://learn.microsoft.com/windows-hardware/drivers/devtest/automatic-checks).
 */
public final class Verifier {
    /** {@code verifier /standard}: special pool, force IRQL checking, pool tracking, I/O verification,
     * deadlock detection, DMA checking, security checks, miscellaneous checks, DDI compliance checking. */
    public static final int STANDARD_FLAGS = 0x209BB;

    public static final int SPECIAL_POOL = 0x1;
    public static final int FORCE_IRQL_CHECKING = 0x2;
    public static final int LOW_RESOURCES_SIMULATION = 0x4;
    public static final int POOL_TRACKING = 0x8;
    public static final int IO_VERIFICATION = 0x10;
    public static final int DEADLOCK_DETECTION = 0x20;
    public static final int ENHANCED_IO_VERIFICATION = 0x40;
    public static final int DMA_VERIFICATION = 0x80;
    public static final int SECURITY_CHECKS = 0x100;
    public static final int FORCE_PENDING_IO_REQUESTS = 0x200;
    public static final int IRP_LOGGING = 0x400;
    public static final int MISCELLANEOUS_CHECKS = 0x800;
    public static final int DDI_COMPLIANCE_CHECKING = 0x20000;
    public static final int SYSTEMATIC_LOW_RESOURCES_SIMULATION = 0x40000;

    /** The options by the names Verifier Manager gives them, with their flag bits. */
    public static final Map<String, Integer> OPTIONS;
    static {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("Special Pool", SPECIAL_POOL);
        m.put("Force IRQL Checking", FORCE_IRQL_CHECKING);
        m.put("Low Resources Simulation", LOW_RESOURCES_SIMULATION);
        m.put("Pool Tracking", POOL_TRACKING);
        m.put("I/O Verification", IO_VERIFICATION);
        m.put("Deadlock Detection", DEADLOCK_DETECTION);
        m.put("Enhanced I/O Verification", ENHANCED_IO_VERIFICATION);
        m.put("DMA Verification", DMA_VERIFICATION);
        m.put("Security Checks", SECURITY_CHECKS);
        m.put("Force Pending I/O Requests", FORCE_PENDING_IO_REQUESTS);
        m.put("IRP Logging", IRP_LOGGING);
        m.put("Miscellaneous Checks", MISCELLANEOUS_CHECKS);
        m.put("DDI compliance checking", DDI_COMPLIANCE_CHECKING);
        m.put("Systematic low resources simulation", SYSTEMATIC_LOW_RESOURCES_SIMULATION);
        OPTIONS = java.util.Collections.unmodifiableMap(m);
    }

    /** The flag value of option names ("Special Pool, Pool Tracking"); an unknown name fails with the accepted ones. */
    public static int flagsOf(String names) {
        int flags = 0;
        for (String raw : names.split(",| and ")) {
            String name = raw.trim();
            if (name.isEmpty()) continue;
            Integer bit = null;
            for (var e : OPTIONS.entrySet()) if (e.getKey().equalsIgnoreCase(name)) bit = e.getValue();
            if (bit == null) {
                throw new IllegalArgumentException("unknown Driver Verifier option '" + name + "'. Accepted: " + String.join(", ", OPTIONS.keySet()));
            }
            flags |= bit;
        }
        return flags;
    }

    /** One verified image: its flags and what Verifier counted for it. */
    public static final class Entry {
        public final String image;
        public final int flags;
        long thunkedCalls;
        long mdlChecks;
        long trims;
        /** Low Resources Simulation: failures per 10,000 calls (Windows's default 600, 6 %), and the seed of its draws. */
        final int faultRate;
        final long seed;
        final java.util.SplittableRandom random;
        long injectedFailures;
        /** Systematic Low Resources Simulation: the call sites that have failed once. */
        final java.util.Set<String> failedSites = new java.util.LinkedHashSet<>();
        /** Pool Tracking: what the driver allocated (pool blocks, MDLs, IRPs), by address. */
        final java.util.Set<Long> allocations = new java.util.LinkedHashSet<>();
        /** Verifier's copy of the driver's name (a UNICODE_STRING in pool), for 0xC4/0x62. */
        long nameAddress;

        Entry(String image, int flags, int faultRate, long seed) {
            this.image = image;
            this.flags = flags;
            this.faultRate = faultRate;
            this.seed = seed;
            this.random = new java.util.SplittableRandom(seed);
        }

        public long injectedFailures() {
            return injectedFailures;
        }

        public long thunkedCalls() {
            return thunkedCalls;
        }
    }

    private final Machine machine;
    private final NtExports real;
    private final Map<String, Entry> verified = new LinkedHashMap<>();
    private final Map<String, NtExports> thunks = new LinkedHashMap<>();

    public Verifier(Machine machine) {
        this.machine = machine;
        this.real = new RealExports(machine);
        machine.io.observer = new IoVerification(machine, this);
        machine.kernel.addImageUnloadHook(image -> {
            Entry e = verified.get(key(image.name()));
            if (e != null) checkLeaksAtUnload(e);
        });
    }

    /**
     * Pool Tracking at unload: every pool block, MDL and IRP the driver allocated must be freed by
     * then (by it or by the kernel); otherwise DRIVER_VERIFIER_DETECTED_VIOLATION 0x62 (the driver's
     * name, reserved, the number of allocations not freed)
     * (https://learn.microsoft.com/windows-hardware/drivers/devtest/pool-tracking).
     */
    private void checkLeaksAtUnload(Entry e) {
        if ((e.flags & POOL_TRACKING) == 0) return;
        long leaked = 0;
        for (long va : e.allocations) if (isLive(va)) leaked++;
        if (leaked > 0) {
            throw machine.kernel.KeBugCheckEx(ntspec.ke.BugCheckCode.DRIVER_VERIFIER_DETECTED_VIOLATION, 0x62, e.nameAddress, 0, leaked);
        }
    }

    /** Still allocated: a live pool block starting there, not parked on a lookaside list. */
    private boolean isLive(long va) {
        if (ntspec.mm.SpecialPool.contains(va)) return machine.mm.specialPool.isLive(va);
        var a = machine.mm.pool.find(va);
        return a != null && a.va == va && !a.isFreed() && !machine.mm.pool.isOnLookasideList(va);
    }

    /** Low Resources Simulation's default: 600 failures in 10,000 calls (6 %). */
    public static final int DEFAULT_FAULT_RATE = 600;

    /** verifier /flags FLAGS /driver IMAGE (volatile: from the next call on); faults at the default rate, seed 0. */
    public void enable(String image, int flags) {
        enable(image, flags, DEFAULT_FAULT_RATE, 0);
    }

    /** The same with Low Resources Simulation's rate (failures per 10,000 calls) and the seed of its draws. */
    public void enable(String image, int flags, int faultRate, long seed) {
        if (faultRate < 0 || faultRate > 10000) throw new IllegalArgumentException("a fault rate is 0 to 10000 failures per 10,000 calls: " + faultRate);
        Entry e = new Entry(image, flags, faultRate, seed);
        e.nameAddress = unicodeString(image);
        verified.put(key(image), e);
        VerifierThunks t = new VerifierThunks(machine, real, e);
        t.prepareRules();
        thunks.put(key(image), t);
        machine.trace.add(ntspec.trace.Trace.Kind.NOTE, String.format("Driver Verifier enabled for %s, flags 0x%X", image, flags));
    }

    /** Verifier's copy of a driver's name, a UNICODE_STRING in nonpaged pool (what 0xC4/0x62 points at). */
    private long unicodeString(String text) {
        return machine.mm.allocateUnicodeString(text, ntspec.mm.Pool.tag("VfNm"));
    }

    public boolean isVerified(String image) {
        return verified.containsKey(key(image));
    }

    public Entry entry(String image) {
        return verified.get(key(image));
    }

    public java.util.Collection<Entry> entries() {
        return java.util.List.copyOf(verified.values());
    }

    /** What the image's import table points at: Verifier's thunks for a verified driver, else the kernel's routines. */
    public NtExports exportsFor(String image) {
        NtExports t = thunks.get(key(image));
        return t != null ? t : real;
    }

    private static String key(String image) {
        return image.toLowerCase(java.util.Locale.ROOT);
    }

    /** {@code !verifier}: the verified drivers, their flags and counters. */
    public String dump() {
        StringBuilder b = new StringBuilder("kd> !verifier\n");
        if (verified.isEmpty()) return b.append("Driver Verifier is not enabled for any driver.\n").toString();
        for (Entry e : verified.values()) {
            b.append(String.format("Verify Flags Level 0x%08X%n", e.flags));
            b.append(String.format("  %-24s thunked calls %d, MDL checks %d, Trims %d%n", e.image, e.thunkedCalls, e.mdlChecks, e.trims));
            if ((e.flags & POOL_TRACKING) != 0) {
                long live = e.allocations.stream().filter(this::isLive).count();
                b.append(String.format("  Pool Tracking: %d allocations outstanding%n", live));
                e.allocations.stream().filter(this::isLive).limit(16).forEach(va -> b.append(String.format("    %016x%n", va)));
            }
            if ((e.flags & LOW_RESOURCES_SIMULATION) != 0) {
                b.append(String.format("  Low resources simulation: %d in 10000 calls, seed %d, %d failures injected%n", e.faultRate, e.seed, e.injectedFailures));
            }
        }
        return b.toString();
    }
}
