package ntspec.drivers;

import ntspec.Machine;
import ntspec.io.DeviceObject;
import ntspec.io.DriverDispatch;
import ntspec.io.IoCompletionRoutine;
import ntspec.io.IoStackLocation;
import ntspec.io.Irp;
import ntspec.mm.Mdl;
import ntspec.wdm.Wdm;

/**
 * The upper filter of the ntdev thread (https://community.osr.com/t/method-neither-ioctl-and-mapping/24522): for a METHOD_NEITHER IOCTL it locks the
 * caller's output buffer on the way down, in the caller's context (IoAllocateMdl +
 * MmProbeAndLockPages(RequestorMode) inside __try/__except), maps it with
 * MmGetSystemAddressForMdlSafe, and in its completion routine — possibly at DISPATCH_LEVEL in an
 * arbitrary process — copies what the function driver wrote into its capture buffer and cleans up
 * by one of the thread's variants.
 */
public final class UpperFilter extends Wdm {
    /** How the completion routine cleans up, as the thread's posts and the answers propose. */
    public enum Cleanup {
        /** The poster's: MmUnmapLockedPages, MmUnlockPages, IoFreeMdl. */
        UNMAP_UNLOCK_FREE("unmap, unlock and free"),
        /** The answer's: MmUnlockPages (which releases the mapping), IoFreeMdl. */
        UNLOCK_FREE("unlock and free"),
        /** The wrong order: MmUnlockPages, then MmUnmapLockedPages, then IoFreeMdl. */
        UNLOCK_THEN_UNMAP("unlock then unmap"),
        /** IoFreeMdl only: the lock and the mapping leak. */
        FREE_ONLY("free only"),
        /** No MDL at all: the completion routine reads the raw user address (the bug the thread warns of). */
        NO_MDL_TOUCH_USER_ADDRESS("no MDL, touching the user address");

        public final String phrase;

        Cleanup(String phrase) {
            this.phrase = phrase;
        }

        public static Cleanup of(String phrase) {
            for (Cleanup c : values()) if (c.phrase.equals(phrase)) return c;
            StringBuilder sb = new StringBuilder();
            for (Cleanup c : values()) sb.append(sb.length() > 0 ? ", " : "").append('"').append(c.phrase).append('"');
            throw new IllegalArgumentException("unknown cleanup \"" + phrase + "\"; accepted: " + sb);
        }
    }

    public static final int CAPTURE_SIZE = 0x100;

    private final Cleanup cleanup;
    private final DeviceObject device;
    private final DeviceObject lower;
    /** Nonpaged pool the completion routine copies the buffer's first bytes into. */
    public final long capture;

    /** The completion context the filter allocates per request: { PMDL Mdl; PVOID SystemVa; PVOID UserVa; }. */
    private static final int CONTEXT_SIZE = 0x18;
    private static final int TAG_CONTEXT = 0x78746346; // 'Fctx'
    private final IoCompletionRoutine completion = this::FilterCompletion;

    public UpperFilter(Machine machine, String imageName, DeviceObject target, Cleanup cleanup) {
        super(machine, imageName);
        this.cleanup = cleanup;
        DeviceObject[] d = new DeviceObject[1];
        IoCreateDevice(DriverObject(), 0, null, target.DeviceType(), 0, FALSE, d);
        device = d[0];
        lower = IoAttachDeviceToDeviceStack(device, target);
        device.setFlags(device.Flags() | (lower.Flags() & (DO_BUFFERED_IO | DO_DIRECT_IO)));
        capture = ExAllocatePoolWithTag(NonPagedPoolNx, CAPTURE_SIZE, 0x746C6946); // 'Filt'
        RtlZeroMemory(capture, CAPTURE_SIZE);
        DriverDispatch passThrough = this::DispatchPassThrough;
        for (int mj = 0; mj <= IRP_MJ_MAXIMUM_FUNCTION; mj++) setDispatch(mj, passThrough);
        setDispatch(IRP_MJ_DEVICE_CONTROL, this::DispatchDeviceControl);
        setDriverUnload(driver -> {
            IoDetachDevice(lower);
            IoDeleteDevice(device);
            ExFreePoolWithTag(capture, 0x746C6946);
        });
    }

    public DeviceObject device() {
        return device;
    }

    private int DispatchPassThrough(DeviceObject deviceObject, Irp irp) {
        IoSkipCurrentIrpStackLocation(irp);
        return IoCallDriver(lower, irp);
    }

    private int DispatchDeviceControl(DeviceObject deviceObject, Irp irp) {
        IoStackLocation irpSp = IoGetCurrentIrpStackLocation(irp);
        long outLen = irpSp.Parameters.DeviceIoControl.OutputBufferLength();
        long userBuffer = irp.UserBuffer();
        if (METHOD_FROM_CTL_CODE(irpSp.Parameters.DeviceIoControl.IoControlCode()) != METHOD_NEITHER
                || userBuffer == NULL || outLen == 0) {
            return DispatchPassThrough(deviceObject, irp);
        }
        long context = ExAllocatePoolWithTag(NonPagedPoolNx, CONTEXT_SIZE, TAG_CONTEXT);
        if (context == NULL) return fail(irp, STATUS_INSUFFICIENT_RESOURCES);
        writePointer(context + 0x10, userBuffer);
        if (cleanup == Cleanup.NO_MDL_TOUCH_USER_ADDRESS) {
            writePointer(context, NULL);
            writePointer(context + 0x08, NULL);
        } else {
            Mdl mdl = IoAllocateMdl(userBuffer, outLen, FALSE, FALSE, null);
            if (mdl == null) {
                ExFreePoolWithTag(context, TAG_CONTEXT);
                return fail(irp, STATUS_INSUFFICIENT_RESOURCES);
            }
            int[] caught = {STATUS_SUCCESS};
            __try(() -> MmProbeAndLockPages(mdl, irp.RequestorMode(), IoWriteAccess), code -> caught[0] = code);
            if (caught[0] != STATUS_SUCCESS) {
                IoFreeMdl(mdl);
                ExFreePoolWithTag(context, TAG_CONTEXT);
                return fail(irp, caught[0]);
            }
            long va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority);
            if (va == NULL) {
                MmUnlockPages(mdl);
                IoFreeMdl(mdl);
                ExFreePoolWithTag(context, TAG_CONTEXT);
                return fail(irp, STATUS_INSUFFICIENT_RESOURCES);
            }
            writePointer(context, mdl.address);
            writePointer(context + 0x08, va);
        }
        IoCopyCurrentIrpStackLocationToNext(irp);
        IoSetCompletionRoutine(irp, completion, context, TRUE, TRUE, TRUE);
        return IoCallDriver(lower, irp);
    }

    private int fail(Irp irp, int status) {
        irp.IoStatus.setStatus(status);
        irp.IoStatus.setInformation(0);
        IoCompleteRequest(irp, IO_NO_INCREMENT);
        return status;
    }

    private int FilterCompletion(DeviceObject deviceObject, Irp irp, long context) {
        long mdlAddress = readPointer(context);
        long systemVa = readPointer(context + 0x08);
        long userVa = readPointer(context + 0x10);
        if (irp.PendingReturned()) IoMarkIrpPending(irp);
        long n = Math.min(irp.IoStatus.Information(), CAPTURE_SIZE);
        if (NT_SUCCESS(irp.IoStatus.Status()) && n > 0) {
            long source = mdlAddress == NULL ? userVa : systemVa;
            RtlCopyMemory(capture, source, n);
        }
        Mdl mdl = mdlAddress == NULL ? null : machine.mm.mdl.at(mdlAddress);
        ExFreePoolWithTag(context, TAG_CONTEXT);
        switch (cleanup) {
            case UNMAP_UNLOCK_FREE -> {
                MmUnmapLockedPages(systemVa, mdl);
                MmUnlockPages(mdl);
                IoFreeMdl(mdl);
            }
            case UNLOCK_FREE -> {
                MmUnlockPages(mdl);
                IoFreeMdl(mdl);
            }
            case UNLOCK_THEN_UNMAP -> {
                MmUnlockPages(mdl);
                MmUnmapLockedPages(systemVa, mdl);
                IoFreeMdl(mdl);
            }
            case FREE_ONLY -> IoFreeMdl(mdl);
            case NO_MDL_TOUCH_USER_ADDRESS -> { }
        }
        return STATUS_CONTINUE_COMPLETION;
    }
}
