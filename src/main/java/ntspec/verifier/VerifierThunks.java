package ntspec.verifier;

import static ntspec.mm.Mdl.*;

import ntspec.Machine;
import ntspec.ke.BugCheckCode;
import ntspec.ke.Irql;
import ntspec.mm.EProcess;
import ntspec.mm.Mdl;
import ntspec.mm.MdlRoutines;
import ntspec.mm.MmLayout;
import ntspec.nt.NtExports;

/**
 * Verifier's wrappers for a verified driver's imports: each checks the call as Driver Verifier's
 * automatic checks do, then calls the real routine. A violation is bug check 0xC4
 * DRIVER_VERIFIER_DETECTED_VIOLATION with the subcode and parameters of Microsoft's table
 * (https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc4--driver-verifier-detected-violation):
 * IRQL (0x30, 0x31, 0x70, 0x71, 0x74-0x79) and MDL usage (0x7C, 0x7D, 0x81, 0x82, 0xB0-0xB6, 0xB8), the
 * latter listed among the automatic checks since Windows Vista
 * (https://learn.microsoft.com/windows-hardware/drivers/devtest/automatic-checks).
 */
final class VerifierThunks implements NtExports {
    /** What MmProbeAndLockPages requires clear (ReactOS asserts the same mask in mdlsup.c). */
    private static final int PROBE_BAD_FLAGS = MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL
            | MDL_PARTIAL | MDL_IO_SPACE;

    private final Machine machine;
    private final NtExports real;
    private final Verifier.Entry entry;

    VerifierThunks(Machine machine, NtExports real, Verifier.Entry entry) {
        this.machine = machine;
        this.real = real;
        this.entry = entry;
    }

    private RuntimeException violation(long subcode, long p2, long p3, long p4) {
        throw machine.kernel.KeBugCheckEx(BugCheckCode.DRIVER_VERIFIER_DETECTED_VIOLATION, subcode, p2, p3, p4);
    }

    private int irql() {
        return machine.kernel.KeGetCurrentIrql();
    }

    private int flags(Mdl mdl) {
        entry.mdlChecks++;
        return mdl.MdlFlags() & 0xFFFF;
    }

    /**
     * Pool Tracking (0x8) turns on the kernel's locked-page tracking for the driver's locks (Vista
     * and later): a process that exits with them still held is 0xCB, naming the MDL
     * (https://learn.microsoft.com/windows-hardware/drivers/devtest/pool-tracking).
     */
    private void trackLock(Mdl mdl) {
        if ((entry.flags & Verifier.POOL_TRACKING) != 0) machine.mm.lockedPages.track(mdl);
    }

    @Override
    public int KeRaiseIrql(int newIrql) {
        entry.thunkedCalls++;
        int n = newIrql & 0xFF;
        if (n < irql() || n > Irql.HIGH_LEVEL) throw violation(0x30, irql(), n, 0);
        if ((entry.flags & Verifier.FORCE_IRQL_CHECKING) != 0 && n >= Irql.DISPATCH_LEVEL) {
            // Force IRQL Checking: all system pageable memory leaves the working set, so a touch of
            // it at the raised IRQL faults even where the page happened to be resident
            // (https://learn.microsoft.com/windows-hardware/drivers/devtest/force-irql-checking).
            entry.trims++;
            machine.mm.trimSystemWorkingSet(false);
        }
        return real.KeRaiseIrql(newIrql);
    }

    @Override
    public void KeLowerIrql(int newIrql) {
        entry.thunkedCalls++;
        int n = newIrql & 0xFF;
        if (n > irql() || n > Irql.HIGH_LEVEL) throw violation(0x31, irql(), n, 0);
        real.KeLowerIrql(newIrql);
    }

    @Override
    public void MmProbeAndLockPages(Mdl mdl, int accessMode, int operation) {
        entry.thunkedCalls++;
        if (irql() > Irql.DISPATCH_LEVEL) throw violation(0x70, irql(), mdl.address, accessMode);
        int f = flags(mdl);
        if ((f & PROBE_BAD_FLAGS) != 0) throw violation(0xB0, mdl.address, f, f & PROBE_BAD_FLAGS);
        real.MmProbeAndLockPages(mdl, accessMode, operation);
        trackLock(mdl);
    }

    @Override
    public void MmProbeAndLockProcessPages(Mdl mdl, EProcess process, int accessMode, int operation) {
        entry.thunkedCalls++;
        if (irql() > Irql.DISPATCH_LEVEL) throw violation(0x71, irql(), mdl.address, process == null ? 0 : process.address);
        int f = flags(mdl);
        if ((f & PROBE_BAD_FLAGS) != 0) throw violation(0xB1, mdl.address, f, f & PROBE_BAD_FLAGS);
        real.MmProbeAndLockProcessPages(mdl, process, accessMode, operation);
        trackLock(mdl);
    }

    @Override
    public void MmUnlockPages(Mdl mdl) {
        entry.thunkedCalls++;
        if (irql() > Irql.DISPATCH_LEVEL) throw violation(0x78, irql(), mdl.address, 0);
        int f = flags(mdl);
        if ((f & MDL_PARTIAL) != 0) throw violation(0xB4, mdl.address, f, MDL_PARTIAL);
        if ((f & MDL_SOURCE_IS_NONPAGED_POOL) != 0) throw violation(0x7D, mdl.address, f, 0);
        if ((f & MDL_PAGES_LOCKED) == 0) throw violation(0x7C, mdl.address, f, 0);
        real.MmUnlockPages(mdl);
    }

    private void checkMap(Mdl mdl, int accessMode, long kernelSubcode, long userSubcode) {
        int limit = accessMode == MdlRoutines.KernelMode ? Irql.DISPATCH_LEVEL : Irql.APC_LEVEL;
        if (irql() > limit) throw violation(accessMode == MdlRoutines.KernelMode ? kernelSubcode : userSubcode, irql(), mdl.address, accessMode);
        int f = flags(mdl);
        if (accessMode == MdlRoutines.KernelMode) {
            if ((f & MDL_MAPPED_TO_SYSTEM_VA) != 0) throw violation(0xB2, mdl.address, f, MDL_MAPPED_TO_SYSTEM_VA);
            if ((f & (MDL_PAGES_LOCKED | MDL_PARTIAL)) == 0) throw violation(0xB3, mdl.address, f, MDL_PAGES_LOCKED);
            // 0x85: a page the MDL names is not locked (a partial MDL whose parent was unlocked, say):
            // the MDL, the pages to map, the first unlocked PFN.
            long pages = mdl.pageCount();
            var db = machine.mm.pfnDb;
            for (long i = 0; i < pages; i++) {
                long pfn = mdl.pfn(i);
                if (pfn == LIST_HEAD) break;
                if (db.isRam(pfn) && db.exists(pfn) && db.lockCount(pfn) == 0) throw violation(0x85, mdl.address, pages, pfn);
            }
        } else if ((f & (MDL_PAGES_LOCKED | MDL_PARTIAL | MDL_SOURCE_IS_NONPAGED_POOL)) == 0) {
            throw violation(0xB3, mdl.address, f, MDL_PAGES_LOCKED);
        }
    }

    @Override
    public long MmMapLockedPagesSpecifyCache(Mdl mdl, int accessMode, int cacheType, long requestedAddress, boolean bugCheckOnFailure,
                                             int priority) {
        entry.thunkedCalls++;
        checkMap(mdl, accessMode, 0x76, 0x77);
        if (bugCheckOnFailure) throw violation(0x82, mdl.address, mdl.MdlFlags() & 0xFFFF, 0);
        if (injectFailure("MmMapLockedPagesSpecifyCache")) return 0;
        return real.MmMapLockedPagesSpecifyCache(mdl, accessMode, cacheType, requestedAddress, bugCheckOnFailure, priority);
    }

    @Override
    public long MmMapLockedPages(Mdl mdl, int accessMode) {
        entry.thunkedCalls++;
        checkMap(mdl, accessMode, 0x74, 0x75);
        throw violation(0x81, mdl.address, mdl.MdlFlags() & 0xFFFF, 0);
    }

    @Override
    public void MmUnmapLockedPages(long baseAddress, Mdl mdl) {
        entry.thunkedCalls++;
        if (MmLayout.isUserAddress(baseAddress)) {
            if (irql() > Irql.APC_LEVEL) throw violation(0x7A, irql(), baseAddress, mdl.address);
            // 0xB9: the address is not where a user mapping of an MDL begins in the current process.
            var process = machine.mm.currentProcess();
            var vad = process == null ? null : process.findVad(baseAddress);
            if (vad == null || vad.type != ntspec.mm.Vad.Type.MDL_MAPPING || vad.start() != MmLayout.pageAlign(baseAddress)) {
                throw violation(0xB9, baseAddress, mdl.address, 0);
            }
        } else {
            if (irql() > Irql.DISPATCH_LEVEL) throw violation(0x79, irql(), baseAddress, mdl.address);
            int f = flags(mdl);
            if ((f & MDL_PARTIAL) != 0) throw violation(0xB5, mdl.address, f, MDL_PARTIAL);
            if ((f & MDL_MAPPED_TO_SYSTEM_VA) == 0) throw violation(0xB6, mdl.address, f, MDL_MAPPED_TO_SYSTEM_VA);
        }
        real.MmUnmapLockedPages(baseAddress, mdl);
    }

    @Override
    public void IoFreeMdl(Mdl mdl) {
        entry.thunkedCalls++;
        int f = flags(mdl);
        // A partial MDL's own mapping is IoFreeMdl's to release; any other mapping is the driver's.
        if ((f & (MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL)) == MDL_MAPPED_TO_SYSTEM_VA) throw violation(0xB8, mdl.address, f, 0);
        real.IoFreeMdl(mdl);
    }

    /** Pool Tracking (0x8): the allocation is the driver's until it is freed (checked at unload). */
    private void tracked(long va) {
        if ((entry.flags & Verifier.POOL_TRACKING) != 0) entry.allocations.add(va);
    }

    // ------------------------------------------------------------------ Low Resources Simulation

    /**
     * Low Resources Simulation (0x4): the call fails (NULL) at the configured rate, drawn from the
     * entry's seeded generator so a scenario fails the same calls every run
     * (https://learn.microsoft.com/windows-hardware/drivers/devtest/low-resources-simulation).
     * Windows waits some minutes after boot before injecting; the simulated machine has no boot
     * to protect and injects from the first call.
     */
    private boolean injectFailure(String ddi) {
        boolean fail;
        if ((entry.flags & Verifier.SYSTEMATIC_LOW_RESOURCES_SIMULATION) != 0) {
            // Systematic: the call fails the first time its call site is seen, and passes after
            // (https://learn.microsoft.com/windows-hardware/drivers/devtest/systematic-low-resource-simulation).
            // The site is the driver routine that calls (the return address's routine) and the DDI.
            var caller = machine.kernel.callersImage();
            long returnAddress = caller == null ? 0 : machine.kernel.currentReturnAddress();
            fail = entry.failedSites.add(Long.toHexString(returnAddress) + "!" + ddi);
        } else if ((entry.flags & Verifier.LOW_RESOURCES_SIMULATION) != 0) {
            fail = entry.random.nextInt(10000) < entry.faultRate;
        } else {
            return false;
        }
        if (fail) {
            entry.injectedFailures++;
            machine.trace.add(ntspec.trace.Trace.Kind.NOTE, "Verifier low resources simulation: " + ddi + " fails");
        }
        return fail;
    }

    @Override
    public Mdl IoAllocateMdl(long virtualAddress, long length, boolean secondaryBuffer, boolean chargeQuota, ntspec.io.Irp irp) {
        entry.thunkedCalls++;
        if (injectFailure("IoAllocateMdl")) return null;
        Mdl m = real.IoAllocateMdl(virtualAddress, length, secondaryBuffer, chargeQuota, irp);
        if (m != null) tracked(m.address);
        return m;
    }

    @Override
    public long ExAllocatePoolWithTag(int poolType, long numberOfBytes, int tag) {
        entry.thunkedCalls++;
        rule(irql() > Irql.DISPATCH_LEVEL || (irql() == Irql.DISPATCH_LEVEL && ntspec.mm.Pool.isPaged(poolType)), 0x00020004,
                EX_ALLOCATE_POOL_CONDITION);
        if (injectFailure("ExAllocatePoolWithTag")) return 0;
        long va = 0;
        if ((entry.flags & Verifier.SPECIAL_POOL) != 0 && numberOfBytes > 0 && irql() <= Irql.DISPATCH_LEVEL) {
            // Special Pool: requests of less than a page go to special pool; when it cannot serve
            // them they are served from normal pool, silently
            // (https://learn.microsoft.com/windows-hardware/drivers/devtest/special-pool).
            va = machine.mm.specialPool.allocate(numberOfBytes, tag);
        }
        if (va == 0) va = real.ExAllocatePoolWithTag(poolType, numberOfBytes, tag);
        if (va != 0) tracked(va);
        return va;
    }

    @Override
    public ntspec.io.Irp IoAllocateIrp(int stackSize, boolean chargeQuota) {
        entry.thunkedCalls++;
        if (injectFailure("IoAllocateIrp")) return null;
        ntspec.io.Irp irp = real.IoAllocateIrp(stackSize, chargeQuota);
        if (irp != null) tracked(irp.address);
        return irp;
    }

    // ------------------------------------------------------------------ DDI compliance checking

    /**
     * DDI compliance checking (0x20000): the runtime form of the static IRQL rules. A violation is
     * 0xC4 with the rule's ID, the address of a string stating the condition, and the addresses of
     * the rule's state (here a block in pool holding the IRQL and the rule ID) and supplemental
     * state (https://learn.microsoft.com/windows-hardware/drivers/devtest/ddi-compliance-checking,
     * https://learn.microsoft.com/windows-hardware/drivers/devtest/wdm-irql-rules).
     */
    private void rule(boolean violated, long ruleId, String condition) {
        if (!violated || (entry.flags & Verifier.DDI_COMPLIANCE_CHECKING) == 0) return;
        // The condition text and the rule state live in Verifier's own nonpaged memory, made when
        // the driver was verified (nothing is allocated at the raised IRQL the violation happens at).
        long[] block = ruleBlocks.computeIfAbsent(condition, c -> new long[] {0, 0});
        if (block[0] != 0) {
            machine.mm.write(block[1], 8, irql());
            machine.mm.write(block[1] + 8, 8, ruleId);
        }
        throw violation(ruleId, block[0], block[1], 0);
    }

    /** Per rule condition: {text, state} in nonpaged pool. */
    private final java.util.Map<String, long[]> ruleBlocks = new java.util.HashMap<>();

    private void prepareRule(String condition) {
        var pool = machine.mm.pool;
        long text = pool.ExAllocatePoolWithTag(ntspec.mm.Pool.NonPagedPoolNx, condition.length() + 1, ntspec.mm.Pool.tag("VfRl"));
        long state = pool.ExAllocatePoolWithTag(ntspec.mm.Pool.NonPagedPoolNx, 0x10, ntspec.mm.Pool.tag("VfRl"));
        if (text == 0 || state == 0) return;
        for (int i = 0; i < condition.length(); i++) machine.mm.write(text + i, 1, condition.charAt(i));
        machine.mm.write(text + condition.length(), 1, 0);
        ruleBlocks.put(condition, new long[] {text, state});
    }

    private static String condition(IrqlRule r, String ddi) {
        return r.name + ": " + ddi + " called above " + Irql.name(r.maxIrql);
    }

    private static final String EX_ALLOCATE_POOL_CONDITION =
            "IrqlExAllocatePool: ExAllocatePoolWithTag called at IRQL > DISPATCH_LEVEL, or at DISPATCH_LEVEL for paged pool";

    /** Verifier's rule texts and states, made as the driver is verified. */
    void prepareRules() {
        if ((entry.flags & Verifier.DDI_COMPLIANCE_CHECKING) == 0) return;
        prepareRule(EX_ALLOCATE_POOL_CONDITION);
        IRQL_RULES.forEach((ddi, r) -> prepareRule(condition(r, ddi)));
    }

    /** The WDM IRQL rules with a runtime ID, for the routines the machine exposes: rule, ID, highest IRQL allowed. */
    private record IrqlRule(String name, long id, int maxIrql) {
    }

    private static final java.util.Map<String, IrqlRule> IRQL_RULES = java.util.Map.ofEntries(
            java.util.Map.entry("ExRaiseStatus", new IrqlRule("IrqlExPassive", 0x00020008, Irql.APC_LEVEL)),
            java.util.Map.entry("ProbeForRead", new IrqlRule("IrqlExApcLte2", 0x00020006, Irql.APC_LEVEL)),
            java.util.Map.entry("ProbeForWrite", new IrqlRule("IrqlExApcLte2", 0x00020006, Irql.APC_LEVEL)),
            java.util.Map.entry("IoDeleteDevice", new IrqlRule("IrqlIoApcLte", 0x00020009, Irql.APC_LEVEL)),
            java.util.Map.entry("IoCreateDevice", new IrqlRule("IrqlIoPassive1", 0x0002000A, Irql.PASSIVE_LEVEL)),
            java.util.Map.entry("IoBuildDeviceIoControlRequest", new IrqlRule("IrqlIoPassive1", 0x0002000A, Irql.APC_LEVEL)),
            java.util.Map.entry("IoDetachDevice", new IrqlRule("IrqlIoPassive3", 0x0002000C, Irql.PASSIVE_LEVEL)),
            java.util.Map.entry("MmAllocatePagesForMdl", new IrqlRule("IrqlMmApcLte", 0x00020019, Irql.APC_LEVEL)),
            java.util.Map.entry("MmAllocatePagesForMdlEx", new IrqlRule("IrqlMmApcLte", 0x00020019, Irql.APC_LEVEL)),
            java.util.Map.entry("MmFreePagesFromMdl", new IrqlRule("IrqlMmApcLte", 0x00020019, Irql.APC_LEVEL)),
            java.util.Map.entry("MmAllocateNonCachedMemory", new IrqlRule("IrqlMmApcLte", 0x00020019, Irql.APC_LEVEL)),
            java.util.Map.entry("MmFreeNonCachedMemory", new IrqlRule("IrqlMmApcLte", 0x00020019, Irql.APC_LEVEL)),
            // https://learn.microsoft.com/windows-hardware/drivers/devtest/wdm-irqlmmdispatch
            java.util.Map.entry("MmFreeContiguousMemory", new IrqlRule("IrqlMmDispatch", 0x0002001A, Irql.DISPATCH_LEVEL)),
            // https://learn.microsoft.com/windows-hardware/drivers/devtest/wdm-irqlkesetevent: Wait FALSE up to
            // DISPATCH_LEVEL, Wait TRUE up to APC_LEVEL (the facade reports the second as "KeSetEvent(Wait TRUE)").
            java.util.Map.entry("KeSetEvent", new IrqlRule("IrqlKeSetEvent", 0x00020016, Irql.DISPATCH_LEVEL)),
            java.util.Map.entry("KeSetEvent(Wait TRUE)", new IrqlRule("IrqlKeSetEvent", 0x00020016, Irql.APC_LEVEL)));

    @Override
    public void calling(String ddi) {
        IrqlRule r = IRQL_RULES.get(ddi);
        if (r != null) {
            rule(irql() > r.maxIrql, r.id, condition(r, ddi));
        }
    }

    @Override
    public Mdl MmAllocatePagesForMdlEx(long lowAddress, long highAddress, long skipBytes, long totalBytes, int cacheType, int flags) {
        entry.thunkedCalls++;
        if (irql() > Irql.DISPATCH_LEVEL) throw violation(0x7E, irql(), Irql.DISPATCH_LEVEL, 0);
        if (injectFailure("MmAllocatePagesForMdlEx")) return null;
        return real.MmAllocatePagesForMdlEx(lowAddress, highAddress, skipBytes, totalBytes, cacheType, flags);
    }

    @Override
    public void MmFreePagesFromMdl(Mdl mdl) {
        entry.thunkedCalls++;
        if (irql() > Irql.DISPATCH_LEVEL) throw violation(0x7E, irql(), Irql.DISPATCH_LEVEL, 0);
        real.MmFreePagesFromMdl(mdl);
    }

    @Override
    public void ProbeForRead(long address, long length, int alignment) {
        entry.thunkedCalls++;
        real.ProbeForRead(address, length, alignment);
    }

    @Override
    public void ProbeForWrite(long address, long length, int alignment) {
        entry.thunkedCalls++;
        real.ProbeForWrite(address, length, alignment);
    }

    @Override
    public void MmBuildMdlForNonPagedPool(Mdl mdl) {
        entry.thunkedCalls++;
        int f = flags(mdl);
        // 0x7F: the MDL's pages are paged pool, which can be trimmed under it (IRQL, MDL, flags).
        if (machine.mm.pool.isPagedPoolAddress(mdl.StartVa())) throw violation(0x7F, irql(), mdl.address, f);
        real.MmBuildMdlForNonPagedPool(mdl);
    }

    /** Low Resources Simulation fails MmAllocateContiguousMemory(SpecifyCache) too (Windows Vista and later). */
    @Override
    public long MmAllocateContiguousMemorySpecifyCache(long numberOfBytes, long lowestAcceptableAddress, long highestAcceptableAddress,
                                                       long boundaryAddressMultiple, int cacheType) {
        entry.thunkedCalls++;
        if (injectFailure("MmAllocateContiguousMemorySpecifyCache")) return 0;
        return real.MmAllocateContiguousMemorySpecifyCache(numberOfBytes, lowestAcceptableAddress, highestAcceptableAddress,
                boundaryAddressMultiple, cacheType);
    }

    @Override
    public long MmAllocateContiguousMemory(long numberOfBytes, long highestAcceptableAddress) {
        entry.thunkedCalls++;
        if (injectFailure("MmAllocateContiguousMemory")) return 0;
        return real.MmAllocateContiguousMemory(numberOfBytes, highestAcceptableAddress);
    }
}
