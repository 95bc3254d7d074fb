package ntspec.wdm;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import ntspec.Machine;
import ntspec.io.DeviceObject;
import ntspec.io.DriverObject;
import ntspec.io.IoCompletionRoutine;
import ntspec.io.IoStackLocation;
import ntspec.io.Irp;
import ntspec.ke.KEvent;
import ntspec.ke.CodeImage;
import ntspec.ke.Irql;
import ntspec.ke.KApcState;
import ntspec.ke.NtStatus;
import ntspec.mm.EProcess;
import ntspec.mm.Mdl;
import ntspec.mm.MdlRoutines;
import ntspec.trace.Trace;

/**
 * The driver-facing facade: DDIs under their WDK names, with wdm.h's argument order, bound to
 * one machine and one driver image. A driver model extends it so its code reads like C:
 * {@code MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)}. Every call is traced, runs as nt's
 * code (a fault inside is the kernel's), and returns to the driver's code address.
 */
public class Wdm implements WdmConstants {
    protected final Machine machine;
    protected final CodeImage image;

    public Wdm(Machine machine, CodeImage image) {
        this.machine = machine;
        this.image = image;
    }

    /** A facade for a newly loaded driver image named {@code imageName}. */
    public Wdm(Machine machine, String imageName) {
        this(machine, machine.kernel.loadImage(imageName, 0x20000));
    }

    private final java.util.Map<String, IoCompletionRoutine> completionRoutines = new java.util.LinkedHashMap<>();
    private DriverObject driverObject;
    private final java.util.Map<String, Long> literals = new java.util.HashMap<>();

    public Machine machine() {
        return machine;
    }

    public CodeImage image() {
        return image;
    }

    // ------------------------------------------------------------------ running driver code

    /**
     * Runs {@code body} as this driver's code (its code address is in the driver image) with no
     * exception handler above it: an exception it does not catch bug-checks 0x1E.
     */
    public void runAsDriver(String routine, Runnable body) {
        machine.kernel.ensureRunning();
        long old = machine.kernel.enter(image.routine(routine));
        try {
            machine.kernel.runUnhandledExceptionBoundary(body);
        } finally {
            machine.kernel.leave(old);
        }
    }

    /**
     * Runs {@code body} as this driver's DPC routine on {@code processor}: the processor raises to
     * DISPATCH_LEVEL and keeps its current thread and address space, whatever they are.
     */
    public void runDpc(int processor, Runnable body) {
        machine.kernel.ensureRunning();
        int saved = machine.kernel.currentProcessor().number;
        machine.kernel.setCurrentProcessor(processor);
        try {
            int old = machine.kernel.KeRaiseIrql(DISPATCH_LEVEL);
            machine.trace.add(Trace.Kind.NOTE, "DPC of " + image.name() + " on CPU " + processor + " in " + machine.kernel.currentThread()
                    + ", process " + (machine.kernel.currentProcess() == null ? "System" : machine.kernel.currentProcess().name));
            runAsDriver("DpcRoutine", body);
            machine.kernel.KeLowerIrql(old);
        } finally {
            machine.kernel.setCurrentProcessor(saved);
        }
    }

    /** {@code __try { body } __except (EXCEPTION_EXECUTE_HANDLER) { handler(GetExceptionCode()); }} */
    public void __try(Runnable body, IntConsumer exceptHandler) {
        machine.kernel.tryExcept(body, exceptHandler);
    }

    private <T> T ddi(String name, String args, Supplier<T> body) {
        machine.kernel.ensureRunning();
        machine.trace.add(Trace.Kind.DDI, name + "(" + args + ")");
        T result = machine.kernel.inKernel(name, body);
        return result;
    }

    private void ddiVoid(String name, String args, Runnable body) {
        ddi(name, args, () -> {
            body.run();
            return null;
        });
    }

    private long ddiReturning(String name, String args, Supplier<Long> body) {
        long r = ddi(name, args, body);
        machine.trace.add(Trace.Kind.RETURN, name + " returned", r);
        return r;
    }

    private static String hex(long v) {
        return Trace.hex(v);
    }

    private static String mdl(Mdl m) {
        return m == null ? "NULL" : hex(m.address);
    }

    private static String mode(int m) {
        return m == KernelMode ? "KernelMode" : m == UserMode ? "UserMode" : String.valueOf(m);
    }

    private static String op(int o) {
        return switch (o) {
            case IoReadAccess -> "IoReadAccess";
            case IoWriteAccess -> "IoWriteAccess";
            case IoModifyAccess -> "IoModifyAccess";
            default -> String.valueOf(o);
        };
    }

    private static String bool(boolean b) {
        return b ? "TRUE" : "FALSE";
    }

    // ------------------------------------------------------------------ kernel

    public int KeGetCurrentIrql() {
        return machine.kernel.KeGetCurrentIrql();
    }

    /** KeRaiseIrql(NewIrql, &amp;OldIrql): returns OldIrql. */
    public int KeRaiseIrql(int newIrql) {
        return ddi("KeRaiseIrql", Irql.name(newIrql), () -> machine.kernel.KeRaiseIrql(newIrql));
    }

    public void KeLowerIrql(int newIrql) {
        ddiVoid("KeLowerIrql", Irql.name(newIrql), () -> machine.kernel.KeLowerIrql(newIrql));
    }

    public EProcess PsGetCurrentProcess() {
        return (EProcess) machine.kernel.currentProcess();
    }

    public void KeStackAttachProcess(EProcess process, KApcState apcState) {
        ddiVoid("KeStackAttachProcess", process.name, () -> machine.kernel.KeStackAttachProcess(process, apcState));
    }

    public void KeUnstackDetachProcess(KApcState apcState) {
        ddiVoid("KeUnstackDetachProcess", "", () -> machine.kernel.KeUnstackDetachProcess(apcState));
    }

    public void ExRaiseStatus(int status) {
        ddiVoid("ExRaiseStatus", NtStatus.name(status), () -> machine.kernel.ExRaiseStatus(status));
    }

    public void KeBugCheckEx(int code, long p1, long p2, long p3, long p4) {
        ddiVoid("KeBugCheckEx", hex(code), () -> machine.kernel.KeBugCheckEx(code, p1, p2, p3, p4));
    }

    // ------------------------------------------------------------------ pool

    public long ExAllocatePoolWithTag(int poolType, long numberOfBytes, int tag) {
        return ddiReturning("ExAllocatePoolWithTag", poolType + ", " + hex(numberOfBytes) + ", " + hex(tag),
                () -> machine.mm.pool.ExAllocatePoolWithTag(poolType, numberOfBytes, tag));
    }

    public void ExFreePoolWithTag(long p, int tag) {
        ddiVoid("ExFreePoolWithTag", hex(p) + ", " + hex(tag), () -> machine.mm.pool.ExFreePoolWithTag(p, tag));
    }

    public void ExFreePool(long p) {
        ddiVoid("ExFreePool", hex(p), () -> machine.mm.pool.ExFreePoolWithTag(p, 0));
    }

    // ------------------------------------------------------------------ I/O manager

    /** This driver's DRIVER_OBJECT (\Driver\Name), created when first asked for, as the loader does. */
    public DriverObject DriverObject() {
        if (driverObject == null) {
            String base = image.name().replaceFirst("(?i)\\.sys$", "");
            driverObject = machine.iomgr.createDriver("\\Driver\\" + base, image);
        }
        return driverObject;
    }

    /** The address of a NUL-terminated copy of {@code text} in the driver's (nonpaged) data: a C string literal. */
    public long literal(String text) {
        Long va = literals.get(text);
        if (va == null) {
            byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
            va = machine.mm.pool.ExAllocatePoolWithTag(NonPagedPoolNx, bytes.length + 1L, 0x61746144); // 'Data'
            machine.mm.write(va, java.util.Arrays.copyOf(bytes, bytes.length + 1), false);
            literals.put(text, va);
        }
        return va;
    }

    /** Names a completion routine so scripts can pass it to IoSetCompletionRoutine by name. */
    public void registerCompletionRoutine(String name, IoCompletionRoutine routine) {
        completionRoutines.put(name, routine);
    }

    /** IoCreateDevice(DriverObject, DeviceExtensionSize, DeviceName, DeviceType, Characteristics, Exclusive, &DeviceObject). */
    public int IoCreateDevice(DriverObject driverObject, long deviceExtensionSize, String deviceName, int deviceType,
                              int deviceCharacteristics, boolean exclusive, DeviceObject[] deviceObject) {
        DeviceObject d = ddi("IoCreateDevice", driverObject + ", " + deviceName,
                () -> machine.iomgr.IoCreateDevice(driverObject, deviceName, deviceType, 0));
        if (d == null) return NtStatus.STATUS_OBJECT_NAME_COLLISION;
        deviceObject[0] = d;
        return NtStatus.STATUS_SUCCESS;
    }

    public DeviceObject IoAttachDeviceToDeviceStack(DeviceObject sourceDevice, DeviceObject targetDevice) {
        return ddi("IoAttachDeviceToDeviceStack", sourceDevice + ", " + targetDevice,
                () -> machine.iomgr.IoAttachDeviceToDeviceStack(sourceDevice, targetDevice));
    }

    public void IoDetachDevice(DeviceObject targetDevice) {
        ddiVoid("IoDetachDevice", String.valueOf(targetDevice), () -> machine.iomgr.IoDetachDevice(targetDevice));
    }

    public void IoDeleteDevice(DeviceObject deviceObject) {
        ddiVoid("IoDeleteDevice", String.valueOf(deviceObject), () -> machine.iomgr.IoDeleteDevice(deviceObject));
    }

    public Irp IoAllocateIrp(int stackSize, boolean chargeQuota) {
        Irp irp = ddi("IoAllocateIrp", stackSize + ", " + bool(chargeQuota), () -> machine.iomgr.IoAllocateIrp(stackSize, chargeQuota));
        machine.trace.add(Trace.Kind.RETURN, "IoAllocateIrp returned", irp == null ? 0 : irp.address);
        return irp;
    }

    public void IoFreeIrp(Irp irp) {
        ddiVoid("IoFreeIrp", String.valueOf(irp), () -> machine.iomgr.IoFreeIrp(irp));
    }

    public IoStackLocation IoGetCurrentIrpStackLocation(Irp irp) {
        return machine.iomgr.IoGetCurrentIrpStackLocation(irp);
    }

    public IoStackLocation IoGetNextIrpStackLocation(Irp irp) {
        return machine.iomgr.IoGetNextIrpStackLocation(irp);
    }

    public void IoSkipCurrentIrpStackLocation(Irp irp) {
        machine.trace.add(Trace.Kind.DDI, "IoSkipCurrentIrpStackLocation(" + irp + ")");
        machine.iomgr.IoSkipCurrentIrpStackLocation(irp);
    }

    public void IoCopyCurrentIrpStackLocationToNext(Irp irp) {
        machine.trace.add(Trace.Kind.DDI, "IoCopyCurrentIrpStackLocationToNext(" + irp + ")");
        machine.iomgr.IoCopyCurrentIrpStackLocationToNext(irp);
    }

    public void IoMarkIrpPending(Irp irp) {
        machine.trace.add(Trace.Kind.DDI, "IoMarkIrpPending(" + irp + ")");
        machine.iomgr.IoMarkIrpPending(irp);
    }

    public void IoSetCompletionRoutine(Irp irp, IoCompletionRoutine completionRoutine, Object context,
                                       boolean invokeOnSuccess, boolean invokeOnError, boolean invokeOnCancel) {
        setCompletion(irp, completionRoutine, "CompletionRoutine", context, invokeOnSuccess, invokeOnError, invokeOnCancel);
    }

    /**
     * IoSetCompletionRoutineEx: as IoSetCompletionRoutine; the real one also references the device
     * object so the driver cannot unload before the routine ran, and can fail for lack of pool.
     */
    public int IoSetCompletionRoutineEx(DeviceObject deviceObject, Irp irp, IoCompletionRoutine completionRoutine, Object context,
                                        boolean invokeOnSuccess, boolean invokeOnError, boolean invokeOnCancel) {
        setCompletion(irp, completionRoutine, "CompletionRoutine", context, invokeOnSuccess, invokeOnError, invokeOnCancel);
        return NtStatus.STATUS_SUCCESS;
    }

    /** The scripts' form: the routine by the name it was registered under. */
    public void IoSetCompletionRoutine(Irp irp, String completionRoutine, Object context,
                                       boolean invokeOnSuccess, boolean invokeOnError, boolean invokeOnCancel) {
        IoCompletionRoutine r = completionRoutines.get(completionRoutine);
        if (r == null) {
            throw new IllegalArgumentException("no completion routine \"" + completionRoutine + "\" in " + image.name()
                    + "; routines defined: " + completionRoutines.keySet());
        }
        setCompletion(irp, r, completionRoutine, context, invokeOnSuccess, invokeOnError, invokeOnCancel);
    }

    private void setCompletion(Irp irp, IoCompletionRoutine r, String name, Object context, boolean s, boolean e, boolean c) {
        machine.trace.add(Trace.Kind.DDI, "IoSetCompletionRoutine(" + irp + ", " + name + ", " + bool(s) + ", " + bool(e) + ", " + bool(c) + ")");
        machine.iomgr.IoSetCompletionRoutine(irp, r, context, s, e, c, image, name);
    }

    public int IoCallDriver(DeviceObject deviceObject, Irp irp) {
        machine.trace.add(Trace.Kind.DDI, "IoCallDriver(" + deviceObject + ", " + irp + ")");
        int status = machine.iomgr.IoCallDriver(deviceObject, irp);
        machine.trace.add(Trace.Kind.RETURN, "IoCallDriver returned " + NtStatus.name(status));
        return status;
    }

    public void IoCompleteRequest(Irp irp, int priorityBoost) {
        ddiVoid("IoCompleteRequest", irp + ", " + priorityBoost, () -> machine.iomgr.IoCompleteRequest(irp, priorityBoost));
    }

    public Irp IoBuildDeviceIoControlRequest(int ioControlCode, DeviceObject deviceObject, long inputBuffer, long inputBufferLength,
                                             long outputBuffer, long outputBufferLength, boolean internalDeviceIoControl,
                                             KEvent event, long ioStatusBlock) {
        Irp irp = ddi("IoBuildDeviceIoControlRequest", String.format("0x%X, %s, %s, 0x%X, %s, 0x%X, %s", ioControlCode, deviceObject,
                hex(inputBuffer), inputBufferLength, hex(outputBuffer), outputBufferLength, bool(internalDeviceIoControl)),
                () -> machine.iomgr.IoBuildDeviceIoControlRequest(ioControlCode, deviceObject, inputBuffer, inputBufferLength,
                        outputBuffer, outputBufferLength, internalDeviceIoControl, event, ioStatusBlock));
        machine.trace.add(Trace.Kind.RETURN, "IoBuildDeviceIoControlRequest returned", irp == null ? 0 : irp.address);
        return irp;
    }

    // ------------------------------------------------------------------ MDLs

    public Mdl IoAllocateMdl(long virtualAddress, long length, boolean secondaryBuffer, boolean chargeQuota, Irp irp) {
        Mdl m = ddi("IoAllocateMdl", hex(virtualAddress) + ", " + hex(length) + ", " + bool(secondaryBuffer) + ", "
                + bool(chargeQuota) + ", " + (irp == null ? "NULL" : hex(irp.address)),
                () -> machine.io.IoAllocateMdl(virtualAddress, length, secondaryBuffer, chargeQuota, irp));
        machine.trace.add(Trace.Kind.RETURN, "IoAllocateMdl returned", m == null ? 0 : m.address);
        return m;
    }

    public void IoFreeMdl(Mdl mdl) {
        ddiVoid("IoFreeMdl", mdl(mdl), () -> machine.io.IoFreeMdl(mdl));
    }

    public void IoBuildPartialMdl(Mdl sourceMdl, Mdl targetMdl, long virtualAddress, long length) {
        ddiVoid("IoBuildPartialMdl", mdl(sourceMdl) + ", " + mdl(targetMdl) + ", " + hex(virtualAddress) + ", " + hex(length),
                () -> machine.io.IoBuildPartialMdl(sourceMdl, targetMdl, virtualAddress, length));
    }

    public long MmSizeOfMdl(long base, long length) {
        return MdlRoutines.MmSizeOfMdl(base, length);
    }

    public void MmInitializeMdl(Mdl mdl, long base, long length) {
        ddiVoid("MmInitializeMdl", mdl(mdl) + ", " + hex(base) + ", " + hex(length), () -> MdlRoutines.MmInitializeMdl(mdl, base, length));
    }

    public long MmGetMdlVirtualAddress(Mdl mdl) {
        return mdl.virtualAddress();
    }

    public long MmGetMdlByteCount(Mdl mdl) {
        return mdl.ByteCount;
    }

    public long MmGetMdlByteOffset(Mdl mdl) {
        return mdl.ByteOffset;
    }

    /** MmGetMdlPfnArray: the MDL's PFN array (page-count slots; an unfilled slot holds LIST_HEAD, -1). */
    public List<Long> MmGetMdlPfnArray(Mdl mdl) {
        return mdl.pfnSlots();
    }

    public void MmProbeAndLockPages(Mdl mdl, int accessMode, int operation) {
        ddiVoid("MmProbeAndLockPages", mdl(mdl) + ", " + mode(accessMode) + ", " + op(operation),
                () -> machine.mm.mdl.MmProbeAndLockPages(mdl, accessMode, operation));
    }

    public void MmProbeAndLockProcessPages(Mdl mdl, EProcess process, int accessMode, int operation) {
        ddiVoid("MmProbeAndLockProcessPages", mdl(mdl) + ", " + process.name + ", " + mode(accessMode) + ", " + op(operation),
                () -> machine.mm.mdl.MmProbeAndLockProcessPages(mdl, process, accessMode, operation));
    }

    public void MmUnlockPages(Mdl mdl) {
        ddiVoid("MmUnlockPages", mdl(mdl), () -> machine.mm.mdl.MmUnlockPages(mdl));
    }

    public long MmMapLockedPagesSpecifyCache(Mdl mdl, int accessMode, int cacheType, long requestedAddress,
                                             boolean bugCheckOnFailure, int priority) {
        return ddiReturning("MmMapLockedPagesSpecifyCache", mdl(mdl) + ", " + mode(accessMode) + ", " + cacheType + ", "
                + hex(requestedAddress) + ", " + bool(bugCheckOnFailure) + ", " + hex(priority),
                () -> machine.mm.mdl.MmMapLockedPagesSpecifyCache(mdl, accessMode, cacheType, requestedAddress,
                        bugCheckOnFailure, priority));
    }

    /** MmMapLockedPages (obsolete) = SpecifyCache(mdl, mode, MmCached, NULL, TRUE, HighPagePriority). */
    public long MmMapLockedPages(Mdl mdl, int accessMode) {
        return ddiReturning("MmMapLockedPages", mdl(mdl) + ", " + mode(accessMode),
                () -> machine.mm.mdl.MmMapLockedPagesSpecifyCache(mdl, accessMode, MmCached, 0, true, HighPagePriority));
    }

    public long MmGetSystemAddressForMdlSafe(Mdl mdl, int priority) {
        return ddiReturning("MmGetSystemAddressForMdlSafe", mdl(mdl) + ", " + hex(priority),
                () -> machine.mm.mdl.MmGetSystemAddressForMdlSafe(mdl, priority));
    }

    /** MmGetSystemAddressForMdl (obsolete): maps with MmMapLockedPages, which bug-checks on failure. */
    public long MmGetSystemAddressForMdl(Mdl mdl) {
        return ddiReturning("MmGetSystemAddressForMdl", mdl(mdl), () -> mdl.hasFlag(MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL)
                ? mdl.MappedSystemVa
                : machine.mm.mdl.MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, 0, true, HighPagePriority));
    }

    public void MmUnmapLockedPages(long baseAddress, Mdl mdl) {
        ddiVoid("MmUnmapLockedPages", hex(baseAddress) + ", " + mdl(mdl), () -> machine.mm.mdl.MmUnmapLockedPages(baseAddress, mdl));
    }

    public void MmBuildMdlForNonPagedPool(Mdl mdl) {
        ddiVoid("MmBuildMdlForNonPagedPool", mdl(mdl), () -> machine.mm.mdl.MmBuildMdlForNonPagedPool(mdl));
    }

    public void MmPrepareMdlForReuse(Mdl mdl) {
        ddiVoid("MmPrepareMdlForReuse", mdl(mdl), () -> machine.mm.mdl.MmPrepareMdlForReuse(mdl));
    }

    public Mdl MmAllocatePagesForMdlEx(long lowAddress, long highAddress, long skipBytes, long totalBytes, int cacheType, int flags) {
        Mdl m = ddi("MmAllocatePagesForMdlEx", hex(lowAddress) + ", " + hex(highAddress) + ", " + hex(skipBytes) + ", "
                + hex(totalBytes) + ", " + cacheType + ", " + hex(flags),
                () -> machine.mm.mdl.MmAllocatePagesForMdlEx(lowAddress, highAddress, skipBytes, totalBytes, cacheType, flags));
        machine.trace.add(Trace.Kind.RETURN, "MmAllocatePagesForMdlEx returned", m == null ? 0 : m.address);
        return m;
    }

    public Mdl MmAllocatePagesForMdl(long lowAddress, long highAddress, long skipBytes, long totalBytes) {
        return MmAllocatePagesForMdlEx(lowAddress, highAddress, skipBytes, totalBytes, MmCached, 0);
    }

    public void MmFreePagesFromMdl(Mdl mdl) {
        ddiVoid("MmFreePagesFromMdl", mdl(mdl), () -> machine.mm.mdl.MmFreePagesFromMdl(mdl));
    }

    public void ProbeForRead(long address, long length, int alignment) {
        ddiVoid("ProbeForRead", hex(address) + ", " + hex(length) + ", " + alignment,
                () -> machine.mm.mdl.ProbeForRead(address, length, alignment));
    }

    public void ProbeForWrite(long address, long length, int alignment) {
        ddiVoid("ProbeForWrite", hex(address) + ", " + hex(length) + ", " + alignment,
                () -> machine.mm.mdl.ProbeForWrite(address, length, alignment));
    }

    // ------------------------------------------------------------------ touching memory (driver code, kernel mode)

    /** {@code *(PUCHAR)address}: a kernel-mode read made by the driver's code. */
    public int readByte(long address) {
        return machine.mm.readByte(address, false);
    }

    /** {@code *(PUCHAR)address = value}: a kernel-mode write made by the driver's code. */
    public void writeByte(long address, int value) {
        machine.mm.writeByte(address, value, false);
    }

    public byte[] read(long address, int length) {
        return machine.mm.read(address, length, false);
    }

    public void write(long address, byte[] data) {
        machine.mm.write(address, data, false);
    }

    public void write(long address, String ascii) {
        write(address, ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** RtlCopyMemory(Destination, Source, Length), done byte by byte by the driver's code. */
    public void RtlCopyMemory(long destination, long source, long length) {
        for (long i = 0; i < length; i++) writeByte(destination + i, readByte(source + i));
    }

    public void RtlFillMemory(long destination, long length, int fill) {
        for (long i = 0; i < length; i++) writeByte(destination + i, fill);
    }

    public void RtlZeroMemory(long destination, long length) {
        RtlFillMemory(destination, length, 0);
    }
}
