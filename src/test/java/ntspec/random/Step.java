package ntspec.random;

import static ntspec.mm.MdlRoutines.*;

import java.util.ArrayList;
import java.util.List;
import ntspec.io.IoConstants;
import ntspec.io.Irp;
import ntspec.mm.Mdl;
import ntspec.mm.Protection;
import ntspec.random.Harness.Buf;
import ntspec.random.Harness.MdlRec;
import ntspec.random.Harness.Obj;
import ntspec.random.Harness.Pick;
import ntspec.random.Harness.Proc;

/** One call of a random sequence, printed as the driver code it stands for. */
sealed interface Step {
    void apply(Harness h);

    long[] LENGTHS = {1, 0x100, 0x1000, 0x2345, 0x10000, 0, 0xFFFFF000L, 0x80000000L};
    long[] POOL_SIZES = {0x10, 0x64, 0xFF0, 0x1000, 0x3000, 0x100000, 0x8000_0000_0000_0000L, 0xFFFF_FFFF_FFFF_FFF0L, 0x40_0000_0000L};
    long[] PAGE_BYTES = {0x1000, 0x3000, 0x20000, 0x10000000L, 0x1_0000_0000L, 0xFFFF_FFFF_FFFF_FFFFL};
    int[] PRIORITIES = {NormalPagePriority, LowPagePriority, HighPagePriority, NormalPagePriority | MdlMappingNoWrite,
        NormalPagePriority | MdlMappingNoExecute};

    static long pick(long[] values, int choice) {
        return values[Math.floorMod(choice, values.length)];
    }

    record AllocBuffer(int pages, int prot) implements Step {
        public void apply(Harness h) {
            Proc p = h.current();
            if (p == null) return;
            var r = h.machine.mm.vm.NtAllocateVirtualMemory(p.process(), 0, (long) Math.max(1, pages) << 12,
                    Protection.MEM_COMMIT | Protection.MEM_RESERVE, h.protection(prot));
            if (r.ok()) h.bufs.add(new Buf(p, r.base(), r.size()));
        }

        public String toString() {
            return "NtAllocateVirtualMemory(" + pages + " pages, prot#" + prot + ")";
        }
    }

    record UserAccess(Pick buf, int offset, boolean write) implements Step {
        public void apply(Harness h) {
            long va = h.bufferAddress(buf, offset);
            var mm = h.machine.mm;
            h.machine.kernel.tryExcept(() -> {
                if (write) mm.writeByte(va, mm.readByte(va, true), true);
                else mm.readByte(va, true);
            }, code -> { });
        }

        public String toString() {
            return "user " + (write ? "write " : "read ") + buf + "+" + offset;
        }
    }

    record Protect(Pick buf, int prot) implements Step {
        public void apply(Harness h) {
            Buf b = Harness.pick(h.bufs, buf.index(), x -> !x.freed, true);
            if (b == null || b.owner.process().hasExited()) return;
            h.machine.mm.vm.NtProtectVirtualMemory(b.owner.process(), b.base, 0x1000, h.protection(prot));
        }

        public String toString() {
            return "NtProtectVirtualMemory(" + buf + ", one page, prot#" + prot + ")";
        }
    }

    record FreeBuffer(Pick buf) implements Step {
        public void apply(Harness h) {
            Buf b = Harness.pick(h.bufs, buf.index(), x -> !x.freed, true);
            if (b == null || b.owner.process().hasExited()) return;
            var r = h.machine.mm.vm.NtFreeVirtualMemory(b.owner.process(), b.base, 0, Protection.MEM_RELEASE);
            if (r.ok()) b.freed = true;
        }

        public String toString() {
            return "NtFreeVirtualMemory(" + buf + ", MEM_RELEASE)";
        }
    }

    record AllocMdl(Pick buf, int offset, int length, Pick irp) implements Step {
        public void apply(Harness h) {
            long va = h.bufferAddress(buf, offset);
            long len = pick(LENGTHS, length);
            long irpAddress = irp == null || h.irps.isEmpty() ? 0 : h.irpAddress(irp);
            Irp i = irpAddress == 0 ? null : h.irp(irpAddress);
            h.driver(() -> {
                Mdl m = h.w.IoAllocateMdl(va, len, i != null && length % 2 == 0, false, i);
                if (m != null) h.born(m.address, new MdlRec(m.address, false));
            });
        }

        public String toString() {
            return "IoAllocateMdl(" + buf + "+" + offset + ", " + Long.toHexString(pick(LENGTHS, length)) + ", irp " + irp + ")";
        }
    }

    record ProbeAndLock(Pick mdl, boolean userMode, int operation) implements Step {
        public void apply(Harness h) {
            long m = h.mdlAddress(mdl);
            h.misuseIfNotFresh(m);
            boolean[] raised = {false};
            h.driver(() -> h.w.__try(() -> h.w.MmProbeAndLockPages(h.machine.mm.mdl.at(m), userMode ? UserMode : KernelMode, Math.floorMod(operation, 3)),
                    code -> raised[0] = true));
            if (!h.halted() && !raised[0]) h.lockedBy(m);
        }

        public String toString() {
            return "MmProbeAndLockPages(" + mdl + ", " + (userMode ? "UserMode" : "KernelMode") + ", op " + Math.floorMod(operation, 3) + ")";
        }
    }

    record ProbeAndLockProcess(Pick mdl, int proc, int operation) implements Step {
        public void apply(Harness h) {
            long m = h.mdlAddress(mdl);
            Proc p = h.procs.get(Math.floorMod(proc, h.procs.size()));
            h.misuseIfNotFresh(m);
            boolean[] raised = {false};
            h.driver(() -> h.w.__try(() -> h.w.MmProbeAndLockProcessPages(h.machine.mm.mdl.at(m), p.process(), UserMode,
                    Math.floorMod(operation, 3)), code -> raised[0] = true));
            if (!h.halted() && !raised[0]) h.lockedBy(m);
        }

        public String toString() {
            return "MmProbeAndLockProcessPages(" + mdl + ", process #" + proc + ")";
        }
    }

    record Unlock(Pick mdl) implements Step {
        public void apply(Harness h) {
            long m = h.mdlAddress(mdl);
            Harness.MdlView before = m == 0 ? null : h.view(m);
            MdlRec r = h.lastMdlAt(m);
            if (r != null && r.unrecordedMapping) h.undetected = "MmUnlockPages with a second kernel mapping left";
            if (r != null && r.userVa != 0 && !r.pages) h.undetected = "MmUnlockPages with a user mapping left";
            if (h.reservedMapping(m) != null) h.undetected = "MmUnlockPages of an MDL a reserved mapping still maps";
            h.driver(() -> h.w.MmUnlockPages(h.machine.mm.mdl.at(m)));
            if (!h.halted() && before != null) h.unlockedBy(before);
        }

        public String toString() {
            return "MmUnlockPages(" + mdl + ")";
        }
    }

    record MapLocked(Pick mdl, boolean userMode, int cache, boolean bugCheck, int priority) implements Step {
        public void apply(Harness h) {
            long m = h.mdlAddress(mdl);
            // The MDL must describe locked pages (probed, built for nonpaged pool, allocated for an
            // MDL, or a partial MDL of such): otherwise its PFN array holds whatever the storage
            // held, and the free build maps it unchecked (the checked build ASSERTs; Verifier stops it).
            Integer lockState = mdl.kind() == Harness.Kind.LIVE && m != 0 ? h.flags(m) : null;
            if (lockState != null && (lockState & (Mdl.MDL_PAGES_LOCKED | Mdl.MDL_SOURCE_IS_NONPAGED_POOL | Mdl.MDL_PARTIAL)) == 0) {
                h.undetected = "MmMapLockedPagesSpecifyCache of an MDL that describes no locked pages";
            }
            long[] va = {0};
            h.driver(() -> h.w.__try(() -> va[0] = h.w.MmMapLockedPagesSpecifyCache(h.machine.mm.mdl.at(m), userMode ? UserMode : KernelMode,
                    Math.floorMod(cache, 3), 0, bugCheck, (int) pick(toLongs(PRIORITIES), priority)), code -> { }));
            MdlRec r = h.lastMdlAt(m);
            if (r != null && va[0] != 0) {
                if (userMode) {
                    if (r.userVa != 0) h.leaked = true;
                    r.userVa = va[0];
                    r.userProcess = h.current();
                } else {
                    if (r.systemVa != 0) {
                        r.unrecordedMapping = true;
                        h.leaked = true;
                    }
                    r.systemVa = va[0];
                    Integer f = h.flags(m);
                    if (f != null && (f & Mdl.MDL_SOURCE_IS_NONPAGED_POOL) != 0) r.poolMapping = true;
                }
            }
        }

        public String toString() {
            return "MmMapLockedPagesSpecifyCache(" + mdl + ", " + (userMode ? "UserMode" : "KernelMode") + ", cache " + Math.floorMod(cache, 3)
                    + ", " + (bugCheck ? "TRUE" : "FALSE") + ", priority#" + priority + ")";
        }
    }

    static long[] toLongs(int[] v) {
        long[] r = new long[v.length];
        for (int i = 0; i < v.length; i++) r[i] = v[i];
        return r;
    }

    record GetSystemAddress(Pick mdl) implements Step {
        public void apply(Harness h) {
            long m = h.mdlAddress(mdl);
            long[] va = {0};
            h.driver(() -> va[0] = h.w.MmGetSystemAddressForMdlSafe(h.machine.mm.mdl.at(m), NormalPagePriority));
            MdlRec r = h.lastMdlAt(m);
            if (r != null && va[0] != 0) r.systemVa = va[0];
        }

        public String toString() {
            return "MmGetSystemAddressForMdlSafe(" + mdl + ")";
        }
    }

    record Unmap(Pick mdl, int which) implements Step {
        public void apply(Harness h) {
            long m = h.mdlAddress(mdl);
            MdlRec r = h.mdlAt(m);
            int w = Math.floorMod(which, 4);
            long va = switch (w) {
                case 0 -> r == null ? 0 : r.systemVa;
                case 1 -> r == null ? 0 : r.userVa;
                case 2 -> r == null ? 0x1000 : r.systemVa + 0x1000;
                default -> 0;
            };
            if (w == 2) h.leaked = true;
            if (w == 1 && r != null && r.userProcess != null && r.userProcess != h.current()) return;
            h.driver(() -> h.w.MmUnmapLockedPages(va, h.machine.mm.mdl.at(m)));
            if (!h.halted() && r != null && w == 1) r.userVa = 0;
            if (!h.halted() && r != null && w == 0) r.poolMapping = false;
        }

        public String toString() {
            return "MmUnmapLockedPages(" + new String[] {"its system VA", "its user VA", "its system VA + 0x1000", "NULL"}[Math.floorMod(which, 4)]
                    + ", " + mdl + ")";
        }
    }

    /** MmBuildMdlForNonPagedPool or MmPrepareMdlForReuse: one MDL, no result. */
    record MdlOnly(Pick mdl, boolean build) implements Step {
        public void apply(Harness h) {
            long m = h.mdlAddress(mdl);
            Long start = m == 0 ? null : h.dbg.read(m + 0x20, 8);
            if (build && start != null && ntspec.mm.MmLayout.isUserAddress(start)) {
                // The MDL then names user pages it holds no reference on: once the process frees
                // them, a mapping of the MDL maps free pages. Nothing in the free build checks.
                h.undetected = "MmBuildMdlForNonPagedPool of a user buffer";
            }
            Long offset = m == 0 ? null : h.dbg.read(m + 0x2C, 4);
            var a = build && start != null && offset != null ? h.machine.mm.pool.find(start + offset) : null;
            if (a != null && ntspec.mm.Pool.isPaged(a.poolType)) {
                // Paged pool: the MDL names pages the pool may page out (a trim frees them under any
                // mapping of the MDL). The routine requires nonpaged memory; the free build does not check.
                h.undetected = "MmBuildMdlForNonPagedPool of paged pool";
            }
            h.driver(() -> {
                if (build) h.w.MmBuildMdlForNonPagedPool(h.machine.mm.mdl.at(m));
                else h.w.MmPrepareMdlForReuse(h.machine.mm.mdl.at(m));
            });
        }

        public String toString() {
            return (build ? "MmBuildMdlForNonPagedPool(" : "MmPrepareMdlForReuse(") + mdl + ")";
        }
    }

    record AllocPages(int bytes, int flags, int cache) implements Step {
        public void apply(Harness h) {
            long n = pick(PAGE_BYTES, bytes);
            h.driver(() -> {
                Mdl m = h.w.MmAllocatePagesForMdlEx(0, -1L, 0, n, Math.floorMod(cache, 3), Math.floorMod(flags, 8) & 0x5);
                if (m != null) h.born(m.address, new MdlRec(m.address, true));
            });
        }

        public String toString() {
            return "MmAllocatePagesForMdlEx(" + Long.toHexString(pick(PAGE_BYTES, bytes)) + " bytes, flags " + (Math.floorMod(flags, 8) & 0x5) + ")";
        }
    }

    record FreePages(Pick mdl) implements Step {
        public void apply(Harness h) {
            long m = h.mdlAddress(mdl);
            MdlRec r = h.lastMdlAt(m);
            // MmFreePagesFromMdl releases a system mapping (Windows 7 and later) but not a user one:
            // the process keeps a mapping of free pages, which nothing checks.
            if (r != null && r.userVa != 0) h.undetected = "MmFreePagesFromMdl with a user mapping left";
            if (r != null && r.unrecordedMapping) h.undetected = "MmFreePagesFromMdl with a second kernel mapping left";
            if (h.reservedMapping(m) != null) h.undetected = "MmFreePagesFromMdl of an MDL a reserved mapping still maps";
            // An MDL MmAllocatePagesForMdlEx did not make: pages it describes that came from there
            // (a partial MDL of them) are freed under their owner, unchecked.
            if (r == null || !r.pages || r.othersPages) h.undetected = "MmFreePagesFromMdl of an MDL MmAllocatePagesForMdlEx did not make";
            h.driver(() -> h.w.MmFreePagesFromMdl(h.machine.mm.mdl.at(m)));
        }

        public String toString() {
            return "MmFreePagesFromMdl(" + mdl + ")";
        }
    }

    record BuildPartial(Pick source, Pick target, int offset, int length) implements Step {
        public void apply(Harness h) {
            long s = h.mdlAddress(source);
            long t = h.mdlAddress(target);
            MdlRec tr = h.mdlAt(t);
            // A partial MDL that is its own source, or one the harness frees with ExFreePool (which
            // does not release a partial MDL's mapping as IoFreeMdl does): misuse that leaks.
            if (s == t || (tr != null && tr.pages)) h.leaked = true;
            if (tr != null) tr.othersPages = true;
            Integer tf = t == 0 ? null : h.flags(t);
            if (tf != null && (tf & (Mdl.MDL_PAGES_LOCKED | Mdl.MDL_MAPPED_TO_SYSTEM_VA | Mdl.MDL_PARTIAL_HAS_BEEN_MAPPED)) != 0) h.leaked = true;
            h.driver(() -> {
                Mdl src = h.machine.mm.mdl.at(s);
                h.w.IoBuildPartialMdl(src, h.machine.mm.mdl.at(t), src.virtualAddress() + Math.floorMod(offset, 0x3000),
                        Math.floorMod(length, 4) * 0x800L);
            });
        }

        public String toString() {
            return "IoBuildPartialMdl(" + source + ", " + target + ", +" + Math.floorMod(offset, 0x3000) + ", " + Math.floorMod(length, 4) * 0x800 + ")";
        }
    }

    record FreeMdl(Pick mdl) implements Step {
        public void apply(Harness h) {
            long m = h.mdlAddress(mdl);
            MdlRec r = h.mdlAt(m);
            Integer f = m == 0 ? null : h.flags(m);
            if (r == null || (f != null && ((f & Mdl.MDL_PAGES_LOCKED) != 0
                    || (f & (Mdl.MDL_MAPPED_TO_SYSTEM_VA | Mdl.MDL_PARTIAL)) == Mdl.MDL_MAPPED_TO_SYSTEM_VA || r.userVa != 0))) {
                h.leaked = true;
            }
            if (h.reservedMapping(m) != null) h.leaked = true;
            boolean pages = r != null && r.pages;
            h.driver(() -> {
                if (pages) h.w.ExFreePool(m);
                else h.w.IoFreeMdl(h.machine.mm.mdl.at(m));
            });
            if (r != null) r.freed = true;
        }

        public String toString() {
            return "IoFreeMdl(" + mdl + ")";
        }
    }

    record PoolAlloc(boolean paged, int size) implements Step {
        public void apply(Harness h) {
            long n = pick(POOL_SIZES, size);
            h.driver(() -> {
                long p = h.w.ExAllocatePoolWithTag(paged ? 1 : 512, n, 0x7A7A7546);
                if (p != 0) h.pools.add(new Obj(p));
            });
        }

        public String toString() {
            return "ExAllocatePoolWithTag(" + (paged ? "PagedPool" : "NonPagedPoolNx") + ", " + Long.toHexString(pick(POOL_SIZES, size)) + ")";
        }
    }

    record PoolFree(Pick p) implements Step {
        public void apply(Harness h) {
            long a = h.poolAddress(p);
            if (p.kind() == Harness.Kind.STALE) h.leaked = true;
            // Pool freed while an MDL's extra mapping of it remains (a user mapping, or a second
            // kernel one the documentation forbids for MmBuildMdlForNonPagedPool MDLs): the
            // mapping outlives the page, and nothing in the free build checks.
            for (MdlRec r : h.mdls) {
                if ((r.userVa != 0 && r.userProcess != null && !r.userProcess.process().hasExited()) || r.poolMapping) {
                    h.undetected = "ExFreePool while an MDL still maps pool pages";
                }
            }
            h.driver(() -> h.w.ExFreePool(a));
            for (Obj o : h.pools) if (o.address == a) o.freed = true;
        }

        public String toString() {
            return "ExFreePool(" + p + ")";
        }
    }

    record Irql(boolean raise, int level) implements Step {
        public void apply(Harness h) {
            int l = new int[] {0, 1, 2, 16}[Math.floorMod(level, 4)];
            h.driver(() -> h.w.__try(() -> {
                if (raise) h.w.KeRaiseIrql(l);
                else h.w.KeLowerIrql(l);
            }, code -> { }));
        }

        public String toString() {
            return (raise ? "KeRaiseIrql(" : "KeLowerIrql(") + new int[] {0, 1, 2, 16}[Math.floorMod(level, 4)] + ")";
        }
    }

    record Trim(boolean system, boolean pagingFile) implements Step {
        public void apply(Harness h) {
            if (h.halted()) return;
            Proc p = h.current();
            if (system) h.machine.mm.trimSystemWorkingSet(pagingFile);
            else if (p != null) h.machine.mm.trimWorkingSet(p.process(), pagingFile);
        }

        public String toString() {
            return "trim " + (system ? "system" : "current process") + (pagingFile ? " to the paging file" : "");
        }
    }

    record NewProcess() implements Step {
        public void apply(Harness h) {
            if (h.procs.size() < 4 && h.machine.kernel.KeGetCurrentIrql() == 0) h.newProcess();
        }

        public String toString() {
            return "new process";
        }
    }

    record Switch(int proc) implements Step {
        public void apply(Harness h) {
            Proc p = h.procs.get(Math.floorMod(proc, h.procs.size()));
            if (!p.process().hasExited()) h.machine.kernel.switchTo(p.thread());
        }

        public String toString() {
            return "switch to process #" + proc;
        }
    }

    record Exit(int proc) implements Step {
        public void apply(Harness h) {
            Proc p = h.procs.get(Math.floorMod(proc, h.procs.size()));
            if (p.process().hasExited() || h.machine.kernel.KeGetCurrentIrql() != 0) return;
            try {
                h.machine.ps.PspExitProcess(p.process());
            } catch (ntspec.ke.BugCheckException e) {
                return;
            }
            for (Buf b : h.bufs) if (b.owner == p) b.freed = true;
            for (MdlRec r : h.mdls) if (r.userProcess == p) r.userVa = 0;
            if (h.current() == null) h.machine.kernel.switchTo(h.systemThread);
        }

        public String toString() {
            return "exit process #" + proc;
        }
    }

    record AllocIrp(int stack, boolean quota, boolean threaded) implements Step {
        public void apply(Harness h) {
            int n = 1 + Math.floorMod(stack, 3);
            h.driver(() -> {
                Irp irp = h.w.IoAllocateIrp(n, quota);
                if (irp == null) return;
                if (threaded) irp.Tail.Overlay.setThread(h.machine.kernel.currentThread());
                h.bornIrp(irp.address);
            });
        }

        public String toString() {
            return "IoAllocateIrp(" + (1 + Math.floorMod(stack, 3)) + ", " + quota + ")" + (threaded ? " with the current thread" : "");
        }
    }

    record SendIrp(Pick irp) implements Step {
        public void apply(Harness h) {
            long a = h.irpAddress(irp);
            h.driver(() -> {
                Irp i = h.irp(a);
                h.machine.io.irp.IoGetNextIrpStackLocation(i).setMajorFunction(IoConstants.IRP_MJ_DEVICE_CONTROL);
                h.w.IoCallDriver(h.device, i);
            });
        }

        public String toString() {
            return "IoCallDriver(Fuzz device, " + irp + ")";
        }
    }

    record CompleteIrp(Pick irp, boolean success) implements Step {
        public void apply(Harness h) {
            long a = h.irpAddress(irp);
            List<Harness.MdlView> chain = new ArrayList<>();
            List<Long> chainAddresses = new ArrayList<>();
            // An IRP never sent (CurrentLocation StackCount + 1): completion clears the stack
            // location one past its end, over whatever pool block follows. Windows does the same.
            Long location = a == 0 ? null : h.dbg.read(a + 0x43, 1);
            Long count = a == 0 ? null : h.dbg.read(a + 0x42, 1);
            if (location != null && count != null && location > count) h.leaked = true;
            if (a != 0) {
                Long mdl = h.dbg.read(a + 8, 8);
                for (int n = 0; mdl != null && mdl != 0 && n < 16; n++) {
                    Harness.MdlView v = h.view(mdl);
                    if (v == null) break;
                    chain.add(v);
                    chainAddresses.add(mdl);
                    mdl = h.dbg.read(mdl, 8);
                }
            }
            h.driver(() -> {
                Irp i = h.irp(a);
                i.IoStatus.setStatus(success ? 0 : 0xC0000001);
                h.w.IoCompleteRequest(i, 0);
            });
            if (h.halted()) return;
            for (Harness.MdlView v : chain) h.unlockedBy(v);
            h.reconcile();
        }

        public String toString() {
            return "IoCompleteRequest(" + irp + ", " + (success ? "STATUS_SUCCESS" : "STATUS_UNSUCCESSFUL") + ")";
        }
    }

    record FreeIrp(Pick irp) implements Step {
        public void apply(Harness h) {
            long a = h.irpAddress(irp);
            if (irp.kind() == Harness.Kind.STALE) h.leaked = true;
            h.driver(() -> h.w.IoFreeIrp(h.irp(a)));
            for (Obj o : h.irps) if (o.address == a) o.freed = true;
        }

        public String toString() {
            return "IoFreeIrp(" + irp + ")";
        }
    }

    /** MmAllocateMappingAddress of 0 to 5 pages (0 is the misuse SYSTEM_PTE_MISUSE 0x100 reports). */
    record ReserveMapping(int pages) implements Step {
        public void apply(Harness h) {
            long[] va = {0};
            h.driver(() -> va[0] = h.w.MmAllocateMappingAddress((long) Math.floorMod(pages, 6) << 12, Harness.RESERVE_TAG));
            if (va[0] != 0) h.reserved.add(new Harness.Reserved(va[0]));
        }

        public String toString() {
            return "MmAllocateMappingAddress(" + Math.floorMod(pages, 6) + " pages, 'Fuzz')";
        }
    }

    /**
     * MmMapLockedPagesWithReservedMapping of a live MDL that describes locked pages (one that does
     * not maps whatever its PFN array holds, which nothing checks: not generated) into a live
     * reserved range; a range already mapped is SYSTEM_PTE_MISUSE 0x107, an MDL larger than the
     * range is NULL.
     */
    record MapReserved(int range, Pick mdl) implements Step {
        public void apply(Harness h) {
            Harness.Reserved r = Harness.pick(h.reserved, range, x -> !x.freed, true);
            if (r == null) throw new Harness.NothingToPick();
            if (mdl.kind() != Harness.Kind.LIVE) return;
            long m = h.mdlAddress(mdl);
            Integer f = m == 0 ? null : h.flags(m);
            if (f == null || (f & Mdl.MDL_PAGES_LOCKED) == 0) return;
            long[] va = {0};
            h.driver(() -> va[0] = h.w.MmMapLockedPagesWithReservedMapping(r.address, Harness.RESERVE_TAG, h.machine.mm.mdl.at(m), MmCached));
            if (va[0] != 0) r.mdl = m;
        }

        public String toString() {
            return "MmMapLockedPagesWithReservedMapping(reserved#" + range + ", " + mdl + ")";
        }
    }

    /** MmUnmapReservedMapping of a live range with the MDL mapped there (an empty range is SYSTEM_PTE_MISUSE 0x109). */
    record UnmapReserved(int range) implements Step {
        public void apply(Harness h) {
            Harness.Reserved r = Harness.pick(h.reserved, range, x -> !x.freed, true);
            if (r == null) throw new Harness.NothingToPick();
            long m = r.mdl;
            h.driver(() -> h.w.MmUnmapReservedMapping(r.address, Harness.RESERVE_TAG, h.machine.mm.mdl.at(m)));
            if (!h.halted()) r.mdl = 0;
        }

        public String toString() {
            return "MmUnmapReservedMapping(reserved#" + range + ")";
        }
    }

    /** MmFreeMappingAddress of a live range (one still mapped is SYSTEM_PTE_MISUSE 0x103). */
    record FreeReserved(int range) implements Step {
        public void apply(Harness h) {
            Harness.Reserved r = Harness.pick(h.reserved, range, x -> !x.freed, true);
            if (r == null) throw new Harness.NothingToPick();
            h.driver(() -> h.w.MmFreeMappingAddress(r.address, Harness.RESERVE_TAG));
            if (!h.halted()) r.freed = true;
        }

        public String toString() {
            return "MmFreeMappingAddress(reserved#" + range + ")";
        }
    }

    /** MmAllocateContiguousMemory of 1 to 8 pages anywhere below 4 GiB. */
    record AllocContiguous(int pages) implements Step {
        public void apply(Harness h) {
            long[] va = {0};
            h.driver(() -> va[0] = h.w.MmAllocateContiguousMemory((long) (Math.floorMod(pages, 8) + 1) << 12, 0xFFFFFFFFL));
            if (va[0] != 0) h.contiguous.add(new Obj(va[0]));
        }

        public String toString() {
            return "MmAllocateContiguousMemory(" + (Math.floorMod(pages, 8) + 1) + " pages)";
        }
    }

    /**
     * MmFreeContiguousMemory; a pointer that is not an allocation's start is BAD_POOL_CALLER 0x60,
     * but a stale one whose frames another allocation now starts at frees that one, unchecked.
     */
    record FreeContiguous(Pick p) implements Step {
        public void apply(Harness h) {
            long a = h.contiguousAddress(p);
            if (p.kind() == Harness.Kind.STALE) h.undetected = "MmFreeContiguousMemory of a stale address";
            h.driver(() -> h.w.MmFreeContiguousMemory(a));
            if (!h.halted()) for (Obj o : h.contiguous) if (o.address == a) o.freed = true;
        }

        public String toString() {
            return "MmFreeContiguousMemory(" + p + ")";
        }
    }
}
