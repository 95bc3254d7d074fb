package ntspec.drivers;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import ntspec.Machine;
import ntspec.io.DeviceObject;
import ntspec.io.IoStackLocation;
import ntspec.io.Irp;
import ntspec.mm.Mdl;
import ntspec.wdm.Wdm;

/**
 * A function driver for one device: it services METHOD_BUFFERED, METHOD_IN_DIRECT,
 * METHOD_OUT_DIRECT and METHOD_NEITHER IOCTLs (and READ/WRITE) by answering with its reply
 * bytes, as the WDK's samples do for each transfer type ("Buffer Descriptions for I/O Control
 * Codes"). It completes each request at once, or marks it pending and completes it later from a
 * DPC on any processor — where the thread and process are whatever that processor was running.
 */
public final class FunctionDriver extends Wdm {
    private final DeviceObject device;
    private final List<Irp> pending = new ArrayList<>();
    private byte[] reply;
    private boolean pend;

    public FunctionDriver(Machine machine, String imageName, String deviceName, int deviceFlags) {
        super(machine, imageName);
        DeviceObject[] d = new DeviceObject[1];
        int status = IoCreateDevice(DriverObject(), 0, deviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, d);
        if (status != STATUS_SUCCESS) throw new IllegalArgumentException("a device named " + deviceName + " already exists");
        device = d[0];
        device.setFlags(device.Flags() | deviceFlags);
        reply = ("reply from " + imageName).getBytes(StandardCharsets.ISO_8859_1);
        setDispatch(IRP_MJ_CREATE, this::DispatchCreateClose);
        setDispatch(IRP_MJ_CLEANUP, this::DispatchCreateClose);
        setDispatch(IRP_MJ_CLOSE, this::DispatchCreateClose);
        setDispatch(IRP_MJ_DEVICE_CONTROL, this::DispatchDeviceControl);
        setDispatch(IRP_MJ_READ, this::DispatchReadWrite);
        setDispatch(IRP_MJ_WRITE, this::DispatchReadWrite);
    }

    public DeviceObject device() {
        return device;
    }

    public void setReply(String text) {
        reply = text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** From now on requests are marked pending and completed by {@link #completePendingFromDpc}. */
    public void setPending(boolean on) {
        pend = on;
    }

    public int pendingCount() {
        return pending.size();
    }

    private int DispatchDeviceControl(DeviceObject deviceObject, Irp irp) {
        IoStackLocation irpSp = IoGetCurrentIrpStackLocation(irp);
        int code = irpSp.Parameters.DeviceIoControl.IoControlCode();
        long outLen = irpSp.Parameters.DeviceIoControl.OutputBufferLength();
        long userBuffer = irp.UserBuffer();
        if (METHOD_FROM_CTL_CODE(code) == METHOD_NEITHER && userBuffer != NULL && outLen > 0) {
            // Raw user address: only valid here, in the requester's context; probe and write under __try.
            long n = Math.min(outLen, reply.length);
            int[] status = {STATUS_SUCCESS};
            __try(() -> {
                if (irp.RequestorMode() == UserMode) ProbeForWrite(userBuffer, outLen, 1);
                write(userBuffer, java.util.Arrays.copyOf(reply, (int) n));
            }, c -> status[0] = c);
            irp.IoStatus.setInformation(status[0] == STATUS_SUCCESS ? n : 0);
            return finish(irp, status[0]);
        }
        return finish(irp, STATUS_SUCCESS);
    }

    private int DispatchReadWrite(DeviceObject deviceObject, Irp irp) {
        return finish(irp, STATUS_SUCCESS);
    }

    private int finish(Irp irp, int status) {
        if (pend && status == STATUS_SUCCESS) {
            IoMarkIrpPending(irp);
            pending.add(irp);
            // The device finishes the transfer and interrupts when time passes (while a thread waits):
            // the DPC completes what is still pending, on the processor free to run it.
            machine.kernel.queuePendingWork(image.name() + "'s device finishes " + irp + " and interrupts", cpu -> {
                if (!pending.isEmpty()) completePendingFromDpc(cpu);
            });
            return STATUS_PENDING;
        }
        complete(irp, status);
        return status;
    }

    /** Fills the output through the system buffer or the MDL (valid in any context), then completes. */
    private void complete(Irp irp, int status) {
        if (status == STATUS_SUCCESS) {
            IoStackLocation irpSp = IoGetCurrentIrpStackLocation(irp);
            int mj = irpSp.MajorFunction();
            long outLen = mj == IRP_MJ_DEVICE_CONTROL ? irpSp.Parameters.DeviceIoControl.OutputBufferLength() : irpSp.Parameters.Read.Length();
            int method = mj == IRP_MJ_DEVICE_CONTROL ? METHOD_FROM_CTL_CODE(irpSp.Parameters.DeviceIoControl.IoControlCode()) : -1;
            boolean toCaller = mj == IRP_MJ_READ || method == METHOD_BUFFERED || method == METHOD_OUT_DIRECT;
            long n = Math.min(outLen, reply.length);
            Mdl mdl = irp.MdlAddress();
            long system = irp.AssociatedIrp.SystemBuffer();
            if (method == METHOD_NEITHER) {
                n = irp.IoStatus.Information();
            } else if (mdl != null) {
                long va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority);
                if (va == NULL) {
                    status = STATUS_INSUFFICIENT_RESOURCES;
                    n = 0;
                } else if (toCaller) {
                    write(va, java.util.Arrays.copyOf(reply, (int) n));
                } else {
                    read(va, (int) Math.min(mdl.ByteCount(), 0x100)); // the device consumes the caller's data
                    n = mdl.ByteCount();
                }
            } else if (system != NULL && toCaller) {
                write(system, java.util.Arrays.copyOf(reply, (int) n));
            } else if (mj == IRP_MJ_WRITE) {
                n = irpSp.Parameters.Write.Length();
            } else if (mj == IRP_MJ_DEVICE_CONTROL && system == NULL) {
                n = 0;
            }
            irp.IoStatus.setInformation(status == STATUS_SUCCESS ? n : 0);
        }
        irp.IoStatus.setStatus(status);
        IoCompleteRequest(irp, IO_NO_INCREMENT);
    }

    /**
     * A DPC on {@code processor} (at DISPATCH_LEVEL, in whatever thread that processor runs)
     * completes every pending request.
     */
    public void completePendingFromDpc(int processor) {
        runDpc(processor, () -> {
            List<Irp> all = new ArrayList<>(pending);
            pending.clear();
            for (Irp irp : all) complete(irp, STATUS_SUCCESS);
        });
    }

    /** IRP_MJ_CREATE, IRP_MJ_CLEANUP and IRP_MJ_CLOSE: nothing to set up or tear down; success. */
    int DispatchCreateClose(DeviceObject deviceObject, Irp irp) {
        irp.IoStatus.setStatus(STATUS_SUCCESS);
        irp.IoStatus.setInformation(0);
        IoCompleteRequest(irp, IO_NO_INCREMENT);
        return STATUS_SUCCESS;
    }
}
