package ntspec.verifier;

import ntspec.Machine;
import ntspec.mm.EProcess;
import ntspec.mm.Mdl;
import ntspec.mm.MdlRoutines;
import ntspec.nt.NtExports;

/** The exports as the kernel implements them: what an unverified driver's imports reach. */
final class RealExports implements NtExports {
    private final Machine machine;

    RealExports(Machine machine) {
        this.machine = machine;
    }

    @Override
    public int KeRaiseIrql(int newIrql) {
        return machine.kernel.KeRaiseIrql(newIrql);
    }

    @Override
    public void KeLowerIrql(int newIrql) {
        machine.kernel.KeLowerIrql(newIrql);
    }

    @Override
    public void MmProbeAndLockPages(Mdl mdl, int accessMode, int operation) {
        machine.mm.mdl.MmProbeAndLockPages(mdl, accessMode, operation);
    }

    @Override
    public void MmProbeAndLockProcessPages(Mdl mdl, EProcess process, int accessMode, int operation) {
        machine.mm.mdl.MmProbeAndLockProcessPages(mdl, process, accessMode, operation);
    }

    @Override
    public void MmUnlockPages(Mdl mdl) {
        machine.mm.mdl.MmUnlockPages(mdl);
    }

    @Override
    public long MmMapLockedPagesSpecifyCache(Mdl mdl, int accessMode, int cacheType, long requestedAddress, boolean bugCheckOnFailure,
                                             int priority) {
        return machine.mm.mdl.MmMapLockedPagesSpecifyCache(mdl, accessMode, cacheType, requestedAddress, bugCheckOnFailure, priority);
    }

    @Override
    public long MmMapLockedPages(Mdl mdl, int accessMode) {
        return machine.mm.mdl.MmMapLockedPagesSpecifyCache(mdl, accessMode, MdlRoutines.MmCached, 0, true, MdlRoutines.HighPagePriority);
    }

    @Override
    public void MmUnmapLockedPages(long baseAddress, Mdl mdl) {
        machine.mm.mdl.MmUnmapLockedPages(baseAddress, mdl);
    }

    @Override
    public void IoFreeMdl(Mdl mdl) {
        machine.io.mdl.IoFreeMdl(mdl);
    }

    @Override
    public Mdl IoAllocateMdl(long virtualAddress, long length, boolean secondaryBuffer, boolean chargeQuota, ntspec.io.Irp irp) {
        return machine.io.mdl.IoAllocateMdl(virtualAddress, length, secondaryBuffer, chargeQuota, irp);
    }

    @Override
    public long ExAllocatePoolWithTag(int poolType, long numberOfBytes, int tag) {
        return machine.mm.pool.ExAllocatePoolWithTag(poolType, numberOfBytes, tag);
    }

    @Override
    public ntspec.io.Irp IoAllocateIrp(int stackSize, boolean chargeQuota) {
        return machine.io.irp.IoAllocateIrp(stackSize, chargeQuota);
    }

    @Override
    public Mdl MmAllocatePagesForMdlEx(long lowAddress, long highAddress, long skipBytes, long totalBytes, int cacheType, int flags) {
        return machine.mm.mdl.MmAllocatePagesForMdlEx(lowAddress, highAddress, skipBytes, totalBytes, cacheType, flags);
    }

    @Override
    public void MmFreePagesFromMdl(Mdl mdl) {
        machine.mm.mdl.MmFreePagesFromMdl(mdl);
    }

    @Override
    public void ProbeForRead(long address, long length, int alignment) {
        machine.mm.mdl.ProbeForRead(address, length, alignment);
    }

    @Override
    public void ProbeForWrite(long address, long length, int alignment) {
        machine.mm.mdl.ProbeForWrite(address, length, alignment);
    }

    @Override
    public void MmBuildMdlForNonPagedPool(Mdl mdl) {
        machine.mm.mdl.MmBuildMdlForNonPagedPool(mdl);
    }

    @Override
    public long MmAllocateContiguousMemorySpecifyCache(long numberOfBytes, long lowestAcceptableAddress, long highestAcceptableAddress,
                                                       long boundaryAddressMultiple, int cacheType) {
        return machine.mm.contiguous.MmAllocateContiguousMemorySpecifyCache(numberOfBytes, lowestAcceptableAddress, highestAcceptableAddress,
                boundaryAddressMultiple, cacheType);
    }

    @Override
    public long MmAllocateContiguousMemory(long numberOfBytes, long highestAcceptableAddress) {
        return machine.mm.contiguous.MmAllocateContiguousMemory(numberOfBytes, highestAcceptableAddress);
    }
}
