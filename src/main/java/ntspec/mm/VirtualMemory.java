package ntspec.mm;

import static ntspec.mm.Protection.*;

import java.util.Map;
import ntspec.hw.Pte;
import ntspec.ke.KApcState;
import ntspec.ke.NtStatus;
import ntspec.trace.Trace;

/**
 * NtAllocateVirtualMemory, NtFreeVirtualMemory and NtProtectVirtualMemory on a process's VADs
 * and PTEs. Each returns an NTSTATUS as the system services do, with the out values in the result.
 */
public final class VirtualMemory {
    /** What a virtual-memory service returns: its status and the (rounded) base and size. */
    public record Result(int status, long base, long size, int oldProtection) {
        public boolean ok() {
            return NtStatus.NT_SUCCESS(status);
        }
    }

    private final Mm mm;

    VirtualMemory(Mm mm) {
        this.mm = mm;
    }

    private Result fail(int status) {
        mm.trace.add(Trace.Kind.RETURN, "virtual memory service failed: " + NtStatus.name(status));
        return new Result(status, 0, 0, 0);
    }

    /** NtAllocateVirtualMemory(process, &base, 0, &size, allocationType, protect). */
    public Result NtAllocateVirtualMemory(EProcess process, long base, long size, int allocationType, int protect) {
        int prot = toMm(protect);
        if (prot < 0) return fail(NtStatus.STATUS_INVALID_PAGE_PROTECTION);
        if ((allocationType & (MEM_COMMIT | MEM_RESERVE)) == 0 || (allocationType & ~(MEM_COMMIT | MEM_RESERVE)) != 0) {
            return fail(NtStatus.STATUS_INVALID_PARAMETER);
        }
        if (size <= 0) return fail(NtStatus.STATUS_INVALID_PARAMETER);
        boolean commit = (allocationType & MEM_COMMIT) != 0;
        if ((allocationType & MEM_RESERVE) != 0 || base == 0) {
            long start = base == 0 ? findFree(process, size) : base & ~(MmLayout.ALLOCATION_GRANULARITY - 1);
            long end = MmLayout.pageAlign(base == 0 ? start + size - 1 : base + size - 1) | 0xFFF;
            if (start == 0) return fail(NtStatus.STATUS_NO_MEMORY);
            if (start < MmLayout.MM_LOWEST_USER_ADDRESS || Long.compareUnsigned(end, MmLayout.MM_HIGHEST_VAD_ADDRESS) > 0) {
                return fail(NtStatus.STATUS_INVALID_PARAMETER);
            }
            if (overlaps(process, start, end)) return fail(NtStatus.STATUS_CONFLICTING_ADDRESSES);
            Vad vad = new Vad(start >>> 12, end >>> 12, prot, commit, Vad.Type.PRIVATE);
            process.vads.put(vad.startingVpn, vad);
            mm.trace.add(Trace.Kind.NOTE, "VAD " + process.name + " " + win32Name(protect) + (commit ? " committed" : " reserved"), start, end + 1 - start);
            return new Result(NtStatus.STATUS_SUCCESS, start, end + 1 - start, 0);
        }
        // MEM_COMMIT inside an existing reservation: write demand-zero PTEs carrying the protection.
        long start = MmLayout.pageAlign(base);
        long end = MmLayout.pageAlign(base + size - 1) | 0xFFF;
        Vad vad = process.findVad(start);
        if (vad == null || !vad.contains(end)) return fail(NtStatus.STATUS_CONFLICTING_ADDRESSES);
        inProcess(process, () -> {
            for (long va = start; va < end; va += MmLayout.PAGE_SIZE) {
                long ptePa = mm.mmu.walk(mm.currentCr3(), va, mm.tableAllocator());
                long pte = mm.memory().readQword(ptePa);
                if (pte == 0 || (!Pte.isValid(pte) && Pte.protection(pte) == MM_DECOMMIT)) {
                    mm.mmu.writePteAt(ptePa, va, Pte.demandZero(prot));
                }
            }
        });
        return new Result(NtStatus.STATUS_SUCCESS, start, end + 1 - start, 0);
    }

    private long findFree(EProcess process, long size) {
        long candidate = MmLayout.MM_LOWEST_USER_ADDRESS;
        long span = (size + MmLayout.ALLOCATION_GRANULARITY - 1) & ~(MmLayout.ALLOCATION_GRANULARITY - 1);
        for (Vad v : process.vads.values()) {
            if (candidate + span <= v.start()) return candidate;
            long after = v.start() + v.size();
            candidate = Math.max(candidate, (after + MmLayout.ALLOCATION_GRANULARITY - 1) & ~(MmLayout.ALLOCATION_GRANULARITY - 1));
        }
        return candidate + span - 1 <= MmLayout.MM_HIGHEST_VAD_ADDRESS ? candidate : 0;
    }

    boolean overlaps(EProcess process, long start, long end) {
        Map.Entry<Long, Vad> below = process.vads.floorEntry(end >>> 12);
        return below != null && below.getValue().endingVpn >= (start >>> 12);
    }

    /** NtFreeVirtualMemory(process, &base, &size, MEM_RELEASE or MEM_DECOMMIT). */
    public Result NtFreeVirtualMemory(EProcess process, long base, long size, int freeType) {
        Vad vad = process.findVad(base);
        if (vad == null) return fail(NtStatus.STATUS_MEMORY_NOT_ALLOCATED);
        if (vad.type == Vad.Type.MDL_MAPPING) return fail(NtStatus.STATUS_UNABLE_TO_DELETE_SECTION);
        long start;
        long end;
        if (freeType == MEM_RELEASE) {
            // Region size 0 releases the whole VAD and needs its base (MiFreeVirtualMemory:
            // STATUS_FREE_VM_NOT_AT_BASE); releasing part of a VAD is not modelled.
            if (size == 0 && MmLayout.pageAlign(base) != vad.start()) return fail(NtStatus.STATUS_FREE_VM_NOT_AT_BASE);
            if (MmLayout.pageAlign(base) != vad.start() || (size != 0 && size != vad.size())) {
                return fail(NtStatus.STATUS_UNABLE_TO_FREE_VM);
            }
            start = vad.start();
            end = start + vad.size() - 1;
        } else if (freeType == MEM_DECOMMIT) {
            start = MmLayout.pageAlign(base);
            end = size == 0 ? vad.start() + vad.size() - 1 : (MmLayout.pageAlign(base + size - 1) | 0xFFF);
            if (!vad.contains(end)) return fail(NtStatus.STATUS_UNABLE_TO_FREE_VM);
        } else {
            return fail(NtStatus.STATUS_INVALID_PARAMETER);
        }
        inProcess(process, () -> {
            for (long va = start; va < end; va += MmLayout.PAGE_SIZE) {
                long ptePa = mm.mmu.walk(mm.currentCr3(), va, null);
                if (ptePa < 0) {
                    if (freeType == MEM_DECOMMIT) {
                        mm.mmu.writePte(mm.currentCr3(), va, Pte.demandZero(MM_DECOMMIT), mm.tableAllocator());
                    }
                    continue;
                }
                long pte = mm.memory().readQword(ptePa);
                if (pte != 0) {
                    mm.releasePte(ptePa, va, pte);
                    mm.flushTlb(va);
                }
                if (freeType == MEM_DECOMMIT) mm.mmu.writePteAt(ptePa, va, Pte.demandZero(MM_DECOMMIT));
            }
        });
        if (freeType == MEM_RELEASE) process.vads.remove(vad.startingVpn);
        mm.trace.add(Trace.Kind.NOTE, (freeType == MEM_RELEASE ? "released " : "decommitted ") + process.name, start, end + 1 - start);
        return new Result(NtStatus.STATUS_SUCCESS, start, end + 1 - start, 0);
    }

    /** NtProtectVirtualMemory(process, &base, &size, newProtect, &oldProtect). */
    public Result NtProtectVirtualMemory(EProcess process, long base, long size, int newProtect) {
        int prot = toMm(newProtect);
        if (prot < 0) return fail(NtStatus.STATUS_INVALID_PAGE_PROTECTION);
        long start = MmLayout.pageAlign(base);
        long end = MmLayout.pageAlign(base + Math.max(size, 1) - 1) | 0xFFF;
        Vad vad = process.findVad(start);
        if (vad == null || !vad.contains(end)) return fail(NtStatus.STATUS_CONFLICTING_ADDRESSES);
        if (vad.type == Vad.Type.MDL_MAPPING) return fail(NtStatus.STATUS_CONFLICTING_ADDRESSES);
        int[] old = {-1};
        boolean[] uncommitted = {false};
        inProcess(process, () -> {
            for (long va = start; va < end; va += MmLayout.PAGE_SIZE) {
                long ptePa = mm.mmu.walk(mm.currentCr3(), va, mm.tableAllocator());
                long pte = mm.memory().readQword(ptePa);
                int current = pte == 0 ? (vad.committed ? vad.protection : MM_DECOMMIT)
                        : Pte.isValid(pte) ? mm.pfnDb.protection(Pte.pfn(pte)) : Pte.protection(pte);
                if (current == MM_DECOMMIT) {
                    uncommitted[0] = true;
                    return;
                }
                if (old[0] < 0) old[0] = current;
                if (Pte.isValid(pte)) {
                    long pfn = Pte.pfn(pte);
                    mm.pfnDb.setProtection(pfn, prot);
                    if (isNoAccess(prot) || isGuard(prot)) {
                        // The page leaves the working set: the PTE keeps only the protection and the frame.
                        mm.mmu.writePteAt(ptePa, va, Pte.transition(pfn, prot));
                        mm.pfnDb.setShareCount(pfn, 0);
                        if ((pte & Pte.D) != 0) mm.pfnDb.setModified(pfn, true);
                        mm.mdl.dereference(pfn);
                    } else {
                        mm.mmu.writePteAt(ptePa, va, Mm.validPte(pfn, prot, true) | (pte & (Pte.A | Pte.D)));
                    }
                    mm.flushTlb(va);
                } else if (pte == 0) {
                    mm.mmu.writePteAt(ptePa, va, Pte.demandZero(prot));
                } else {
                    mm.mmu.writePteAt(ptePa, va, (pte & ~Pte.PROTECTION_MASK) | ((long) prot << Pte.PROTECTION_SHIFT));
                    if (Pte.isTransition(pte)) mm.pfnDb.setProtection(Pte.pfn(pte), prot);
                }
            }
        });
        if (uncommitted[0]) return fail(NtStatus.STATUS_NOT_COMMITTED);
        mm.trace.add(Trace.Kind.NOTE, "protection of " + process.name + " set to " + win32Name(newProtect), start, end + 1 - start);
        return new Result(NtStatus.STATUS_SUCCESS, start, end + 1 - start, toWin32(old[0]));
    }

    /** Runs body in the process's address space (KeStackAttachProcess when it is not current). */
    void inProcess(EProcess process, Runnable body) {
        if (mm.kernel.currentProcess() == process) {
            body.run();
            return;
        }
        KApcState state = new KApcState();
        mm.kernel.KeStackAttachProcess(process, state);
        try {
            body.run();
        } finally {
            // A bug check inside stops the machine where it stood: nothing detaches.
            if (mm.kernel.bugCheck() == null) mm.kernel.KeUnstackDetachProcess(state);
        }
    }
}
