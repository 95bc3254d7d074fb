package ntspec.io;

import static ntspec.io.IoConstants.*;

import ntspec.ke.Irql;
import ntspec.ke.KEvent;
import ntspec.ke.NtStatus;
import ntspec.mm.Mdl;
import ntspec.mm.MdlRoutines;
import ntspec.mm.Pool;
import ntspec.trace.Trace;

/**
 * The system services that build IRPs for user requests (ReactOS io/iomgr/iofunc.c):
 * NtDeviceIoControlFile with the four transfer methods (https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/iofunc.c, https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/device.c) and
 * NtReadFile / NtWriteFile. Each runs as nt's code in the calling thread, with the system
 * service's exception frame at its base: an exception a driver lets escape is
 * SYSTEM_SERVICE_EXCEPTION (0x3B).
 */
public final class IoFunc {
    private final IoManager io;

    IoFunc(IoManager io) {
        this.io = io;
    }

    /**
     * What a user-mode request left: the service's return value once it returned, and where the
     * caller's IOSB is. While a synchronous request waits for a pending IRP, it has not returned.
     */
    public final class Request {
        public final Handle handle;
        public final long iosb;
        public final KEvent event;
        /** The driver's return from IoCallDriver, or null if no IRP was sent. */
        Integer dispatchStatus;
        Integer earlyStatus;
        /** The IRP that was sent (its address; the packet is freed at completion). */
        public final long irp;
        /** The Win32 routine the caller called: DeviceIoControl, ReadFile or WriteFile (its result rules differ). */
        String api = "DeviceIoControl";

        Request(Handle handle, long iosb, KEvent event, long irp) {
            this.handle = handle;
            this.iosb = iosb;
            this.event = event;
            this.irp = irp;
        }

        public FileObject file() {
            return handle.file();
        }

        /** The IRP view (its memory may have been freed and reused since). */
        public Irp Irp() {
            return irp == 0 ? null : io.irpAt(irp);
        }

        private boolean fileEventSignaled() {
            Long state = io.mm.peekIn(io.mm.systemDirectoryTableBase, handle.file().address + 0x98 + 4, 4);
            return state != null && state.intValue() != 0;
        }

        private int finalStatus() {
            Long v = io.mm.peekIn(io.mm.systemDirectoryTableBase, handle.file().address + 0x38, 4);
            return v == null ? 0 : v.intValue();
        }

        boolean synchronous() {
            Long v = io.mm.peekIn(io.mm.systemDirectoryTableBase, handle.file().address + 0x50, 4);
            return v != null && (v & FileObject.FO_SYNCHRONOUS_IO) != 0;
        }

        /** True while a synchronous request still waits for its pending IRP. */
        public boolean isWaiting() {
            return earlyStatus == null && dispatchStatus != null && dispatchStatus == NtStatus.STATUS_PENDING
                    && synchronous() && !fileEventSignaled();
        }

        /**
         * The caller's IO_STATUS_BLOCK as it is in the caller's memory now, read through the
         * caller's page tables as a debugger does (no fault); null if that page is not resident.
         */
        public IoStatusBlockView IoStatus() {
            long cr3 = handle.process().directoryTableBase;
            Long status = io.mm.peekIn(cr3, iosb, 8);
            Long info = io.mm.peekIn(cr3, iosb + 8, 8);
            return status == null || info == null ? null : new IoStatusBlockView(status.intValue(), info);
        }

        /** The NTSTATUS the service returned; null while it waits. */
        public Integer returnValue() {
            if (earlyStatus != null) return earlyStatus;
            if (dispatchStatus != null && dispatchStatus == NtStatus.STATUS_PENDING && synchronous()) {
                return fileEventSignaled() ? finalStatus() : null;
            }
            return dispatchStatus;
        }
    }

    /**
     * What the Win32 routine returned to its caller, derived from the service's status and the
     * caller's IO_STATUS_BLOCK as kernel32 derives it (Wine's kernelbase DeviceIoControl and
     * ReadFile/WriteFile, checked by its tests against Windows:
     * https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/kernelbase/file.c):
     * DeviceIoControl fails on STATUS_PENDING and on any status that is not NT_SUCCESS (warnings
     * such as STATUS_BUFFER_OVERFLOW included) and writes *lpBytesReturned unless the status is an
     * error; ReadFile and WriteFile fail on any status but STATUS_SUCCESS and STATUS_TIMEOUT, except
     * that a synchronous ReadFile at STATUS_END_OF_FILE succeeds with 0 bytes. A failure sets the
     * thread's last error to RtlNtStatusToDosError(status); a success leaves it as it was.
     */
    public record Win32View(boolean result, Integer lastError, Long bytesReturned, String why) {
    }

    /** The Win32 view of a request that has returned; null while its caller still waits. */
    public static Win32View win32(Request r) {
        Integer st = r.returnValue();
        if (st == null) return null;
        int status = st;
        boolean overlapped = !r.synchronous();
        IoStatusBlockView iosb = r.IoStatus();
        Long information = iosb == null ? null : iosb.Information;
        if (r.api.endsWith("FileEx")) {
            // ReadFileEx / WriteFileEx: TRUE for STATUS_PENDING and STATUS_SUCCESS (Wine's kernelbase);
            // the count goes to the completion routine, not to the caller.
            boolean ok = status == NtStatus.STATUS_PENDING || status == NtStatus.STATUS_SUCCESS;
            return new Win32View(ok, ok ? null : ntspec.ke.Win32Error.fromNtStatus(status), null,
                    r.api + " returns no byte count: its completion routine receives it");
        }
        if (r.api.equals("DeviceIoControl")) {
            boolean error = (status >>> 30) == 3;
            Long returned = error || status == NtStatus.STATUS_PENDING ? null : information;
            String why = error ? "DeviceIoControl writes *lpBytesReturned only when the status is not an error (NT_ERROR)"
                    : "the request is pending: *lpBytesReturned holds no count yet; GetOverlappedResult gives it";
            boolean ok = status != NtStatus.STATUS_PENDING && NtStatus.NT_SUCCESS(status);
            return new Win32View(ok, ok ? null : ntspec.ke.Win32Error.fromNtStatus(status), returned, why);
        }
        // kernel32 sets its IO_STATUS_BLOCK's Information to 0 before the call; the I/O manager
        // writes the block only for a status that is not an error or a request that pended
        // (https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/irp.c, IopCompleteRequest),
        // so a synchronous failure leaves kernel32's 0 there.
        boolean written = (status >>> 30) != 3 || (r.dispatchStatus != null && r.dispatchStatus == NtStatus.STATUS_PENDING);
        if (!written) information = 0L;
        Long returned = overlapped && status != 0 ? Long.valueOf(0) : information;
        boolean ok = status == NtStatus.STATUS_END_OF_FILE ? !overlapped
                : status == NtStatus.STATUS_SUCCESS || status == NtStatus.STATUS_TIMEOUT;
        return new Win32View(ok, ok ? null : ntspec.ke.Win32Error.fromNtStatus(status), returned,
                "the caller's IO_STATUS_BLOCK is not resident");
    }

    /** IO_STATUS_BLOCK as read from the caller's memory. */
    public static final class IoStatusBlockView {
        public final int Status;
        public final long Information;

        IoStatusBlockView(int status, long information) {
            Status = status;
            Information = information;
        }
    }

    /** Pool and quota charge for a system buffer; raises STATUS_INSUFFICIENT_RESOURCES on failure. */
    private long allocateSystemBuffer(long length) {
        long p = io.mm.pool.ExAllocatePoolWithTag(Pool.NonPagedPoolCacheAligned, length, IoIrp.TAG_SYS_BUF);
        if (p == 0) throw io.kernel.ExRaiseStatus(NtStatus.STATUS_INSUFFICIENT_RESOURCES);
        return p;
    }

    /** A threaded IRP for a user request; null when none can be allocated. */
    private Irp newRequestIrp(DeviceObject device, Handle handle, long iosb, KEvent event, int requestorMode, long apcRoutine,
                              long apcContext) {
        Irp irp = io.irp.IoAllocateIrp(device.StackSize(), true);
        if (irp == null) return null;
        // Irp->Overlay.AsynchronousParameters.UserApcRoutine / UserApcContext.
        io.mm.write(irp.address + 0x58, 8, apcRoutine);
        io.mm.write(irp.address + 0x60, 8, apcContext);
        irp.setUserIosb(iosb);
        irp.setUserEvent(event);
        irp.setRequestorMode(requestorMode);
        irp.Tail.Overlay.setThread(io.kernel.currentThread());
        irp.Tail.Overlay.setOriginalFileObject(handle.file());
        IoStackLocation sp = io.irp.IoGetNextIrpStackLocation(irp);
        sp.setFileObject(handle.file());
        return irp;
    }

    /** Frees what a failed build made (the exception path of building it). */
    void discard(Irp irp) {
        for (Mdl m = irp.MdlAddress(); m != null; ) {
            Mdl next = m.Next();
            if (m.hasFlag(Mdl.MDL_PAGES_LOCKED)) io.mm.mdl.MmUnlockPages(m);
            io.mdl.IoFreeMdl(m);
            m = next;
        }
        irp.setMdlAddress(null);
        if (irp.AssociatedIrp.SystemBuffer() != 0) io.mm.pool.ExFreePoolWithTag(irp.AssociatedIrp.SystemBuffer(), IoIrp.TAG_SYS_BUF);
        io.irp.IoFreeIrp(irp);
    }

    /** A system service from the current thread ({@link ntspec.ke.Kernel#systemService}). */
    private Request service(String name, java.util.function.Supplier<Request> body) {
        return io.kernel.systemService(name, body);
    }

    /**
     * NtDeviceIoControlFile from the current thread. {@code iosb} is the caller's
     * IO_STATUS_BLOCK address, {@code event} an optional event.
     */
    public Request NtDeviceIoControlFile(Handle handle, KEvent event, long iosb, int ioControlCode, long inputBuffer,
                                         long inputBufferLength, long outputBuffer, long outputBufferLength) {
        return NtDeviceIoControlFile(handle, event, 0, 0, iosb, ioControlCode, inputBuffer, inputBufferLength, outputBuffer, outputBufferLength);
    }

    /**
     * The same with the ApcRoutine and ApcContext: a user APC routine stage 2 queues to the
     * requesting thread, and the context it receives -- or, without a routine, the value a
     * completion packet carries to the file's port (kernel32 passes the OVERLAPPED).
     */
    public Request NtDeviceIoControlFile(Handle handle, KEvent event, long apcRoutine, long apcContext, long iosb, int ioControlCode,
                                         long inputBuffer, long inputBufferLength, long outputBuffer, long outputBufferLength) {
        return service("NtDeviceIoControlFile", () -> deviceIoControl(handle, event, apcRoutine, apcContext, iosb, ioControlCode,
                inputBuffer, inputBufferLength, outputBuffer, outputBufferLength));
    }

    /**
     * A user APC routine for a file object with a completion port is STATUS_INVALID_PARAMETER, before
     * any IRP (Wine's server, create_async: https://gitlab.winehq.org/wine/wine/-/blob/master/server/async.c;
     * a handle bound to a port cannot also complete through ReadFileEx's APC).
     */
    private static boolean apcWithPort(FileObject file, long apcRoutine) {
        return apcRoutine != 0 && file.CompletionContext() != 0;
    }

    private Request deviceIoControl(Handle handle, KEvent event, long apcRoutine, long apcContext, long iosb, int ioControlCode,
                                    long inputBuffer, long inputBufferLength, long outputBuffer, long outputBufferLength) {
        int previousMode = MdlRoutines.UserMode;
        int method = ioControlCode & 3;
        FileObject file = handle.file();
        io.trace.add(Trace.Kind.DDI, String.format("NtDeviceIoControlFile(%s, 0x%X, in %s/0x%X, out %s/0x%X)", file,
                ioControlCode, Trace.hex(inputBuffer), inputBufferLength, Trace.hex(outputBuffer), outputBufferLength));
        long[] lengths = {inputBufferLength & 0xFFFFFFFFL, outputBufferLength & 0xFFFFFFFFL};
        Request req = new Request(handle, iosb, event, 0);
        if (io.file.isClosed(handle)) return early(req, NtStatus.STATUS_INVALID_HANDLE);
        if (apcWithPort(file, apcRoutine)) return early(req, NtStatus.STATUS_INVALID_PARAMETER);
        // Step 2: probes, in one __try.
        int[] caught = {0};
        io.kernel.tryExcept(() -> {
            io.mm.mdl.ProbeForWrite(iosb, 16, 4);
            if (method == METHOD_BUFFERED) {
                if (outputBuffer != 0) io.mm.mdl.ProbeForWrite(outputBuffer, lengths[1], 1);
                else lengths[1] = 0;
            }
            if (method != METHOD_NEITHER) {
                if (inputBuffer != 0) io.mm.mdl.ProbeForRead(inputBuffer, lengths[0], 1);
                else lengths[0] = 0;
            }
        }, code -> caught[0] = code);
        if (caught[0] != 0) return early(req, caught[0]);
        // Step 3: the code's access bits against the handle.
        int required = (ioControlCode >>> 14) & 3;
        if ((handle.grantedAccess() & required) != required) return early(req, NtStatus.STATUS_ACCESS_DENIED);
        if (event != null) event.reset();
        file.Event().reset();
        DeviceObject device = io.file.IoGetRelatedDeviceObject(file);
        Irp irp = newRequestIrp(device, handle, iosb, event, previousMode, apcRoutine, apcContext);
        if (irp == null) return early(req, NtStatus.STATUS_INSUFFICIENT_RESOURCES);
        IoStackLocation sp = io.irp.IoGetNextIrpStackLocation(irp);
        sp.setMajorFunction(IRP_MJ_DEVICE_CONTROL);
        sp.Parameters.DeviceIoControl.setIoControlCode(ioControlCode);
        sp.Parameters.DeviceIoControl.setInputBufferLength(lengths[0]);
        sp.Parameters.DeviceIoControl.setOutputBufferLength(lengths[1]);
        // Step 6: buffers, in a __try; an exception frees what was built.
        io.kernel.tryExcept(() -> buildIoctlBuffers(irp, sp, method, inputBuffer, lengths[0], outputBuffer, lengths[1], previousMode),
                code -> caught[0] = code);
        if (caught[0] != 0) {
            discard(irp);
            return early(req, caught[0]);
        }
        return call(new Request(handle, iosb, event, irp.address), device, irp);
    }

    void buildIoctlBuffers(Irp irp, IoStackLocation sp, int method, long in, long inLen, long out, long outLen, int mode) {
        switch (method) {
            case METHOD_BUFFERED -> {
                long len = Math.max(inLen, outLen);
                if (len > 0) {
                    long system = allocateSystemBuffer(len);
                    irp.AssociatedIrp.setSystemBuffer(system);
                    if (in != 0) io.mm.copyForward(system, in, inLen);
                    irp.setFlags(IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | (out != 0 ? IRP_INPUT_OPERATION : 0));
                    irp.setUserBuffer(out);
                } else {
                    irp.setUserBuffer(0);
                }
            }
            case METHOD_IN_DIRECT, METHOD_OUT_DIRECT -> {
                if (inLen != 0 && in != 0) {
                    long system = allocateSystemBuffer(inLen);
                    irp.AssociatedIrp.setSystemBuffer(system);
                    io.mm.copyForward(system, in, inLen);
                    irp.setFlags(IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER);
                }
                // A user request keys on the length (a NULL buffer then fails in the probe); a
                // kernel-built one needs a buffer too (ReactOS IoBuildDeviceIoControlRequest).
                if (outLen != 0 && (mode == MdlRoutines.UserMode || out != 0)) {
                    lockedMdl(irp, out, outLen, false, mode, method == METHOD_IN_DIRECT ? MdlRoutines.IoReadAccess : MdlRoutines.IoWriteAccess);
                }
            }
            default -> {
                irp.setUserBuffer(out);
                sp.Parameters.DeviceIoControl.setType3InputBuffer(in);
            }
        }
    }

    /** IoAllocateMdl on the IRP's chain, then MmProbeAndLockPages; failures raise (the caller's __try frees the IRP). */
    private void lockedMdl(Irp irp, long va, long length, boolean chargeQuota, int mode, int operation) {
        Mdl mdl = io.mdl.IoAllocateMdl(va, length, false, chargeQuota, irp);
        if (mdl == null) throw io.kernel.ExRaiseStatus(NtStatus.STATUS_INSUFFICIENT_RESOURCES);
        io.mm.mdl.MmProbeAndLockPages(mdl, mode, operation);
    }

    private Request early(Request req, int status) {
        req.earlyStatus = status;
        io.trace.add(Trace.Kind.RETURN, "system service returned " + NtStatus.name(status) + " (no IRP)");
        return req;
    }

    private Request call(Request req, DeviceObject device, Irp irp) {
        io.cancel.IoQueueThreadIrp(irp); // IopQueueIrpToThread: CancelIo and thread exit find it there
        int status = io.irp.IoCallDriver(device, irp);
        req.dispatchStatus = status;
        if (status == NtStatus.STATUS_PENDING && req.synchronous()) {
            io.trace.add(Trace.Kind.NOTE, "the caller waits on " + req.handle.file().Event());
        } else {
            io.trace.add(Trace.Kind.RETURN, "system service returned " + NtStatus.name(status));
        }
        return req;
    }

    /**
     * NtReadFile / NtWriteFile: buffered devices get a system buffer, direct devices an MDL
     * probed for the inverse access, other devices the raw user address.
     */
    public Request NtReadWriteFile(boolean read, Handle handle, KEvent event, long iosb, long buffer, long length) {
        return NtReadWriteFile(read, handle, event, iosb, buffer, length, null);
    }

    /** The same with a ByteOffset (null: none, the file's current position, which this machine does not keep). */
    public Request NtReadWriteFile(boolean read, Handle handle, KEvent event, long iosb, long buffer, long length, Long byteOffset) {
        return NtReadWriteFile(read, handle, event, 0, 0, iosb, buffer, length, byteOffset);
    }

    /** The same with the ApcRoutine and ApcContext (see {@link #NtDeviceIoControlFile}). */
    public Request NtReadWriteFile(boolean read, Handle handle, KEvent event, long apcRoutine, long apcContext, long iosb, long buffer,
                                   long length, Long byteOffset) {
        Request r = service(read ? "NtReadFile" : "NtWriteFile", () -> readWrite(read, handle, event, apcRoutine, apcContext, iosb, buffer,
                length, byteOffset));
        if (r != null) r.api = read ? "ReadFile" : "WriteFile";
        return r;
    }

    private Request readWrite(boolean read, Handle handle, KEvent event, long apcRoutine, long apcContext, long iosb, long buffer,
                              long length, Long byteOffset) {
        int previousMode = MdlRoutines.UserMode;
        long len = length & 0xFFFFFFFFL;
        FileObject file = handle.file();
        io.trace.add(Trace.Kind.DDI, String.format("%s(%s, %s, 0x%X)", read ? "NtReadFile" : "NtWriteFile", file, Trace.hex(buffer), len));
        Request req = new Request(handle, iosb, event, 0);
        if (io.file.isClosed(handle)) return early(req, NtStatus.STATUS_INVALID_HANDLE);
        if (apcWithPort(file, apcRoutine)) return early(req, NtStatus.STATUS_INVALID_PARAMETER);
        int[] caught = {0};
        io.kernel.tryExcept(() -> {
            io.mm.mdl.ProbeForWrite(iosb, 16, 4);
            if (read) io.mm.mdl.ProbeForWrite(buffer, len, 1);
            else io.mm.mdl.ProbeForRead(buffer, len, 1);
        }, code -> caught[0] = code);
        if (caught[0] != 0) return early(req, caught[0]);
        int required = read ? FILE_READ_DATA : FILE_WRITE_DATA;
        if ((handle.grantedAccess() & required) == 0) return early(req, NtStatus.STATUS_ACCESS_DENIED);
        if (event != null) event.reset();
        file.Event().reset();
        DeviceObject device = io.file.IoGetRelatedDeviceObject(file);
        Irp irp = newRequestIrp(device, handle, iosb, event, previousMode, apcRoutine, apcContext);
        if (irp == null) return early(req, NtStatus.STATUS_INSUFFICIENT_RESOURCES);
        IoStackLocation sp = io.irp.IoGetNextIrpStackLocation(irp);
        sp.setMajorFunction(read ? IRP_MJ_READ : IRP_MJ_WRITE);
        sp.Parameters.Read.setLength(len);
        if (byteOffset != null) sp.Parameters.Read.setByteOffset(byteOffset);
        int deviceFlags = device.Flags();
        io.kernel.tryExcept(() -> {
            if ((deviceFlags & DO_BUFFERED_IO) != 0) {
                if (len > 0) {
                    long system = allocateSystemBuffer(len);
                    irp.AssociatedIrp.setSystemBuffer(system);
                    if (!read) io.mm.copyForward(system, buffer, len);
                    irp.setFlags(IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | (read ? IRP_INPUT_OPERATION : 0));
                } else {
                    irp.setFlags(read ? IRP_BUFFERED_IO | IRP_INPUT_OPERATION : 0);
                }
                irp.setUserBuffer(buffer);
            } else if ((deviceFlags & DO_DIRECT_IO) != 0) {
                if (len > 0) {
                    lockedMdl(irp, buffer, len, true, previousMode, read ? MdlRoutines.IoWriteAccess : MdlRoutines.IoReadAccess);
                }
            } else {
                irp.setUserBuffer(buffer);
            }
        }, code -> caught[0] = code);
        if (caught[0] != 0) {
            discard(irp);
            return early(req, caught[0]);
        }
        irp.setFlags(irp.Flags() | (read ? IRP_READ_OPERATION : IRP_WRITE_OPERATION) | IRP_DEFER_IO_COMPLETION);
        Request r = call(new Request(handle, iosb, event, irp.address), device, irp);
        // The caller runs stage 2 itself when completion was deferred and not pending.
        if (r.dispatchStatus != NtStatus.STATUS_PENDING) {
            int old = io.kernel.KeGetCurrentIrql();
            io.kernel.setIrql(Math.max(old, Irql.APC_LEVEL));
            try {
                io.irp.stage2(irp, file.address);
            } finally {
                io.kernel.setIrql(old);
            }
        }
        return r;
    }
}
