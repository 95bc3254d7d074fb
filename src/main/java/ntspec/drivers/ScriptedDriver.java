package ntspec.drivers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import ntspec.Machine;
import ntspec.io.DeviceObject;
import ntspec.io.IoConstants;
import ntspec.wdm.Script;
import ntspec.wdm.Wdm;

/**
 * A driver whose dispatch and completion routines are statements written in a scenario (the
 * language of {@link Script}), so new driver behaviour needs no Java. A dispatch routine sees
 * {@code Irp}, {@code DeviceObject}, {@code IrpSp} (its stack location) and {@code LowerDevice}
 * (what its device is attached to, or NULL) and must {@code return} a status; a completion
 * routine sees {@code Irp}, {@code DeviceObject} and {@code Context}. Other names are the
 * scenario's.
 */
public final class ScriptedDriver extends Wdm {
    private final Map<String, Object> names;
    private DeviceObject device;

    private DeviceObject lower;

    public ScriptedDriver(Machine machine, String imageName, Map<String, Object> scenarioNames) {
        super(machine, imageName);
        this.names = scenarioNames;
        // The DriverUnload a correct driver has: detach from the stack, delete the device. It does
        // not wait for IRPs in flight: that is what IoSetCompletionRoutineEx is for.
        setDriverUnload(driver -> {
            if (lower != null) IoDetachDevice(lower);
            if (device != null) IoDeleteDevice(device);
        });
    }

    public DeviceObject device() {
        return device;
    }

    /** IoCreateDevice with the given flags (DO_BUFFERED_IO, DO_DIRECT_IO or 0). */
    public DeviceObject createDevice(String deviceName, int flags) {
        DeviceObject[] d = new DeviceObject[1];
        int status = IoCreateDevice(DriverObject(), 0, deviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, d);
        if (status != STATUS_SUCCESS) throw new IllegalArgumentException("a device named " + deviceName + " already exists");
        device = d[0];
        device.setFlags(device.Flags() | flags);
        // The create, cleanup and close every driver that can be opened has (the DispatchCreateClose
        // of the WDK samples): complete with STATUS_SUCCESS. A scenario's own handler replaces it.
        for (int mj : new int[] {IRP_MJ_CREATE, IRP_MJ_CLEANUP, IRP_MJ_CLOSE}) {
            setDispatch(mj, (deviceObject, irp) -> {
                irp.IoStatus.setStatus(STATUS_SUCCESS);
                irp.IoStatus.setInformation(0);
                IoCompleteRequest(irp, IO_NO_INCREMENT);
                return STATUS_SUCCESS;
            });
        }
        return device;
    }

    /** Creates an unnamed device and attaches it on top of {@code target}'s stack (a filter). */
    public DeviceObject attachTo(DeviceObject target) {
        createDevice(null, 0);
        lower = IoAttachDeviceToDeviceStack(device, target);
        if (lower == null) throw new IllegalArgumentException("cannot attach to " + target + ": it is being deleted");
        device.setFlags(device.Flags() | (lower.Flags() & (DO_BUFFERED_IO | DO_DIRECT_IO)));
        // A filter passes on what it does not handle itself: create, cleanup and close go down.
        for (int mj : new int[] {IRP_MJ_CREATE, IRP_MJ_CLEANUP, IRP_MJ_CLOSE}) {
            setDispatch(mj, (deviceObject, irp) -> {
                IoSkipCurrentIrpStackLocation(irp);
                return IoCallDriver(lower, irp);
            });
        }
        return device;
    }

    public void defineDispatch(int majorFunction, List<String> statements) {
        String routine = "Dispatch" + IoConstants.majorName(majorFunction);
        setDispatch(majorFunction, (deviceObject, irp) -> {
            Map<String, Object> locals = new LinkedHashMap<>();
            locals.put("Irp", irp);
            locals.put("DeviceObject", deviceObject);
            locals.put("IrpSp", machine.io.irp.IoGetCurrentIrpStackLocation(irp));
            locals.put("LowerDevice", deviceObject.AttachedTo());
            Script.Returned r = new Script(this, names, locals).executeBlock(statements);
            if (r == null) {
                throw new Script.ScriptException(routine + " of " + image().name()
                        + " ended without a status; end it with a row such as | return STATUS_SUCCESS | or | return status |");
            }
            int status = (int) Script.toLong(r.value(), "the status " + routine + " returns");
            if (status == STATUS_PENDING && interruptDpc != null) deviceStarted(deviceObject, irp);
            return status;
        });
    }

    private List<String> interruptDpc;
    private int interruptProcessor;

    /**
     * The driver's device finishes each request the driver pends and interrupts; the interrupt's
     * DPC runs {@code statements} on {@code processor}, seeing the request as {@code Irp} and the
     * device as {@code DeviceObject}. The machine runs that pending work when time passes, that is
     * while a thread blocks in a wait ({@link ntspec.ke.Waits}).
     */
    public void defineInterruptDpc(int processor, List<String> statements) {
        if (processor < 0 || processor >= machine.kernel.processorCount()) {
            throw new IllegalArgumentException("processor " + processor + " does not exist; the machine has " + machine.kernel.processorCount());
        }
        interruptDpc = statements;
        interruptProcessor = processor;
    }

    private void deviceStarted(ntspec.io.DeviceObject deviceObject, ntspec.io.Irp irp) {
        List<String> dpc = interruptDpc;
        int processor = interruptProcessor;
        machine.kernel.queuePendingWork(image().name() + "'s device finishes " + irp + " and interrupts: DPC on CPU " + processor, cpu -> {
            Map<String, Object> locals = new LinkedHashMap<>();
            locals.put("Irp", irp);
            locals.put("DeviceObject", deviceObject);
            runDpc(processor, () -> new Script(this, names, locals).executeBlock(dpc));
        });
    }

    public void defineCompletionRoutine(String name, List<String> statements) {
        registerCompletionRoutine(name, (deviceObject, irp, context) -> {
            Map<String, Object> locals = new LinkedHashMap<>();
            locals.put("Irp", irp);
            locals.put("DeviceObject", deviceObject);
            locals.put("Context", context);
            Script.Returned r = new Script(this, names, locals).executeBlock(statements);
            if (r == null) {
                throw new Script.ScriptException("completion routine " + name + " of " + image().name()
                        + " ended without a status; end it with | return STATUS_CONTINUE_COMPLETION | or | return STATUS_MORE_PROCESSING_REQUIRED |");
            }
            return (int) Script.toLong(r.value(), "the status " + name + " returns");
        });
    }

    /** The kinds of routine {@link #defineRoutine} takes, with the parameters each sees (wdm.h's typedefs). */
    public static final List<String> ROUTINE_KINDS = List.of("cancel routine", "CsqInsertIrp routine", "CsqRemoveIrp routine",
            "CsqPeekNextIrp routine", "CsqAcquireLock routine", "CsqReleaseLock routine", "CsqCompleteCanceledIrp routine");

    private Script.Returned body(String name, List<String> statements, Map<String, Object> locals) {
        return new Script(this, names, locals).executeBlock(statements);
    }

    private static Map<String, Object> locals(Object... pairs) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) m.put((String) pairs[i], pairs[i + 1]);
        return m;
    }

    /**
     * A named routine of another kind than dispatch and completion: a cancel routine (DRIVER_CANCEL:
     * sees {@code DeviceObject}, {@code Irp}; it runs at DISPATCH_LEVEL holding the cancel spin lock,
     * which it releases with {@code IoReleaseCancelSpinLock(Irp->CancelIrql)}) or one of the six
     * callbacks of a cancel-safe queue (they see {@code Csq} and, as wdm.h declares them, {@code Irp},
     * {@code PeekContext} or {@code Irql}: a PKIRQL for CsqAcquireLock, the KIRQL for CsqReleaseLock;
     * CsqPeekNextIrp returns the next IRP or NULL).
     */
    public void defineRoutine(String kind, String name, List<String> statements) {
        String where = kind + " " + name + " of " + image().name();
        switch (kind) {
            case "cancel routine" -> registerRoutine(name, (ntspec.io.DriverCancel) (deviceObject, irp) ->
                    body(name, statements, locals("DeviceObject", deviceObject, "Irp", irp)));
            case "CsqInsertIrp routine" -> registerRoutine(name, (ntspec.io.IoCsq.InsertIrp) (csq, irp) ->
                    body(name, statements, locals("Csq", csq, "Irp", irp)));
            case "CsqRemoveIrp routine" -> registerRoutine(name, (ntspec.io.IoCsq.RemoveIrp) (csq, irp) ->
                    body(name, statements, locals("Csq", csq, "Irp", irp)));
            case "CsqPeekNextIrp routine" -> registerRoutine(name, (ntspec.io.IoCsq.PeekNextIrp) (csq, irp, peekContext) -> {
                Script.Returned r = body(name, statements, locals("Csq", csq, "Irp", irp, "PeekContext", peekContext));
                if (r == null) {
                    throw new Script.ScriptException(where + " ended without an IRP; end it with | return NULL | or | return nextIrp |");
                }
                return Script.toLong(r.value(), "the IRP " + name + " returns");
            });
            case "CsqAcquireLock routine" -> registerRoutine(name, (ntspec.io.IoCsq.AcquireLock) (csq, irql) ->
                    body(name, statements, locals("Csq", csq, "Irql", irql)));
            case "CsqReleaseLock routine" -> registerRoutine(name, (ntspec.io.IoCsq.ReleaseLock) (csq, irql) ->
                    body(name, statements, locals("Csq", csq, "Irql", (long) irql)));
            case "CsqCompleteCanceledIrp routine" -> registerRoutine(name, (ntspec.io.IoCsq.CompleteCanceledIrp) (csq, irp) ->
                    body(name, statements, locals("Csq", csq, "Irp", irp)));
            default -> throw new IllegalArgumentException("unknown kind of routine \"" + kind + "\"; accepted: " + String.join(", ", ROUTINE_KINDS));
        }
    }

    /** Runs statements as this driver's DPC routine on {@code processor}. */
    public void runDpc(int processor, List<String> statements) {
        runDpc(processor, () -> new Script(this, names, Map.of()).executeBlock(statements));
    }

    /** Runs statements as this driver's code at the current IRQL, on the current processor. */
    public void run(List<String> statements) {
        runAsDriver("Routine", () -> new Script(this, names, Map.of()).executeBlock(statements));
    }
}
