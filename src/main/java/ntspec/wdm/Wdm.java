package ntspec.wdm;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import ntspec.Machine;
import ntspec.io.DeviceObject;
import ntspec.io.DriverDispatch;
import ntspec.io.DriverObject;
import ntspec.io.IoCompletionRoutine;
import ntspec.io.IoStackLocation;
import ntspec.io.Irp;
import ntspec.ke.CodeImage;
import ntspec.ke.Irql;
import ntspec.ke.KApcState;
import ntspec.ke.KEvent;
import ntspec.ke.NtStatus;
import ntspec.mm.EProcess;
import ntspec.mm.Mdl;
import ntspec.mm.MdlRoutines;
import ntspec.trace.Trace;

/**
 * The driver-facing facade: DDIs under their WDK names, with wdm.h's argument order, bound to
 * one machine and one driver image. A driver model extends it so its code reads like C:
 * {@code MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)}. Every call is traced, runs as nt's
 * code (a fault inside is the kernel's), and returns to the driver's code address. Structures are
 * views over simulated memory; a NULL structure pointer is a view at address 0, so the routine's
 * first access to it faults as it would on Windows.
 */
public class Wdm implements WdmConstants {
    protected final Machine machine;
    protected final CodeImage image;
    private final java.util.Map<String, IoCompletionRoutine> completionRoutines = new java.util.LinkedHashMap<>();
    /** Other named routines of this driver (cancel routines, cancel-safe queue callbacks), by name. */
    private final java.util.Map<String, Object> routines = new java.util.LinkedHashMap<>();
    private DriverObject driverObject;
    private final java.util.Map<String, Long> literals = new java.util.HashMap<>();

    public Wdm(Machine machine, CodeImage image) {
        this.machine = machine;
        this.image = image;
    }

    /** A facade for a newly loaded driver image named {@code imageName}. */
    public Wdm(Machine machine, String imageName) {
        this(machine, machine.kernel.loadImage(imageName, 0x20000));
    }

    public Machine machine() {
        return machine;
    }

    public CodeImage image() {
        return image;
    }

    // ------------------------------------------------------------------ running driver code

    /**
     * Runs {@code body} as this driver's code (its code address is in the driver image) at the base
     * of the current thread's kernel code: an exception it does not catch ends as Windows ends it
     * there (0x3B in a user thread's system call, 0x7E in a system thread, 0x1E in a DPC).
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
            int old = machine.kernel.KeGetCurrentIrql();
            machine.kernel.setIrql(Math.max(old, DISPATCH_LEVEL));
            machine.trace.add(Trace.Kind.NOTE, "DPC of " + image.name() + " on CPU " + processor + " in " + machine.kernel.currentThread()
                    + ", process " + (machine.kernel.currentProcess() == null ? "System" : machine.kernel.currentProcess().name));
            machine.kernel.inDpc(() -> runAsDriver("DpcRoutine", body));
            machine.kernel.setIrql(old);
        } finally {
            machine.kernel.setCurrentProcessor(saved);
        }
    }

    /** {@code __try { body } __except (EXCEPTION_EXECUTE_HANDLER) { handler(GetExceptionCode()); }} */
    public void __try(Runnable body, IntConsumer exceptHandler) {
        machine.kernel.tryExcept(body, exceptHandler);
    }

    /** The driver image this facade's code belongs to (ScenarioDriver.sys, Filter.sys ...). */
    public String imageName() {
        return image.name();
    }

    /** This image's import table: Driver Verifier's thunks when the image is verified, else the kernel's routines. */
    private ntspec.nt.NtExports nt() {
        return machine.verifier.exportsFor(image.name());
    }

    private <T> T ddi(String name, String args, Supplier<T> body) {
        machine.kernel.ensureRunning();
        machine.trace.add(Trace.Kind.DDI, name + "(" + args + ")");
        nt().calling(name);
        return machine.kernel.inKernel(name, body);
    }

    private void ddiVoid(String name, String args, Runnable body) {
        ddi(name, args, () -> {
            body.run();
            return null;
        });
    }

    /**
     * A routine wdm.h expands inline into the driver (RtlCopyMemory is memcpy): traced as a call, but
     * it runs as the driver's own code, so a fault inside is the driver's.
     */
    private void inline(String name, String args, Runnable body) {
        machine.kernel.ensureRunning();
        machine.trace.add(Trace.Kind.DDI, name + "(" + args + ")");
        body.run();
    }

    private long ddiReturning(String name, String args, Supplier<Long> body) {
        long r = ddi(name, args, body);
        machine.trace.add(Trace.Kind.RETURN, name + " returned", r);
        return r;
    }

    /** A POOL_TYPE by its wdm.h name where it has one. */
    static String poolTypeName(int poolType) {
        return switch (poolType) {
            case 0 -> "NonPagedPool";
            case 1 -> "PagedPool";
            case 2 -> "NonPagedPoolMustSucceed";
            case 4 -> "NonPagedPoolCacheAligned";
            case 5 -> "PagedPoolCacheAligned";
            case 512 -> "NonPagedPoolNx";
            case 516 -> "NonPagedPoolNxCacheAligned";
            default -> String.valueOf(poolType);
        };
    }

    /** An MM_PAGE_PRIORITY with its MdlMapping* flags, by their wdm.h names. */
    static String priorityName(int priority) {
        int base = priority & 0xFFFF;
        StringBuilder b = new StringBuilder(switch (base) {
            case 0 -> "LowPagePriority";
            case 16 -> "NormalPagePriority";
            case 32 -> "HighPagePriority";
            default -> String.format("0x%X", base);
        });
        if ((priority & 0x40000000) != 0) b.append(" | MdlMappingNoExecute");
        if ((priority & 0x80000000) != 0) b.append(" | MdlMappingNoWrite");
        int rest = priority & ~0xC000FFFF;
        if (rest != 0) b.append(String.format(" | 0x%X", rest));
        return b.toString();
    }

    private static String hex(long v) {
        return Trace.hex(v);
    }

    private static String addr(ntspec.nt.StructView v) {
        return v == null ? "NULL" : hex(v.address);
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

    /** A NULL MDL pointer is the MDL at address 0: the routine faults when it touches it. */
    private Mdl mdl(Mdl m) {
        return m != null ? m : machine.mm.mdl.at(0);
    }

    private Irp irp(Irp i) {
        return i != null ? i : machine.io.irpAt(0);
    }

    private DeviceObject device(DeviceObject d) {
        return d != null ? d : machine.io.deviceAt(0);
    }

    // ------------------------------------------------------------------ kernel

    public int KeGetCurrentIrql() {
        return machine.kernel.KeGetCurrentIrql();
    }

    /** KeRaiseIrql(NewIrql, &amp;OldIrql): returns OldIrql. */
    public int KeRaiseIrql(int newIrql) {
        return ddi("KeRaiseIrql", Irql.name(newIrql & 0xFF), () -> nt().KeRaiseIrql(newIrql));
    }

    public void KeLowerIrql(int newIrql) {
        ddiVoid("KeLowerIrql", Irql.name(newIrql & 0xFF), () -> nt().KeLowerIrql(newIrql));
    }

    public EProcess PsGetCurrentProcess() {
        return ddi("PsGetCurrentProcess", "", () -> (EProcess) machine.kernel.currentProcess());
    }

    /** IoGetCurrentProcess: the same as PsGetCurrentProcess. */
    public EProcess IoGetCurrentProcess() {
        return ddi("IoGetCurrentProcess", "", () -> (EProcess) machine.kernel.currentProcess());
    }

    /** KeGetCurrentThread: the thread running on the current processor. */
    public ntspec.ke.KThread KeGetCurrentThread() {
        return ddi("KeGetCurrentThread", "", () -> machine.kernel.currentThread());
    }

    /**
     * MmIsAddressValid: TRUE when a reference to va would not fault, that is its PTE is valid in the
     * current address space; it touches nothing, so a paged-out page is FALSE
     * (https://learn.microsoft.com/windows-hardware/drivers/ddi/ntddk/nf-ntddk-mmisaddressvalid).
     */
    public boolean MmIsAddressValid(long virtualAddress) {
        return ddi("MmIsAddressValid", hex(virtualAddress),
                () -> ntspec.hw.Pte.isValid(machine.mm.readPte(virtualAddress)));
    }

    /**
     * MmGetPhysicalAddress: the physical address va maps to in the current address space, 0 when no
     * valid PTE maps it (https://learn.microsoft.com/windows-hardware/drivers/ddi/ntddk/nf-ntddk-mmgetphysicaladdress).
     */
    public long MmGetPhysicalAddress(long baseAddress) {
        return ddiReturning("MmGetPhysicalAddress", hex(baseAddress), () -> {
            long pte = machine.mm.readPte(baseAddress);
            return ntspec.hw.Pte.isValid(pte) ? (ntspec.hw.Pte.pfn(pte) << 12) | (baseAddress & 0xFFF) : 0L;
        });
    }

    /**
     * ExGetPreviousMode: the current thread's KTHREAD.PreviousMode -- UserMode when the thread came
     * into the kernel from user mode, KernelMode in a system thread
     * (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exgetpreviousmode).
     */
    public int ExGetPreviousMode() {
        return ddi("ExGetPreviousMode", "", () -> {
            ntspec.ke.KThread t = machine.kernel.currentThread();
            return t == null ? KernelMode : t.previousMode(); // no thread at all: only the kernel runs
        });
    }

    public void KeStackAttachProcess(EProcess process, KApcState apcState) {
        ddiVoid("KeStackAttachProcess", process == null ? "NULL" : process.name, () -> machine.kernel.KeStackAttachProcess(process, apcState));
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

    // ------------------------------------------------------------------ dispatcher objects: events and waits

    private KEvent event(KEvent e) {
        return e != null ? e : new KEvent(machine.mm, 0);
    }

    private static String eventType(int type) {
        return type == 0 ? "NotificationEvent" : type == 1 ? "SynchronizationEvent" : String.valueOf(type);
    }

    /**
     * KeInitializeEvent(Event, Type, State): the DISPATCHER_HEADER in the caller's storage
     * (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-keinitializeevent).
     */
    public void KeInitializeEvent(KEvent event, int type, boolean state) {
        ddiVoid("KeInitializeEvent", addr(event) + ", " + eventType(type) + ", " + bool(state),
                () -> machine.kernel.waits.KeInitializeEvent(event(event), type, state));
    }

    /**
     * KeSetEvent(Event, Increment, Wait): the previous state; with Wait TRUE it returns at
     * SYNCH_LEVEL holding the dispatcher lock, for a wait to follow
     * (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-kesetevent). DDI compliance
     * checks IrqlKeSetEvent (0x00020016): Wait FALSE up to DISPATCH_LEVEL, Wait TRUE up to APC_LEVEL.
     */
    public int KeSetEvent(KEvent event, int increment, boolean wait) {
        if (wait) {
            machine.kernel.ensureRunning();
            nt().calling("KeSetEvent(Wait TRUE)");
        }
        int r = ddi("KeSetEvent", addr(event) + ", " + increment + ", " + bool(wait),
                () -> machine.kernel.waits.KeSetEvent(event(event), increment, wait));
        machine.trace.add(Trace.Kind.RETURN, "KeSetEvent returned", r);
        return r;
    }

    /** KeResetEvent: clears the event, returns its previous state (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-keresetevent). */
    public int KeResetEvent(KEvent event) {
        int r = ddi("KeResetEvent", addr(event), () -> machine.kernel.waits.KeResetEvent(event(event)));
        machine.trace.add(Trace.Kind.RETURN, "KeResetEvent returned", r);
        return r;
    }

    /** KeClearEvent (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-keclearevent). */
    public void KeClearEvent(KEvent event) {
        ddiVoid("KeClearEvent", addr(event), () -> machine.kernel.waits.KeClearEvent(event(event)));
    }

    /** KeReadStateEvent (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-kereadstateevent). */
    public int KeReadStateEvent(KEvent event) {
        int r = ddi("KeReadStateEvent", addr(event), () -> machine.kernel.waits.KeReadStateEvent(event(event)));
        machine.trace.add(Trace.Kind.RETURN, "KeReadStateEvent returned", r);
        return r;
    }

    /**
     * KeWaitForSingleObject(Object, WaitReason, WaitMode, Alertable, Timeout): Timeout is a pointer
     * to a LARGE_INTEGER (NULL: no timeout), read by the routine
     * (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-kewaitforsingleobject).
     * The model of a blocking wait is {@link ntspec.ke.Waits}'s: a UserMode wait with Alertable
     * TRUE ends with STATUS_USER_APC when a user APC is queued to the thread (the APC runs only when
     * the thread returns to user mode).
     */
    public int KeWaitForSingleObject(KEvent object, int waitReason, int waitMode, boolean alertable, long timeout) {
        int r = ddi("KeWaitForSingleObject", addr(object) + ", " + waitReason + ", " + mode(waitMode) + ", " + bool(alertable) + ", "
                + (timeout == 0 ? "NULL" : hex(timeout)), () -> {
                    Long t = timeout == 0 ? null : machine.mm.read(timeout, 8);
                    return machine.kernel.waits.KeWaitForSingleObject(event(object), waitMode, alertable, t);
                });
        machine.trace.add(Trace.Kind.RETURN, "KeWaitForSingleObject returned " + NtStatus.name(r));
        return r;
    }

    /** KeQueryInterruptTime: 100 ns units since boot (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-kequeryinterrupttime). */
    public long KeQueryInterruptTime() {
        return ddi("KeQueryInterruptTime", "", () -> machine.kernel.KeQueryInterruptTime());
    }

    // ------------------------------------------------------------------ pool

    public long ExAllocatePoolWithTag(int poolType, long numberOfBytes, int tag) {
        return ddiReturning("ExAllocatePoolWithTag", poolTypeName(poolType) + ", " + hex(numberOfBytes) + ", " + hex(tag),
                () -> nt().ExAllocatePoolWithTag(poolType, numberOfBytes, tag));
    }

    /** ExAllocatePool(PoolType, NumberOfBytes): the wdm.h macro, ExAllocatePoolWithTag with the tag 'enoN' ("None"). */
    public long ExAllocatePool(int poolType, long numberOfBytes) {
        return ExAllocatePoolWithTag(poolType, numberOfBytes, 0x656E6F4E);
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
            driverObject = machine.io.driver.createDriver("\\Driver\\" + base, image);
        }
        return driverObject;
    }

    /** DriverObject->MajorFunction[major] = routine. */
    public void setDispatch(int majorFunction, DriverDispatch routine) {
        DriverObject().MajorFunction.set(majorFunction, routine);
    }

    /** DriverObject->DriverUnload = routine. */
    public void setDriverUnload(Consumer<DriverObject> routine) {
        DriverObject().setDriverUnload(routine);
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
        machine.kernel.registerRoutine(image, name, routine);
    }

    /**
     * Names a routine of this driver (a DriverCancel, an IoCsq callback) so scripts can pass it by
     * name: IoSetCancelRoutine(Irp, "OnCancel"), IoCsqInitialize(csq, "InsertIrp", ...).
     */
    public void registerRoutine(String name, Object routine) {
        routines.put(name, routine);
        machine.kernel.registerRoutine(image, name, routine);
    }

    /** The code address of the routine registered as {@code name}, which must be a {@code kind} ({@code what} names it in errors). */
    private long namedRoutine(String name, Class<?> kind, String what) {
        Object r = routines.get(name);
        if (r == null || !kind.isInstance(r)) {
            java.util.List<String> fitting = new java.util.ArrayList<>();
            routines.forEach((n, o) -> {
                if (kind.isInstance(o)) fitting.add(n);
            });
            throw new ntspec.wdm.Script.ScriptException((r == null ? "no routine \"" + name + "\" in " : "\"" + name + "\" is not a " + what + " of ")
                    + image.name() + "; its " + what + "s: " + fitting + ". Define one with: Given \"" + image.name() + "\" has a "
                    + what + " \"" + name + "\":");
        }
        return machine.kernel.registerRoutine(image, name, r);
    }

    /** The code address of a routine of this driver (a completion routine by its Java object). */
    public long routineAddress(String name, Object routine) {
        return machine.kernel.registerRoutine(image, name, routine);
    }

    /** IoCreateDevice(DriverObject, DeviceExtensionSize, DeviceName, DeviceType, Characteristics, Exclusive, &DeviceObject). */
    public int IoCreateDevice(DriverObject driverObject, long deviceExtensionSize, String deviceName, int deviceType,
                              int deviceCharacteristics, boolean exclusive, DeviceObject[] deviceObject) {
        DeviceObject d = ddi("IoCreateDevice", driverObject + ", " + deviceName,
                () -> machine.io.device.IoCreateDevice(driverObject, deviceExtensionSize, deviceName, deviceType, deviceCharacteristics, exclusive));
        if (d == null) return deviceName != null && machine.io.device.named(deviceName) != null
                ? NtStatus.STATUS_OBJECT_NAME_COLLISION : NtStatus.STATUS_INSUFFICIENT_RESOURCES;
        deviceObject[0] = d;
        return NtStatus.STATUS_SUCCESS;
    }

    public DeviceObject IoAttachDeviceToDeviceStack(DeviceObject sourceDevice, DeviceObject targetDevice) {
        return ddi("IoAttachDeviceToDeviceStack", sourceDevice + ", " + targetDevice,
                () -> machine.io.device.IoAttachDeviceToDeviceStack(device(sourceDevice), device(targetDevice)));
    }

    public void IoDetachDevice(DeviceObject targetDevice) {
        ddiVoid("IoDetachDevice", String.valueOf(targetDevice), () -> machine.io.device.IoDetachDevice(device(targetDevice)));
    }

    public void IoDeleteDevice(DeviceObject deviceObject) {
        ddiVoid("IoDeleteDevice", String.valueOf(deviceObject), () -> machine.io.device.IoDeleteDevice(device(deviceObject)));
    }

    public DeviceObject IoGetAttachedDevice(DeviceObject deviceObject) {
        return ddi("IoGetAttachedDevice", String.valueOf(deviceObject), () -> machine.io.device.IoGetAttachedDevice(device(deviceObject)));
    }

    public Irp IoAllocateIrp(int stackSize, boolean chargeQuota) {
        Irp irp = ddi("IoAllocateIrp", stackSize + ", " + bool(chargeQuota), () -> nt().IoAllocateIrp(stackSize, chargeQuota));
        machine.trace.add(Trace.Kind.RETURN, "IoAllocateIrp returned", irp == null ? 0 : irp.address);
        return irp;
    }

    public void IoFreeIrp(Irp irp) {
        ddiVoid("IoFreeIrp", addr(irp), () -> {
            machine.io.observer.beforeFreeIrp(irp(irp));
            machine.io.irp.IoFreeIrp(irp(irp));
        });
    }

    /** IoSizeOfIrp(StackSize): sizeof(IRP) + StackSize * sizeof(IO_STACK_LOCATION), the wdm.h macro. */
    public long IoSizeOfIrp(int stackSize) {
        return Irp.IoSizeOfIrp((byte) stackSize);
    }

    /**
     * IoInitializeIrp(Irp, PacketSize, StackSize) over memory the driver allocated
     * (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-ioinitializeirp).
     */
    public void IoInitializeIrp(Irp irp, int packetSize, int stackSize) {
        ddiVoid("IoInitializeIrp", addr(irp) + ", " + hex(packetSize & 0xFFFF) + ", " + stackSize,
                () -> machine.io.irp.IoInitializeIrp(irp(irp), packetSize, stackSize));
    }

    /** IoReuseIrp(Irp, Iostatus) (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-ioreuseirp). */
    public void IoReuseIrp(Irp irp, int iostatus) {
        ddiVoid("IoReuseIrp", addr(irp) + ", " + NtStatus.name(iostatus), () -> machine.io.irp.IoReuseIrp(irp(irp), iostatus));
    }

    /**
     * IoBuildAsynchronousFsdRequest(MajorFunction, DeviceObject, Buffer, Length, StartingOffset,
     * IoStatusBlock); StartingOffset points to a LARGE_INTEGER or is NULL
     * (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iobuildasynchronousfsdrequest).
     */
    public Irp IoBuildAsynchronousFsdRequest(int majorFunction, DeviceObject deviceObject, long buffer, long length, long startingOffset,
                                             long ioStatusBlock) {
        Irp irp = ddi("IoBuildAsynchronousFsdRequest", ntspec.io.IoConstants.majorName(majorFunction) + ", " + deviceObject + ", "
                + hex(buffer) + ", " + hex(length) + ", " + hex(startingOffset) + ", " + hex(ioStatusBlock),
                () -> machine.io.irp.IoBuildAsynchronousFsdRequest(majorFunction, device(deviceObject), buffer, length,
                        startingOffset == 0 ? null : machine.mm.read(startingOffset, 8), ioStatusBlock));
        machine.trace.add(Trace.Kind.RETURN, "IoBuildAsynchronousFsdRequest returned", irp == null ? 0 : irp.address);
        return irp;
    }

    /**
     * IoBuildSynchronousFsdRequest(MajorFunction, DeviceObject, Buffer, Length, StartingOffset, Event,
     * IoStatusBlock) (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iobuildsynchronousfsdrequest).
     */
    public Irp IoBuildSynchronousFsdRequest(int majorFunction, DeviceObject deviceObject, long buffer, long length, long startingOffset,
                                            KEvent event, long ioStatusBlock) {
        Irp irp = ddi("IoBuildSynchronousFsdRequest", ntspec.io.IoConstants.majorName(majorFunction) + ", " + deviceObject + ", "
                + hex(buffer) + ", " + hex(length) + ", " + hex(startingOffset) + ", " + addr(event) + ", " + hex(ioStatusBlock),
                () -> machine.io.irp.IoBuildSynchronousFsdRequest(majorFunction, device(deviceObject), buffer, length,
                        startingOffset == 0 ? null : machine.mm.read(startingOffset, 8), event, ioStatusBlock));
        machine.trace.add(Trace.Kind.RETURN, "IoBuildSynchronousFsdRequest returned", irp == null ? 0 : irp.address);
        return irp;
    }

    public IoStackLocation IoGetCurrentIrpStackLocation(Irp irp) {
        return ddi("IoGetCurrentIrpStackLocation", addr(irp), () -> machine.io.irp.IoGetCurrentIrpStackLocation(irp(irp)));
    }

    public IoStackLocation IoGetNextIrpStackLocation(Irp irp) {
        return ddi("IoGetNextIrpStackLocation", addr(irp), () -> machine.io.irp.IoGetNextIrpStackLocation(irp(irp)));
    }

    public void IoSkipCurrentIrpStackLocation(Irp irp) {
        ddiVoid("IoSkipCurrentIrpStackLocation", addr(irp), () -> machine.io.irp.IoSkipCurrentIrpStackLocation(irp(irp)));
    }

    public void IoCopyCurrentIrpStackLocationToNext(Irp irp) {
        ddiVoid("IoCopyCurrentIrpStackLocationToNext", addr(irp), () -> machine.io.irp.IoCopyCurrentIrpStackLocationToNext(irp(irp)));
    }

    public void IoMarkIrpPending(Irp irp) {
        ddiVoid("IoMarkIrpPending", addr(irp), () -> machine.io.irp.IoMarkIrpPending(irp(irp)));
    }

    /** IoSetCompletionRoutine with a Java routine (its code address is in this driver's image) and a context pointer. */
    public void IoSetCompletionRoutine(Irp irp, IoCompletionRoutine completionRoutine, long context,
                                       boolean invokeOnSuccess, boolean invokeOnError, boolean invokeOnCancel) {
        long routine = completionRoutine == null ? 0 : machine.kernel.registerRoutine(image, "CompletionRoutine", completionRoutine);
        setCompletion(irp, routine, context, invokeOnSuccess, invokeOnError, invokeOnCancel);
    }

    /** The scripts' form: the routine by the name it was registered under. */
    public void IoSetCompletionRoutine(Irp irp, String completionRoutine, long context,
                                       boolean invokeOnSuccess, boolean invokeOnError, boolean invokeOnCancel) {
        setCompletion(irp, routine(completionRoutine), context, invokeOnSuccess, invokeOnError, invokeOnCancel);
    }

    private long routine(String name) {
        IoCompletionRoutine r = completionRoutines.get(name);
        if (r == null) {
            throw new IllegalArgumentException("no completion routine \"" + name + "\" in " + image.name()
                    + "; routines defined: " + completionRoutines.keySet());
        }
        return machine.kernel.registerRoutine(image, name, r);
    }

    private void setCompletion(Irp irp, long routine, long context, boolean s, boolean e, boolean c) {
        ddiVoid("IoSetCompletionRoutine", addr(irp) + ", " + machine.kernel.symbol(routine) + ", " + hex(context) + ", "
                + bool(s) + ", " + bool(e) + ", " + bool(c), () -> machine.io.irp.IoSetCompletionRoutine(irp(irp), routine, context, s, e, c));
    }

    /**
     * IoSetCompletionRoutineEx: references the device object through nt's unload-safe wrapper, so
     * the driver cannot unload before its routine ran; STATUS_INSUFFICIENT_RESOURCES when the
     * wrapper's context cannot be allocated.
     */
    public int IoSetCompletionRoutineEx(DeviceObject deviceObject, Irp irp, IoCompletionRoutine completionRoutine, long context,
                                        boolean invokeOnSuccess, boolean invokeOnError, boolean invokeOnCancel) {
        long routine = machine.kernel.registerRoutine(image, "CompletionRoutine", completionRoutine);
        return completionEx(deviceObject, irp, routine, context, invokeOnSuccess, invokeOnError, invokeOnCancel);
    }

    /** The scripts' form of IoSetCompletionRoutineEx. */
    public int IoSetCompletionRoutineEx(DeviceObject deviceObject, Irp irp, String completionRoutine, long context,
                                        boolean invokeOnSuccess, boolean invokeOnError, boolean invokeOnCancel) {
        return completionEx(deviceObject, irp, routine(completionRoutine), context, invokeOnSuccess, invokeOnError, invokeOnCancel);
    }

    private int completionEx(DeviceObject deviceObject, Irp irp, long routine, long context, boolean s, boolean e, boolean c) {
        int status = ddi("IoSetCompletionRoutineEx", addr(deviceObject) + ", " + addr(irp) + ", " + machine.kernel.symbol(routine),
                () -> machine.io.irp.IoSetCompletionRoutineEx(device(deviceObject), irp(irp), routine, context, s, e, c));
        machine.trace.add(Trace.Kind.RETURN, "IoSetCompletionRoutineEx returned " + NtStatus.name(status));
        return status;
    }

    public int IoCallDriver(DeviceObject deviceObject, Irp irp) {
        machine.trace.add(Trace.Kind.DDI, "IoCallDriver(" + deviceObject + ", " + irp + ")");
        int status = machine.kernel.inKernel("IofCallDriver", () -> machine.io.irp.IoCallDriver(device(deviceObject), irp(irp)));
        machine.trace.add(Trace.Kind.RETURN, "IoCallDriver returned " + NtStatus.name(status));
        return status;
    }

    public void IoCompleteRequest(Irp irp, int priorityBoost) {
        ddiVoid("IoCompleteRequest", addr(irp) + ", " + priorityBoost, () -> machine.io.irp.IoCompleteRequest(irp(irp), priorityBoost));
    }

    // ------------------------------------------------------------------ cancellation

    /**
     * IoAcquireCancelSpinLock(&amp;Irql): returns the IRQL to pass to IoReleaseCancelSpinLock
     * (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-ioacquirecancelspinlock).
     */
    public int IoAcquireCancelSpinLock() {
        int old = ddi("IoAcquireCancelSpinLock", "", () -> machine.io.cancel.IoAcquireCancelSpinLock());
        machine.trace.add(Trace.Kind.RETURN, "IoAcquireCancelSpinLock: Irql = " + Irql.name(old));
        return old;
    }

    /** IoReleaseCancelSpinLock(Irql) (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-ioreleasecancelspinlock). */
    public void IoReleaseCancelSpinLock(int irql) {
        ddiVoid("IoReleaseCancelSpinLock", Irql.name(irql & 0xFF), () -> machine.io.cancel.IoReleaseCancelSpinLock(irql & 0xFF));
    }

    /**
     * IoSetCancelRoutine(Irp, CancelRoutine): the routine by the name a scenario gave it, or NULL;
     * returns the previous routine's address (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iosetcancelroutine).
     */
    public long IoSetCancelRoutine(Irp irp, String cancelRoutine) {
        long routine = cancelRoutine == null ? 0 : namedRoutine(cancelRoutine, ntspec.io.DriverCancel.class, "cancel routine");
        long old = ddi("IoSetCancelRoutine", addr(irp) + ", " + machine.kernel.symbol(routine),
                () -> machine.io.cancel.IoSetCancelRoutine(irp(irp), routine));
        machine.trace.add(Trace.Kind.RETURN, "IoSetCancelRoutine returned " + machine.kernel.symbol(old));
        return old;
    }

    /** IoCancelIrp(Irp) (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iocancelirp). */
    public boolean IoCancelIrp(Irp irp) {
        boolean r = ddi("IoCancelIrp", addr(irp), () -> machine.io.cancel.IoCancelIrp(irp(irp)));
        machine.trace.add(Trace.Kind.RETURN, "IoCancelIrp returned " + bool(r));
        return r;
    }

    // ------------------------------------------------------------------ spin locks

    /** KeInitializeSpinLock(SpinLock) (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-keinitializespinlock). */
    public void KeInitializeSpinLock(long spinLock) {
        ddiVoid("KeInitializeSpinLock", hex(spinLock), () -> machine.io.spinLocks.KeInitializeSpinLock(spinLock));
    }

    /** KeAcquireSpinLock(SpinLock, &amp;OldIrql): returns OldIrql (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-keacquirespinlock). */
    public int KeAcquireSpinLock(long spinLock) {
        return ddi("KeAcquireSpinLock", hex(spinLock), () -> machine.io.spinLocks.KeAcquireSpinLock(spinLock, "KeAcquireSpinLock"));
    }

    /** KeReleaseSpinLock(SpinLock, NewIrql) (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-kereleasespinlock). */
    public void KeReleaseSpinLock(long spinLock, int newIrql) {
        ddiVoid("KeReleaseSpinLock", hex(spinLock) + ", " + Irql.name(newIrql & 0xFF),
                () -> machine.io.spinLocks.KeReleaseSpinLock(spinLock, newIrql & 0xFF));
    }

    /** KeAcquireSpinLockAtDpcLevel(SpinLock) (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-keacquirespinlockatdpclevel). */
    public void KeAcquireSpinLockAtDpcLevel(long spinLock) {
        ddiVoid("KeAcquireSpinLockAtDpcLevel", hex(spinLock),
                () -> machine.io.spinLocks.KeAcquireSpinLockAtDpcLevel(spinLock, "KeAcquireSpinLockAtDpcLevel"));
    }

    /** KeReleaseSpinLockFromDpcLevel(SpinLock) (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-kereleasespinlockfromdpclevel). */
    public void KeReleaseSpinLockFromDpcLevel(long spinLock) {
        ddiVoid("KeReleaseSpinLockFromDpcLevel", hex(spinLock), () -> machine.io.spinLocks.KeReleaseSpinLockFromDpcLevel(spinLock));
    }

    // ------------------------------------------------------------------ LIST_ENTRY (wdm.h inline routines, as driver code)

    /** InitializeListHead(ListHead). */
    public void InitializeListHead(long listHead) {
        machine.io.lists.InitializeListHead(listHead);
    }

    /** InsertTailList(ListHead, Entry): checks the links first (0x139 on corruption). */
    public void InsertTailList(long listHead, long entry) {
        machine.io.lists.InsertTailList(listHead, entry);
    }

    /** InsertHeadList(ListHead, Entry). */
    public void InsertHeadList(long listHead, long entry) {
        machine.io.lists.InsertHeadList(listHead, entry);
    }

    /** RemoveEntryList(Entry): TRUE when the list is then empty; a corrupt or already-removed entry is 0x139 (3, ...). */
    public boolean RemoveEntryList(long entry) {
        return machine.io.lists.RemoveEntryList(entry);
    }

    /** RemoveHeadList(ListHead): the first entry. */
    public long RemoveHeadList(long listHead) {
        return machine.io.lists.RemoveHeadList(listHead);
    }

    /** IsListEmpty(ListHead). */
    public boolean IsListEmpty(long listHead) {
        return machine.io.lists.IsListEmpty(listHead);
    }

    // ------------------------------------------------------------------ cancel-safe queues

    /**
     * IoCsqInitialize(Csq, CsqInsertIrp, CsqRemoveIrp, CsqPeekNextIrp, CsqAcquireLock, CsqReleaseLock,
     * CsqCompleteCanceledIrp): the callbacks by the names a scenario gave them
     * (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iocsqinitialize).
     */
    public int IoCsqInitialize(long csq, String csqInsertIrp, String csqRemoveIrp, String csqPeekNextIrp, String csqAcquireLock,
                               String csqReleaseLock, String csqCompleteCanceledIrp) {
        long insert = namedRoutine(csqInsertIrp, ntspec.io.IoCsq.InsertIrp.class, "CsqInsertIrp routine");
        long remove = namedRoutine(csqRemoveIrp, ntspec.io.IoCsq.RemoveIrp.class, "CsqRemoveIrp routine");
        long peek = namedRoutine(csqPeekNextIrp, ntspec.io.IoCsq.PeekNextIrp.class, "CsqPeekNextIrp routine");
        long acquire = namedRoutine(csqAcquireLock, ntspec.io.IoCsq.AcquireLock.class, "CsqAcquireLock routine");
        long release = namedRoutine(csqReleaseLock, ntspec.io.IoCsq.ReleaseLock.class, "CsqReleaseLock routine");
        long complete = namedRoutine(csqCompleteCanceledIrp, ntspec.io.IoCsq.CompleteCanceledIrp.class, "CsqCompleteCanceledIrp routine");
        return ddi("IoCsqInitialize", hex(csq) + ", " + csqInsertIrp + ", " + csqRemoveIrp + ", " + csqPeekNextIrp + ", " + csqAcquireLock
                + ", " + csqReleaseLock + ", " + csqCompleteCanceledIrp,
                () -> machine.io.csq.IoCsqInitialize(csq, insert, remove, peek, acquire, release, complete));
    }

    /** IoCsqInsertIrp(Csq, Irp, Context) (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iocsqinsertirp). */
    public void IoCsqInsertIrp(long csq, Irp irp, long context) {
        ddiVoid("IoCsqInsertIrp", hex(csq) + ", " + addr(irp) + ", " + hex(context), () -> machine.io.csq.IoCsqInsertIrp(csq, irp(irp), context));
    }

    /** IoCsqRemoveNextIrp(Csq, PeekContext) (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iocsqremovenextirp). */
    public Irp IoCsqRemoveNextIrp(long csq, long peekContext) {
        Irp r = ddi("IoCsqRemoveNextIrp", hex(csq) + ", " + hex(peekContext), () -> machine.io.csq.IoCsqRemoveNextIrp(csq, peekContext));
        machine.trace.add(Trace.Kind.RETURN, "IoCsqRemoveNextIrp returned", r == null ? 0 : r.address);
        return r;
    }

    /** IoCsqRemoveIrp(Csq, Context) (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iocsqremoveirp). */
    public Irp IoCsqRemoveIrp(long csq, long context) {
        Irp r = ddi("IoCsqRemoveIrp", hex(csq) + ", " + hex(context), () -> machine.io.csq.IoCsqRemoveIrp(csq, context));
        machine.trace.add(Trace.Kind.RETURN, "IoCsqRemoveIrp returned", r == null ? 0 : r.address);
        return r;
    }

    public Irp IoBuildDeviceIoControlRequest(int ioControlCode, DeviceObject deviceObject, long inputBuffer, long inputBufferLength,
                                             long outputBuffer, long outputBufferLength, boolean internalDeviceIoControl,
                                             KEvent event, long ioStatusBlock) {
        Irp irp = ddi("IoBuildDeviceIoControlRequest", String.format("0x%X, %s, %s, 0x%X, %s, 0x%X, %s", ioControlCode, deviceObject,
                hex(inputBuffer), inputBufferLength, hex(outputBuffer), outputBufferLength, bool(internalDeviceIoControl)),
                () -> machine.io.irp.IoBuildDeviceIoControlRequest(ioControlCode, device(deviceObject), inputBuffer, inputBufferLength,
                        outputBuffer, outputBufferLength, internalDeviceIoControl, event, ioStatusBlock));
        machine.trace.add(Trace.Kind.RETURN, "IoBuildDeviceIoControlRequest returned", irp == null ? 0 : irp.address);
        return irp;
    }

    // ------------------------------------------------------------------ MDLs

    public Mdl IoAllocateMdl(long virtualAddress, long length, boolean secondaryBuffer, boolean chargeQuota, Irp irp) {
        Mdl m = ddi("IoAllocateMdl", hex(virtualAddress) + ", " + hex(length) + ", " + bool(secondaryBuffer) + ", "
                + bool(chargeQuota) + ", " + addr(irp),
                () -> nt().IoAllocateMdl(virtualAddress, length, secondaryBuffer, chargeQuota, irp));
        machine.trace.add(Trace.Kind.RETURN, "IoAllocateMdl returned", m == null ? 0 : m.address);
        return m;
    }

    public void IoFreeMdl(Mdl mdl) {
        ddiVoid("IoFreeMdl", addr(mdl), () -> nt().IoFreeMdl(mdl(mdl)));
    }

    public void IoBuildPartialMdl(Mdl sourceMdl, Mdl targetMdl, long virtualAddress, long length) {
        ddiVoid("IoBuildPartialMdl", addr(sourceMdl) + ", " + addr(targetMdl) + ", " + hex(virtualAddress) + ", " + hex(length),
                () -> machine.io.mdl.IoBuildPartialMdl(mdl(sourceMdl), mdl(targetMdl), virtualAddress, length));
    }

    public long MmSizeOfMdl(long base, long length) {
        return MdlRoutines.MmSizeOfMdl(base, length);
    }

    public void MmInitializeMdl(Mdl mdl, long base, long length) {
        ddiVoid("MmInitializeMdl", addr(mdl) + ", " + hex(base) + ", " + hex(length), () -> MdlRoutines.MmInitializeMdl(mdl(mdl), base, length));
    }

    public long MmGetMdlVirtualAddress(Mdl mdl) {
        return ddi("MmGetMdlVirtualAddress", addr(mdl), () -> mdl(mdl).virtualAddress());
    }

    public long MmGetMdlByteCount(Mdl mdl) {
        return ddi("MmGetMdlByteCount", addr(mdl), () -> mdl(mdl).ByteCount());
    }

    public long MmGetMdlByteOffset(Mdl mdl) {
        return ddi("MmGetMdlByteOffset", addr(mdl), () -> mdl(mdl).ByteOffset());
    }

    /** MmGetMdlPfnArray: a pointer to the MDL's PFN array ("mdl + 1"); indexing it reads the slot from memory. */
    public PfnArray MmGetMdlPfnArray(Mdl mdl) {
        return new PfnArray(mdl(mdl));
    }

    public void MmProbeAndLockPages(Mdl mdl, int accessMode, int operation) {
        ddiVoid("MmProbeAndLockPages", addr(mdl) + ", " + mode(accessMode) + ", " + op(operation),
                () -> nt().MmProbeAndLockPages(mdl(mdl), accessMode, operation));
    }

    public void MmProbeAndLockProcessPages(Mdl mdl, EProcess process, int accessMode, int operation) {
        ddiVoid("MmProbeAndLockProcessPages", addr(mdl) + ", " + (process == null ? "NULL" : process.name) + ", " + mode(accessMode) + ", " + op(operation),
                () -> {
                    if (process == null) {
                        // KeStackAttachProcess reads the process's DirectoryTableBase: through NULL, that faults.
                        machine.mm.read(0x28, 8);
                    }
                    nt().MmProbeAndLockProcessPages(mdl(mdl), process, accessMode, operation);
                });
    }

    public void MmUnlockPages(Mdl mdl) {
        ddiVoid("MmUnlockPages", addr(mdl), () -> nt().MmUnlockPages(mdl(mdl)));
    }

    public long MmMapLockedPagesSpecifyCache(Mdl mdl, int accessMode, int cacheType, long requestedAddress,
                                             boolean bugCheckOnFailure, int priority) {
        return ddiReturning("MmMapLockedPagesSpecifyCache", addr(mdl) + ", " + mode(accessMode) + ", " + cacheType + ", "
                + hex(requestedAddress) + ", " + bool(bugCheckOnFailure) + ", " + priorityName(priority),
                () -> nt().MmMapLockedPagesSpecifyCache(mdl(mdl), accessMode, cacheType, requestedAddress,
                        bugCheckOnFailure, priority));
    }

    /** MmMapLockedPages (obsolete) = SpecifyCache(mdl, mode, MmCached, NULL, TRUE, HighPagePriority). */
    public long MmMapLockedPages(Mdl mdl, int accessMode) {
        return ddiReturning("MmMapLockedPages", addr(mdl) + ", " + mode(accessMode),
                () -> nt().MmMapLockedPages(mdl(mdl), accessMode));
    }

    public long MmGetSystemAddressForMdlSafe(Mdl mdl, int priority) {
        return ddiReturning("MmGetSystemAddressForMdlSafe", addr(mdl) + ", " + priorityName(priority),
                () -> {
                    // The wdm.h macro, expanded in the driver: its call of MmMapLockedPagesSpecifyCache
                    // goes through the driver's import table.
                    Mdl m = mdl(mdl);
                    if (m.hasFlag((short) (Mdl.MDL_MAPPED_TO_SYSTEM_VA | Mdl.MDL_SOURCE_IS_NONPAGED_POOL))) return m.MappedSystemVa();
                    return nt().MmMapLockedPagesSpecifyCache(m, KernelMode, MmCached, 0, false, priority);
                });
    }

    /** MmGetSystemAddressForMdl (obsolete): maps with MmMapLockedPages, which bug-checks on failure. */
    public long MmGetSystemAddressForMdl(Mdl mdl) {
        return ddiReturning("MmGetSystemAddressForMdl", addr(mdl), () -> {
            Mdl m = mdl(mdl);
            return m.hasFlag(MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL) ? m.MappedSystemVa()
                    : machine.mm.mdl.MmMapLockedPagesSpecifyCache(m, KernelMode, MmCached, 0, true, HighPagePriority);
        });
    }

    public void MmUnmapLockedPages(long baseAddress, Mdl mdl) {
        ddiVoid("MmUnmapLockedPages", hex(baseAddress) + ", " + addr(mdl), () -> nt().MmUnmapLockedPages(baseAddress, mdl(mdl)));
    }

    public void MmBuildMdlForNonPagedPool(Mdl mdl) {
        ddiVoid("MmBuildMdlForNonPagedPool", addr(mdl), () -> nt().MmBuildMdlForNonPagedPool(mdl(mdl)));
    }

    public void MmPrepareMdlForReuse(Mdl mdl) {
        ddiVoid("MmPrepareMdlForReuse", addr(mdl), () -> machine.mm.mdl.MmPrepareMdlForReuse(mdl(mdl)));
    }

    public Mdl MmAllocatePagesForMdlEx(long lowAddress, long highAddress, long skipBytes, long totalBytes, int cacheType, int flags) {
        Mdl m = ddi("MmAllocatePagesForMdlEx", hex(lowAddress) + ", " + hex(highAddress) + ", " + hex(skipBytes) + ", "
                + hex(totalBytes) + ", " + cacheType + ", " + hex(flags),
                () -> nt().MmAllocatePagesForMdlEx(lowAddress, highAddress, skipBytes, totalBytes, cacheType, flags));
        machine.trace.add(Trace.Kind.RETURN, "MmAllocatePagesForMdlEx returned", m == null ? 0 : m.address);
        return m;
    }

    public Mdl MmAllocatePagesForMdl(long lowAddress, long highAddress, long skipBytes, long totalBytes) {
        return MmAllocatePagesForMdlEx(lowAddress, highAddress, skipBytes, totalBytes, MmCached, 0);
    }

    public void MmFreePagesFromMdl(Mdl mdl) {
        ddiVoid("MmFreePagesFromMdl", addr(mdl), () -> nt().MmFreePagesFromMdl(mdl(mdl)));
    }

    // ------------------------------------------------------------------ reserved mappings

    /**
     * MmAllocateMappingAddress: reserves system PTEs for NumberOfBytes, tagged, without mapping
     * anything (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmallocatemappingaddress).
     */
    public long MmAllocateMappingAddress(long numberOfBytes, int poolTag) {
        return ddiReturning("MmAllocateMappingAddress", hex(numberOfBytes) + ", " + hex(poolTag & 0xFFFFFFFFL),
                () -> machine.mm.reservedMappings.MmAllocateMappingAddress(numberOfBytes, poolTag));
    }

    /** MmFreeMappingAddress (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmfreemappingaddress). */
    public void MmFreeMappingAddress(long baseAddress, int poolTag) {
        ddiVoid("MmFreeMappingAddress", hex(baseAddress) + ", " + hex(poolTag & 0xFFFFFFFFL),
                () -> machine.mm.reservedMappings.MmFreeMappingAddress(baseAddress, poolTag));
    }

    /**
     * MmMapLockedPagesWithReservedMapping: maps the MDL's pages into a range MmAllocateMappingAddress
     * reserved; NULL when the MDL spans more pages than the range
     * (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmmaplockedpageswithreservedmapping).
     */
    public long MmMapLockedPagesWithReservedMapping(long mappingAddress, int poolTag, Mdl mdl, int cacheType) {
        return ddiReturning("MmMapLockedPagesWithReservedMapping", hex(mappingAddress) + ", " + hex(poolTag & 0xFFFFFFFFL) + ", "
                + addr(mdl) + ", " + cacheType,
                () -> machine.mm.reservedMappings.MmMapLockedPagesWithReservedMapping(mappingAddress, poolTag, mdl(mdl), cacheType));
    }

    /** MmUnmapReservedMapping (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmunmapreservedmapping). */
    public void MmUnmapReservedMapping(long baseAddress, int poolTag, Mdl mdl) {
        ddiVoid("MmUnmapReservedMapping", hex(baseAddress) + ", " + hex(poolTag & 0xFFFFFFFFL) + ", " + addr(mdl),
                () -> machine.mm.reservedMappings.MmUnmapReservedMapping(baseAddress, poolTag, mdl(mdl)));
    }

    // ------------------------------------------------------------------ contiguous and non-cached memory

    /**
     * MmAllocateContiguousMemorySpecifyCache: physically contiguous frames within the bounds, mapped
     * in system space with CacheType; NULL when no such run is free
     * (https://learn.microsoft.com/windows-hardware/drivers/ddi/ntddk/nf-ntddk-mmallocatecontiguousmemoryspecifycache).
     */
    public long MmAllocateContiguousMemorySpecifyCache(long numberOfBytes, long lowestAcceptableAddress, long highestAcceptableAddress,
                                                       long boundaryAddressMultiple, int cacheType) {
        return ddiReturning("MmAllocateContiguousMemorySpecifyCache", hex(numberOfBytes) + ", " + hex(lowestAcceptableAddress) + ", "
                + hex(highestAcceptableAddress) + ", " + hex(boundaryAddressMultiple) + ", " + cacheType,
                () -> nt().MmAllocateContiguousMemorySpecifyCache(numberOfBytes, lowestAcceptableAddress, highestAcceptableAddress,
                        boundaryAddressMultiple, cacheType));
    }

    /** MmAllocateContiguousMemory (https://learn.microsoft.com/windows-hardware/drivers/ddi/ntddk/nf-ntddk-mmallocatecontiguousmemory). */
    public long MmAllocateContiguousMemory(long numberOfBytes, long highestAcceptableAddress) {
        return ddiReturning("MmAllocateContiguousMemory", hex(numberOfBytes) + ", " + hex(highestAcceptableAddress),
                () -> nt().MmAllocateContiguousMemory(numberOfBytes, highestAcceptableAddress));
    }

    /** MmFreeContiguousMemory (https://learn.microsoft.com/windows-hardware/drivers/ddi/ntddk/nf-ntddk-mmfreecontiguousmemory). */
    public void MmFreeContiguousMemory(long baseAddress) {
        ddiVoid("MmFreeContiguousMemory", hex(baseAddress), () -> machine.mm.contiguous.MmFreeContiguousMemory(baseAddress));
    }

    /** MmAllocateNonCachedMemory (https://learn.microsoft.com/windows-hardware/drivers/ddi/ntddk/nf-ntddk-mmallocatenoncachedmemory). */
    public long MmAllocateNonCachedMemory(long numberOfBytes) {
        return ddiReturning("MmAllocateNonCachedMemory", hex(numberOfBytes),
                () -> machine.mm.contiguous.MmAllocateNonCachedMemory(numberOfBytes));
    }

    /** MmFreeNonCachedMemory (https://learn.microsoft.com/windows-hardware/drivers/ddi/ntddk/nf-ntddk-mmfreenoncachedmemory). */
    public void MmFreeNonCachedMemory(long baseAddress, long numberOfBytes) {
        ddiVoid("MmFreeNonCachedMemory", hex(baseAddress) + ", " + hex(numberOfBytes),
                () -> machine.mm.contiguous.MmFreeNonCachedMemory(baseAddress, numberOfBytes));
    }

    public void ProbeForRead(long address, long length, int alignment) {
        ddiVoid("ProbeForRead", hex(address) + ", " + hex(length) + ", " + alignment,
                () -> nt().ProbeForRead(address, length, alignment));
    }

    public void ProbeForWrite(long address, long length, int alignment) {
        ddiVoid("ProbeForWrite", hex(address) + ", " + hex(length) + ", " + alignment,
                () -> nt().ProbeForWrite(address, length, alignment));
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

    /** {@code *(PULONG_PTR)address}: an 8-byte kernel-mode read by the driver's code. */
    public long readPointer(long address) {
        return machine.mm.read(address, 8);
    }

    /** {@code *(PULONG_PTR)address = value}. */
    public void writePointer(long address, long value) {
        machine.mm.write(address, 8, value);
    }

    public byte[] read(long address, int length) {
        return machine.mm.read(address, length, false);
    }

    /**
     * A kernel-mode read of {@code length} bytes from {@code address}, in order, as a driver's loop
     * reads them: page by page, each page's bytes read through the MMU, so a fault stops it at the
     * first byte of the page that faults. Nothing is kept: a read of 2 GiB costs only the pages it
     * reaches.
     */
    public void readRange(long address, long length) {
        long va = address;
        long end = address + length;
        while (Long.compareUnsigned(va, end) < 0) {
            long chunk = Math.min(0x1000 - (va & 0xFFF), end - va);
            machine.mm.read(va, (int) chunk, false);
            va += chunk;
        }
    }

    public void write(long address, byte[] data) {
        machine.mm.write(address, data, false);
    }

    public void write(long address, String ascii) {
        write(address, ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** RtlCopyMemory(Destination, Source, Length): the driver's own memcpy, forward, page by page. */
    /**
     * RtlNtStatusToDosError: the Win32 error code kernel32 reports for a status
     * (https://learn.microsoft.com/windows/win32/api/winternl/nf-winternl-rtlntstatustodoserror).
     */
    public int RtlNtStatusToDosError(int status) {
        return ddi("RtlNtStatusToDosError", ntspec.ke.NtStatus.name(status), () -> ntspec.ke.Win32Error.fromNtStatus(status));
    }

    /**
     * RtlCopyMemory (memcpy in wdm.h): traced like a DDI so a scenario's trace shows the copy, its
     * faults and the bug check of a bad address; the copy itself is the driver's own access
     * (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-rtlcopymemory).
     */
    public void RtlCopyMemory(long destination, long source, long length) {
        inline("RtlCopyMemory", hex(destination) + ", " + hex(source) + ", " + hex(length),
                () -> machine.mm.copyForward(destination, source, length));
    }

    public void RtlFillMemory(long destination, long length, int fill) {
        inline("RtlFillMemory", hex(destination) + ", " + hex(length) + ", " + hex(fill & 0xFF),
                () -> {
                    for (long i = 0; i < length; i++) writeByte(destination + i, fill);
                });
    }

    public void RtlZeroMemory(long destination, long length) {
        inline("RtlZeroMemory", hex(destination) + ", " + hex(length),
                () -> {
                    for (long i = 0; i < length; i++) writeByte(destination + i, 0);
                });
    }
}
