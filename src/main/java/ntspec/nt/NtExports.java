package ntspec.nt;

import ntspec.mm.EProcess;
import ntspec.mm.Mdl;

/**
 * The kernel exports a driver image imports that Driver Verifier thunks: what a driver's import
 * table points at. A driver that is not verified reaches the real routines; a verified one reaches
 * Verifier's wrappers, which check before and after calling the same real routines. The set grows
 * with the checks Verifier makes.
 */
public interface NtExports {
    /** Any export is being called (Verifier's DDI compliance checks the IRQL rules here, by routine name). */
    default void calling(String ddi) {
    }

    int KeRaiseIrql(int newIrql);

    void KeLowerIrql(int newIrql);

    void MmProbeAndLockPages(Mdl mdl, int accessMode, int operation);

    void MmProbeAndLockProcessPages(Mdl mdl, EProcess process, int accessMode, int operation);

    void MmUnlockPages(Mdl mdl);

    long MmMapLockedPagesSpecifyCache(Mdl mdl, int accessMode, int cacheType, long requestedAddress, boolean bugCheckOnFailure,
                                      int priority);

    /** MmMapLockedPages (obsolete): MmMapLockedPagesSpecifyCache(MmCached, NULL, TRUE, HighPagePriority). */
    long MmMapLockedPages(Mdl mdl, int accessMode);

    void MmUnmapLockedPages(long baseAddress, Mdl mdl);

    void IoFreeMdl(Mdl mdl);

    Mdl IoAllocateMdl(long virtualAddress, long length, boolean secondaryBuffer, boolean chargeQuota, ntspec.io.Irp irp);

    long ExAllocatePoolWithTag(int poolType, long numberOfBytes, int tag);

    ntspec.io.Irp IoAllocateIrp(int stackSize, boolean chargeQuota);

    Mdl MmAllocatePagesForMdlEx(long lowAddress, long highAddress, long skipBytes, long totalBytes, int cacheType, int flags);

    void MmFreePagesFromMdl(Mdl mdl);

    void ProbeForRead(long address, long length, int alignment);

    void ProbeForWrite(long address, long length, int alignment);

    void MmBuildMdlForNonPagedPool(Mdl mdl);

    long MmAllocateContiguousMemorySpecifyCache(long numberOfBytes, long lowestAcceptableAddress, long highestAcceptableAddress,
                                                long boundaryAddressMultiple, int cacheType);

    long MmAllocateContiguousMemory(long numberOfBytes, long highestAcceptableAddress);
}
