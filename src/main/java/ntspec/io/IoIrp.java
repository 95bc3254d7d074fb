package ntspec.io;

import static ntspec.io.IoConstants.*;

import ntspec.ke.BugCheckCode;
import ntspec.ke.Irql;
import ntspec.ke.KApc;
import ntspec.ke.KEvent;
import ntspec.ke.KThread;
import ntspec.ke.Kernel;
import ntspec.ke.NtStatus;
import ntspec.mm.Mdl;
import ntspec.mm.MdlRoutines;
import ntspec.mm.Pool;
import ntspec.trace.Trace;

/**
 * IRPs (ReactOS io/iomgr/irp.c): IoAllocateIrp / IoInitializeIrp / IoFreeIrp with Windows's
 * lookaside and allocation flags, the stack-location macros, completion routines, IoCallDriver,
 * IoCompleteRequest in its two stages (https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/irp.c) and
 * IoBuildDeviceIoControlRequest. Every member is read from and written to the IRP in memory.
 */
public final class IoIrp {
    static final int TAG_IRP = Pool.tag("Irp ");
    static final int TAG_SYS_BUF = Pool.tag("BSYS");
    static final int TAG_COMPLETION_CONTEXT = Pool.tag("IoCc");
    /** IRPs with up to this many stack locations come from the fixed-size lookaside lists (Wine's 1..8; IopLargeIrpStackLocations). */
    static final int LARGE_IRP_STACK_LOCATIONS = 8;

    private final IoManager io;
    private final long invalidDeviceRequest;
    private final long unloadSafeCompletion;
    private final long completeRequestRoutine;
    private final long freeIrpKernelApc;

    IoIrp(IoManager io) {
        this.io = io;
        Kernel k = io.kernel;
        DriverDispatch invalid = (device, irp) -> {
            irp.IoStatus.setStatus(NtStatus.STATUS_INVALID_DEVICE_REQUEST);
            irp.IoStatus.setInformation(0);
            IoCompleteRequest(irp, IO_NO_INCREMENT);
            return NtStatus.STATUS_INVALID_DEVICE_REQUEST;
        };
        this.invalidDeviceRequest = k.registerRoutine(k.nt(), "IopInvalidDeviceRequest", invalid);
        IoCompletionRoutine unloadSafe = this::IopUnloadSafeCompletion;
        this.unloadSafeCompletion = k.registerRoutine(k.nt(), "IopUnloadSafeCompletion", unloadSafe);
        this.completeRequestRoutine = k.nt().routine("IopCompleteRequest");
        Kernel.ApcKernelRoutine freeIrp = apc -> IoFreeIrp(new Irp(io, apc - 0x78));
        this.freeIrpKernelApc = k.registerRoutine(k.nt(), "IopFreeIrpKernelApc", freeIrp);
    }

    long invalidDeviceRequestAddress() {
        return invalidDeviceRequest;
    }

    // ------------------------------------------------------------------ allocation

    /**
     * IoAllocateIrp. Up to {@value #LARGE_IRP_STACK_LOCATIONS} stack locations: a fixed-size IRP
     * (room for 1 or {@value #LARGE_IRP_STACK_LOCATIONS} locations) from a lookaside list,
     * IRP_ALLOCATED_FIXED_SIZE, and IRP_LOOKASIDE_ALLOCATION only when quota is charged; more: a pool
     * allocation of exactly that size, IRP_QUOTA_CHARGED when charged. These are the flags the
     * ReactOS kmtest IoIrp checks on Windows
     * (https://github.com/reactos/reactos/blob/master/modules/rostests/kmtests/ntos_io/IoIrp.c).
     * NULL when pool is out. Not associated with a thread.
     */
    public Irp IoAllocateIrp(int stackSize, boolean chargeQuota) {
        int count = (byte) stackSize; // CCHAR
        if (count < 0) return null;
        boolean fixed = count <= LARGE_IRP_STACK_LOCATIONS;
        long packet = Irp.IoSizeOfIrp(fixed ? (count <= 1 ? 1 : LARGE_IRP_STACK_LOCATIONS) : count);
        long va = fixed ? io.mm.pool.allocateFromLookaside(packet, TAG_IRP)
                : io.mm.pool.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, packet, TAG_IRP);
        if (va == 0) return null;
        Irp irp = new Irp(io, va);
        IoInitializeIrp(irp, (int) packet, count);
        int flags = fixed ? IRP_ALLOCATED_FIXED_SIZE : 0;
        if (chargeQuota) flags |= fixed ? IRP_LOOKASIDE_ALLOCATION : IRP_QUOTA_CHARGED;
        io.mm.write(va + 0x47, 1, flags);
        return irp;
    }

    /**
     * IoInitializeIrp: zeroes the packet (AllocationFlags too: an IRP in the driver's own pool has
     * none), then Type, Size, StackCount, CurrentLocation = StackCount + 1,
     * Tail.Overlay.CurrentStackLocation one past the last location, an empty ThreadListEntry and the
     * current thread's APC environment (kmtest IoIrp; ReactOS irp.c).
     */
    public void IoInitializeIrp(Irp irp, int packetSize, int stackSize) {
        long va = irp.address;
        for (long off = 0; off < (packetSize & 0xFFFF); off += 8) io.mm.write(va + off, (int) Math.min(8, (packetSize & 0xFFFF) - off), 0);
        io.mm.write(va, 2, IO_TYPE_IRP);
        io.mm.write(va + 0x02, 2, packetSize);
        io.mm.write(va + 0x42, 1, stackSize);
        io.mm.write(va + 0x43, 1, stackSize + 1);
        KThread t = io.kernel.currentThread();
        io.mm.write(va + 0x46, 1, t != null && t.isAttached() ? 1 : 0);
        io.mm.write(va + 0x20, 8, va + 0x20);
        io.mm.write(va + 0x28, 8, va + 0x20);
        io.mm.write(va + Irp.CURRENT_STACK_LOCATION, 8, va + Irp.SIZEOF_IRP + (long) stackSize * IoStackLocation.SIZE);
    }

    /**
     * IoFreeIrp: a fixed-size IRP goes back to its lookaside list (so one freed twice is later
     * handed out twice), any other back to pool. MDLs on the IRP are not touched.
     */
    public void IoFreeIrp(Irp irp) {
        io.kernel.ASSERT(irp.Type() == IO_TYPE_IRP, "Irp->Type == IO_TYPE_IRP");
        io.kernel.ASSERT(io.mm.read(irp.address + 0x20, 8) == irp.address + 0x20, "IsListEmpty(&Irp->ThreadListEntry)");
        int flags = irp.AllocationFlags();
        if ((flags & IRP_ALLOCATED_FIXED_SIZE) != 0) io.mm.pool.freeToLookaside(irp.address, irp.Size(), TAG_IRP);
        else io.mm.pool.ExFreePoolWithTag(irp.address, TAG_IRP);
    }

    // ------------------------------------------------------------------ stack locations (the wdm.h macros)

    /** IoGetCurrentIrpStackLocation: Irp->Tail.Overlay.CurrentStackLocation. */
    public IoStackLocation IoGetCurrentIrpStackLocation(Irp irp) {
        return irp.Tail.Overlay.CurrentStackLocation();
    }

    /** IoGetNextIrpStackLocation: the current location - 1 (wherever that is). */
    public IoStackLocation IoGetNextIrpStackLocation(Irp irp) {
        return new IoStackLocation(io, irp.Tail.Overlay.CurrentStackLocationAddress() - IoStackLocation.SIZE);
    }

    public void IoSkipCurrentIrpStackLocation(Irp irp) {
        irp.setCurrentLocation(irp.CurrentLocation() + 1);
        irp.Tail.Overlay.setCurrentStackLocation(irp.Tail.Overlay.CurrentStackLocationAddress() + IoStackLocation.SIZE);
    }

    public void IoSetNextIrpStackLocation(Irp irp) {
        irp.setCurrentLocation(irp.CurrentLocation() - 1);
        irp.Tail.Overlay.setCurrentStackLocation(irp.Tail.Overlay.CurrentStackLocationAddress() - IoStackLocation.SIZE);
    }

    /**
     * IoCopyCurrentIrpStackLocationToNext: copies the location up to CompletionRoutine and clears
     * the next one's Control. At the bottom of the stack the "next" location lies inside the IRP
     * header, and the copy overwrites it, as the macro does.
     */
    public void IoCopyCurrentIrpStackLocationToNext(Irp irp) {
        long cur = irp.Tail.Overlay.CurrentStackLocationAddress();
        long next = cur - IoStackLocation.SIZE;
        for (int off = 0; off < IoStackLocation.COPY_SIZE; off += 8) io.mm.write(next + off, 8, io.mm.read(cur + off, 8));
        io.mm.write(next + 0x03, 1, 0);
    }

    /** IoSetCompletionRoutine: the routine's code address, its context and the invoke-on bits in the next location. */
    public void IoSetCompletionRoutine(Irp irp, long routine, long context, boolean onSuccess, boolean onError, boolean onCancel) {
        IoStackLocation next = IoGetNextIrpStackLocation(irp);
        next.setCompletionRoutine(routine);
        next.setContext(context);
        next.setControl((onSuccess ? SL_INVOKE_ON_SUCCESS : 0) | (onError ? SL_INVOKE_ON_ERROR : 0) | (onCancel ? SL_INVOKE_ON_CANCEL : 0));
    }

    /**
     * IoSetCompletionRoutineEx: as IoSetCompletionRoutine, but through nt's IopUnloadSafeCompletion
     * with a context in nonpaged pool that holds a reference on the device object, so the driver
     * cannot unload before its routine ran (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iosetcompletionroutineex,
     * ReactOS irp.c). STATUS_INSUFFICIENT_RESOURCES when the context cannot be allocated.
     */
    public int IoSetCompletionRoutineEx(DeviceObject device, Irp irp, long routine, long context, boolean onSuccess,
                                        boolean onError, boolean onCancel) {
        long block = io.mm.pool.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, 0x18, TAG_COMPLETION_CONTEXT);
        if (block == 0) return NtStatus.STATUS_INSUFFICIENT_RESOURCES;
        io.mm.write(block, 8, device.address);
        io.mm.write(block + 8, 8, context);
        io.mm.write(block + 0x10, 8, routine);
        io.device.reference(device);
        IoSetCompletionRoutine(irp, unloadSafeCompletion, block, onSuccess, onError, onCancel);
        return NtStatus.STATUS_SUCCESS;
    }

    /** nt's IopUnloadSafeCompletion: calls the driver's routine, then drops the device reference and the context. */
    private int IopUnloadSafeCompletion(DeviceObject deviceObject, Irp irp, long context) {
        long device = io.mm.read(context, 8);
        long driverContext = io.mm.read(context + 8, 8);
        long routine = io.mm.read(context + 0x10, 8);
        int status = callCompletionRoutine(routine, deviceObject, irp, driverContext);
        io.device.dereference(new DeviceObject(io, device));
        io.mm.pool.ExFreePoolWithTag(context, TAG_COMPLETION_CONTEXT);
        return status;
    }

    /** IoMarkIrpPending: SL_PENDING_RETURNED in the current location. */
    public void IoMarkIrpPending(Irp irp) {
        IoStackLocation cur = IoGetCurrentIrpStackLocation(irp);
        cur.setControl(cur.Control() | SL_PENDING_RETURNED);
    }

    // ------------------------------------------------------------------ IoCallDriver

    /**
     * IoCallDriver: moves to the next stack location (none left: NO_MORE_IRP_STACK_LOCATIONS (IRP,
     * 0, 0, 0)), records the device there and calls the routine the device's driver object has for
     * the major function, as that driver's code. An exception in the routine goes to whatever
     * handler is above the caller.
     */
    public int IoCallDriver(DeviceObject device, Irp irp) {
        io.kernel.ensureRunning();
        IoSetNextIrpStackLocation(irp);
        if (irp.CurrentLocation() <= 0) {
            throw io.kernel.KeBugCheckEx(BugCheckCode.NO_MORE_IRP_STACK_LOCATIONS, irp.address, 0, 0, 0);
        }
        IoStackLocation sp = IoGetCurrentIrpStackLocation(irp);
        sp.setDeviceObject(device);
        int major = sp.MajorFunction();
        DriverObject driver = device.DriverObject();
        long routine = driver == null ? 0 : driver.MajorFunction.get(major);
        io.trace.add(Trace.Kind.NOTE, "IoCallDriver " + majorName(major) + " " + irp + " to " + device
                + " at " + Irql.name(io.kernel.KeGetCurrentIrql()) + " in " + io.kernel.currentThread());
        DriverDispatch dispatch = io.callTarget(routine, DriverDispatch.class);
        int status;
        io.observer.beforeDispatch(routine, device, irp, sp.address);
        long ip = io.kernel.enter(routine);
        boolean returned = false;
        try {
            status = dispatch.dispatch(device, irp);
            returned = true;
        } finally {
            io.kernel.leave(ip);
            if (!returned) io.observer.dispatchUnwound();
        }
        io.trace.add(Trace.Kind.RETURN, "dispatch " + io.kernel.symbol(routine) + " returned " + NtStatus.name(status));
        io.observer.afterDispatch(routine, device, irp, sp.address, status);
        return status;
    }

    // ------------------------------------------------------------------ completion, stage 1

    /**
     * IoCompleteRequest, stage 1 (ReactOS IofCompleteRequest): a second completion is
     * MULTIPLE_IRP_COMPLETE_REQUESTS (IRP, 0, 0, 0); completion routines run upward with the
     * invoke-on rules, SL_PENDING_RETURNED propagates where none runs, STATUS_MORE_PROCESSING_REQUIRED
     * stops; then MmUnlockPages on every MDL of the chain, then stage 2 as a special kernel APC to the
     * requesting thread -- to the thread Tail.Overlay.Thread names, even when there is none, which
     * crashes as Windows does. A cancelled IRP with no thread is cleaned up without stage 2.
     */
    public void IoCompleteRequest(Irp irp, int priorityBoost) {
        io.kernel.ensureRunning();
        io.observer.beforeComplete(irp);
        int count = irp.StackCount();
        if (irp.CurrentLocation() > count + 1) {
            throw io.kernel.KeBugCheckEx(BugCheckCode.MULTIPLE_IRP_COMPLETE_REQUESTS, irp.address, 0, 0, 0);
        }
        io.trace.add(Trace.Kind.NOTE, "IoCompleteRequest " + irp + " status " + NtStatus.name(irp.IoStatus.Status())
                + " at " + Irql.name(io.kernel.KeGetCurrentIrql()) + " in " + io.kernel.currentThread(), irp.IoStatus.Information());
        long sp = irp.Tail.Overlay.CurrentStackLocationAddress();
        IoSkipCurrentIrpStackLocation(irp);
        do {
            IoStackLocation loc = new IoStackLocation(io, sp);
            int control = loc.Control();
            irp.setPendingReturned((control & SL_PENDING_RETURNED) != 0);
            boolean success = NtStatus.NT_SUCCESS(irp.IoStatus.Status());
            long routine = loc.CompletionRoutine();
            boolean invoke = routine != 0
                    && ((success && (control & SL_INVOKE_ON_SUCCESS) != 0)
                    || (!success && (control & SL_INVOKE_ON_ERROR) != 0)
                    || (irp.Cancel() && (control & SL_INVOKE_ON_CANCEL) != 0));
            if (invoke) {
                clearStackLocation(loc);
                DeviceObject device = irp.CurrentLocation() == count + 1 ? null : IoGetCurrentIrpStackLocation(irp).DeviceObject();
                long context = loc.Context();
                io.trace.add(Trace.Kind.NOTE, "completion routine " + routineLabel(routine)
                        + " at " + Irql.name(io.kernel.KeGetCurrentIrql()) + ", PendingReturned " + (irp.PendingReturned() ? "TRUE" : "FALSE"));
                boolean pendingReturned = irp.PendingReturned();
                int r = callCompletionRoutine(routine, device, irp, context);
                io.observer.afterCompletionRoutine(routine, irp, pendingReturned, r);
                if (r == NtStatus.STATUS_MORE_PROCESSING_REQUIRED) {
                    io.trace.add(Trace.Kind.NOTE, "STATUS_MORE_PROCESSING_REQUIRED: completion of " + irp + " stops");
                    return;
                }
            } else {
                if (irp.CurrentLocation() <= count && irp.PendingReturned()) IoMarkIrpPending(irp);
                clearStackLocation(loc);
            }
            IoSkipCurrentIrpStackLocation(irp);
            sp += IoStackLocation.SIZE;
        } while (irp.CurrentLocation() <= count + 1);
        // Stage 1, step 6: a close operation (the I/O manager's own IRP_MJ_CLEANUP / IRP_MJ_CLOSE):
        // the status goes to its IOSB and its event is set; the closing code frees the IRP.
        if ((irp.Flags() & IRP_CLOSE_OPERATION) != 0) {
            long iosb = irp.UserIosb();
            io.mm.write(iosb, 8, io.mm.read(irp.address + 0x30, 8));
            io.mm.write(iosb + 8, 8, irp.IoStatus.Information());
            KEvent event = irp.UserEvent();
            if (event != null) event.set();
            io.trace.add(Trace.Kind.NOTE, "close operation " + irp + " completed: IOSB and event set");
            return;
        }
        // Stage 1, step 7: unlock every MDL of the chain here, in the completing thread's context.
        for (Mdl m = irp.MdlAddress(); m != null; m = m.Next()) {
            io.trace.add(Trace.Kind.DDI, "IopCompleteRequest stage 1: MmUnlockPages(" + Trace.hex(m.address) + ")");
            io.mm.mdl.MmUnlockPages(m);
        }
        if ((irp.Flags() & IRP_DEFER_IO_COMPLETION) != 0 && !irp.PendingReturned()) {
            io.trace.add(Trace.Kind.NOTE, "IRP_DEFER_IO_COMPLETION: the caller runs stage 2");
            return;
        }
        long thread = irp.Tail.Overlay.ThreadAddress();
        long file = io.mm.read(irp.address + Irp.ORIGINAL_FILE_OBJECT, 8);
        if (irp.Cancel() && thread == 0) {
            IopCleanupIrp(irp);
            return;
        }
        queueCompletionApc(irp, thread, file);
    }

    /** "Seen of Up.sys" for a routine registered as Up.sys!Seen; the debugger's symbol otherwise. */
    private String routineLabel(long routine) {
        String symbol = io.kernel.symbol(routine);
        int bang = symbol.indexOf('!');
        return bang < 0 ? symbol : symbol.substring(bang + 1) + " of " + symbol.substring(0, bang);
    }

    /** ReactOS IopClearStackLocation: what stage 1 clears of a location it is done with. */
    private void clearStackLocation(IoStackLocation loc) {
        long a = loc.address;
        io.mm.write(a + 0x01, 1, 0);
        io.mm.write(a + 0x02, 1, 0);
        io.mm.write(a + 0x03, 1, io.mm.read(a + 0x03, 1) & SL_ERROR_RETURNED);
        for (int off = 0x08; off < 0x28; off += 8) io.mm.write(a + off, 8, 0);
        io.mm.write(a + 0x30, 8, 0);
    }

    int callCompletionRoutine(long routine, DeviceObject device, Irp irp, long context) {
        IoCompletionRoutine r = io.callTarget(routine, IoCompletionRoutine.class);
        long ip = io.kernel.enter(routine);
        try {
            return r.complete(device, irp, context);
        } finally {
            io.kernel.leave(ip);
        }
    }

    /**
     * KeInitializeApc + KeInsertQueueApc of IopCompleteRequest: the KAPC overlays Tail.Overlay in
     * the IRP. Inserting takes the target thread's lock at SYNCH_LEVEL (KTHREAD.ThreadLock): a NULL or
     * wild thread pointer faults there, at raised IRQL -- IRQL_NOT_LESS_OR_EQUAL, as an IoAllocateIrp
     * IRP whose completion routine lets completion run on ends.
     */
    private void queueCompletionApc(Irp irp, long thread, long file) {
        long apc = irp.address + 0x78;
        io.mm.write(apc, 1, APC_OBJECT);
        io.mm.write(apc + 0x02, 1, 0x58);
        io.mm.write(apc + 0x08, 8, thread);
        io.mm.write(apc + 0x20, 8, completeRequestRoutine);
        io.mm.write(apc + 0x30, 8, 0);
        io.mm.write(apc + 0x40, 8, file);
        io.mm.write(apc + 0x48, 8, 0);
        KThread target = io.kernel.threadAt(thread);
        if (target == null) {
            io.kernel.inKernel("KeInsertQueueApc", () -> {
                int old = io.kernel.KeGetCurrentIrql();
                io.kernel.setIrql(Math.max(old, Kernel.SYNCH_LEVEL));
                long lock = thread + KThread.THREAD_LOCK;
                io.mm.interlockedOr(lock, 1); // KiAcquireThreadLock: lock bts
                io.mm.write(lock, 8, io.mm.read(lock, 8) & ~1L);
                io.kernel.setIrql(old);
                io.trace.add(Trace.Kind.NOTE, "APC IopCompleteRequest queued to 0x" + Long.toHexString(thread) + ", which is no thread: it never runs");
                return null;
            });
            return;
        }
        io.mm.write(apc + 0x52, 1, 1);
        io.kernel.KeInsertQueueApc(target, new KApc("IopCompleteRequest", () -> stage2(irp, file)));
    }

    /** IopCleanupIrp: a cancelled IRP nobody waits for -- its buffer and MDLs freed, no IOSB written. */
    private void IopCleanupIrp(Irp irp) {
        io.trace.add(Trace.Kind.NOTE, "IopCleanupIrp " + irp + ": cancelled, no thread");
        if ((irp.Flags() & IRP_DEALLOCATE_BUFFER) != 0 && irp.AssociatedIrp.SystemBuffer() != 0) {
            io.mm.pool.ExFreePoolWithTag(irp.AssociatedIrp.SystemBuffer(), TAG_SYS_BUF);
        }
        freeMdlChain(irp);
        IoFreeIrp(irp);
    }

    private void freeMdlChain(Irp irp) {
        Mdl m = irp.MdlAddress();
        while (m != null) {
            Mdl next = m.Next();
            io.trace.add(Trace.Kind.DDI, "IopCompleteRequest stage 2: IoFreeMdl(" + Trace.hex(m.address) + ")");
            io.mdl.IoFreeMdl(m);
            m = next;
        }
        irp.setMdlAddress(null);
    }

    // ------------------------------------------------------------------ completion, stage 2

    /**
     * IopCompleteRequest, stage 2, in the requesting thread at APC_LEVEL: buffered copy-back
     * inside SEH (a fault replaces the status), IoFreeMdl of the chain, the IOSB and the event, and
     * the IRP freed.
     */
    void stage2(Irp irp, long fileAddress) {
        int status = irp.IoStatus.Status();
        int flags = irp.Flags();
        io.trace.add(Trace.Kind.NOTE, "IopCompleteRequest stage 2 for " + irp + " at " + Irql.name(io.kernel.KeGetCurrentIrql())
                + " in " + io.kernel.currentThread());
        if ((flags & IRP_BUFFERED_IO) != 0) {
            long system = irp.AssociatedIrp.SystemBuffer();
            if ((flags & IRP_INPUT_OPERATION) != 0 && status != NtStatus.STATUS_VERIFY_REQUIRED && !NtStatus.NT_ERROR(status)) {
                long n = irp.IoStatus.Information();
                long user = irp.UserBuffer();
                int[] caught = {0};
                io.kernel.tryExcept(() -> io.mm.copyForward(user, system, n), code -> caught[0] = code);
                if (caught[0] != 0) {
                    status = caught[0];
                    irp.IoStatus.setStatus(status);
                }
                io.trace.add(Trace.Kind.NOTE, "copied SystemBuffer back to UserBuffer (bytes, to)", n, user);
            }
            if ((flags & IRP_DEALLOCATE_BUFFER) != 0 && system != 0) io.mm.pool.ExFreePoolWithTag(system, TAG_SYS_BUF);
            irp.setFlags(flags & ~(IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER));
        }
        freeMdlChain(irp);
        FileObject file = fileAddress == 0 ? null : new FileObject(io, fileAddress);
        boolean synchronousApi = (flags & IRP_SYNCHRONOUS_API) != 0;
        boolean synchronous = synchronousApi || (file != null && file.isSynchronous());
        boolean pending = irp.PendingReturned();
        if (!NtStatus.NT_ERROR(status) || (pending && !synchronous)) {
            long iosb = irp.UserIosb();
            if (iosb != 0) {
                long statusWord = io.mm.read(irp.address + 0x30, 8);
                long information = irp.IoStatus.Information();
                io.kernel.tryExcept(() -> {
                    io.mm.write(iosb, 8, statusWord);
                    io.mm.write(iosb + 8, 8, information);
                }, code -> { });
            }
            KEvent event = irp.UserEvent();
            if (event != null) {
                io.trace.add(Trace.Kind.NOTE, "IopCompleteRequest stage 2: KeSetEvent(UserEvent " + Trace.hex(event.address) + ")");
                io.kernel.waits.KeSetEvent(event, 0, false);
                if (file != null && !synchronousApi) file.setFinalStatus(status);
            } else if (file != null) {
                file.setFinalStatus(status);
                if ((file.Flags() & FileObject.FO_SKIP_SET_EVENT) != 0 && !synchronous) {
                    io.trace.add(Trace.Kind.NOTE, "FO_SKIP_SET_EVENT: the file object's event is not set");
                } else {
                    file.Event().set();
                }
            }
            io.cancel.IopUnQueueIrpFromThread(irp);
            userApcOrPacket(irp, file, status, pending);
            return;
        } else if (pending && file != null) {
            // A synchronous waiter must wake: FinalStatus and the file's event, but no IOSB.
            file.setFinalStatus(status);
            file.Event().set();
        }
        io.cancel.IopUnQueueIrpFromThread(irp);
        IoFreeIrp(irp);
    }

    /**
     * The end of stage 2 for a request whose IOSB was written (IopCompleteRequest, ReactOS irp.c and
     * the WRK): with a user APC routine (the ApcRoutine of NtReadFile / NtDeviceIoControlFile, which
     * ReadFileEx passes), a user APC to the requesting thread in the IRP's own Tail.Apc --
     * KernelRoutine IopFreeIrpKernelApc (which frees the IRP), NormalRoutine the ApcRoutine,
     * NormalContext the ApcContext, SystemArgument1 the UserIosb, ApcMode the RequestorMode; else,
     * when the file object has a completion port and the ApcContext is not NULL (kernel32 passes the
     * OVERLAPPED), the IRP goes to the port as its completion packet -- except that
     * FO_SKIP_COMPLETION_PORT (FILE_SKIP_COMPLETION_PORT_ON_SUCCESS) keeps back the packet of a
     * request that did not pend and whose status is NT_SUCCESS: Windows 8 and later, as Wine's
     * ntoskrnl tests show against Windows, still queue one for a non-pending warning such as
     * STATUS_BUFFER_OVERFLOW (Windows 7 skipped every non-error; Wine's server skips every
     * non-pending completion: https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/ntoskrnl.exe/tests/ntoskrnl.c,
     * https://gitlab.winehq.org/wine/wine/-/blob/master/server/async.c); otherwise the IRP is freed.
     */
    private void userApcOrPacket(Irp irp, FileObject file, int status, boolean pending) {
        long apcRoutine = io.mm.read(irp.address + 0x58, 8);
        long apcContext = io.mm.read(irp.address + 0x60, 8);
        long context = file == null ? 0 : file.CompletionContext();
        if (apcRoutine != 0) {
            KThread requester = io.kernel.currentThread();
            io.kernel.KeInsertQueueUserApc(requester, irp.address + 0x78, freeIrpKernelApc, apcRoutine, apcContext, irp.UserIosb(), 0);
            return;
        }
        if (context != 0 && apcContext != 0) {
            boolean skip = (file.Flags() & FileObject.FO_SKIP_COMPLETION_PORT) != 0 && !pending && NtStatus.NT_SUCCESS(status);
            if (!skip) {
                io.completion.queueIrp(irp, context);
                return;
            }
            io.trace.add(Trace.Kind.NOTE, "FO_SKIP_COMPLETION_PORT: " + irp + " completed without pending with " + NtStatus.name(status)
                    + ": no completion packet");
        }
        IoFreeIrp(irp);
    }

    /** IopQueueIrpToThread: the IRP goes on its thread's ETHREAD.IrpList (IoCancel keeps the list). */
    void IopQueueIrpToThread(Irp irp) {
        io.cancel.IoQueueThreadIrp(irp);
    }

    /** IopUnQueueIrpFromThread: off its thread's list, the entry pointing at itself. */
    void IopUnQueueIrpFromThread(Irp irp) {
        io.cancel.IopUnQueueIrpFromThread(irp);
    }

    /**
     * IoReuseIrp (ReactOS irp.c): IoInitializeIrp again over the same packet, keeping its
     * AllocationFlags, with IoStatus.Status = Status. The checked kernel asserts that no cancel
     * routine is set and that the IRP is on no thread's list.
     */
    public void IoReuseIrp(Irp irp, int status) {
        io.kernel.ASSERT(irp.CancelRoutine() == 0, "!Irp->CancelRoutine");
        io.kernel.ASSERT(io.mm.read(irp.address + 0x20, 8) == irp.address + 0x20, "IsListEmpty(&Irp->ThreadListEntry)");
        int allocationFlags = irp.AllocationFlags();
        IoInitializeIrp(irp, irp.Size(), irp.StackCount());
        irp.IoStatus.setStatus(status);
        io.mm.write(irp.address + 0x47, 1, allocationFlags);
    }

    // ------------------------------------------------------------------ kernel-built IRPs

    /**
     * IoBuildDeviceIoControlRequest (ReactOS): a threaded IRP for a kernel-mode requester;
     * buffers handled as for a user request but probed in KernelMode. NULL when a probe fails or
     * memory runs out.
     */
    public Irp IoBuildDeviceIoControlRequest(int ioControlCode, DeviceObject device, long in, long inLen, long out,
                                             long outLen, boolean internal, KEvent event, long iosb) {
        Irp irp = IoAllocateIrp(device.StackSize(), false);
        if (irp == null) return null;
        irp.setUserIosb(iosb);
        irp.setUserEvent(event);
        irp.setRequestorMode(MdlRoutines.KernelMode);
        irp.Tail.Overlay.setThread(io.kernel.currentThread());
        IoStackLocation sp = IoGetNextIrpStackLocation(irp);
        sp.setMajorFunction(internal ? IRP_MJ_INTERNAL_DEVICE_CONTROL : IRP_MJ_DEVICE_CONTROL);
        sp.Parameters.DeviceIoControl.setIoControlCode(ioControlCode);
        sp.Parameters.DeviceIoControl.setInputBufferLength(inLen);
        sp.Parameters.DeviceIoControl.setOutputBufferLength(outLen);
        int method = ioControlCode & 3;
        int[] caught = {0};
        io.kernel.tryExcept(() -> io.func.buildIoctlBuffers(irp, sp, method, in, inLen & 0xFFFFFFFFL, out, outLen & 0xFFFFFFFFL,
                MdlRoutines.KernelMode), code -> caught[0] = code);
        if (caught[0] != 0) {
            io.func.discard(irp);
            return null;
        }
        IopQueueIrpToThread(irp);
        return irp;
    }

    /**
     * IoBuildAsynchronousFsdRequest (ReactOS irp.c; https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iobuildasynchronousfsdrequest):
     * an IRP of the target's StackSize with the major function in its first location; for a read or
     * write, the buffer as the target device takes it -- DO_BUFFERED_IO: a system buffer from
     * nonpaged pool (the caller's data copied in for a write), IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER
     * (| IRP_INPUT_OPERATION for a read) and UserBuffer = Buffer; DO_DIRECT_IO: an MDL probed and
     * locked in KernelMode (IoWriteAccess for a read); neither: UserBuffer = Buffer -- and Length and
     * ByteOffset in Parameters.Read/Write. Flush, shutdown, PnP and power requests get no buffer.
     * Tail.Overlay.Thread is the current thread, UserIosb the IoStatusBlock; RequestorMode stays
     * KernelMode. NULL when the IRP, the buffer or the MDL cannot be had, or the probe fails.
     */
    public Irp IoBuildAsynchronousFsdRequest(int majorFunction, DeviceObject device, long buffer, long length, Long startingOffset,
                                             long iosb) {
        Irp irp = IoAllocateIrp(device.StackSize(), false);
        if (irp == null) return null;
        IoStackLocation sp = IoGetNextIrpStackLocation(irp);
        sp.setMajorFunction(majorFunction);
        long len = length & 0xFFFFFFFFL;
        boolean read = majorFunction == IRP_MJ_READ;
        if (majorFunction != IRP_MJ_FLUSH_BUFFERS && majorFunction != IRP_MJ_SHUTDOWN && majorFunction != IRP_MJ_PNP
                && majorFunction != IRP_MJ_POWER) {
            int deviceFlags = device.Flags();
            if ((deviceFlags & DO_BUFFERED_IO) != 0) {
                long system = io.mm.pool.ExAllocatePoolWithTag(Pool.NonPagedPool, len, TAG_SYS_BUF);
                if (system == 0) {
                    IoFreeIrp(irp);
                    return null;
                }
                irp.AssociatedIrp.setSystemBuffer(system);
                if (majorFunction == IRP_MJ_WRITE) io.mm.copyForward(system, buffer, len);
                irp.setFlags(IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | (read ? IRP_INPUT_OPERATION : 0));
                irp.setUserBuffer(buffer);
            } else if ((deviceFlags & DO_DIRECT_IO) != 0) {
                Mdl mdl = io.mdl.IoAllocateMdl(buffer, len, false, false, irp);
                if (mdl == null) {
                    IoFreeIrp(irp);
                    return null;
                }
                int[] caught = {0};
                io.kernel.tryExcept(() -> io.mm.mdl.MmProbeAndLockPages(mdl, MdlRoutines.KernelMode,
                        read ? MdlRoutines.IoWriteAccess : MdlRoutines.IoReadAccess), code -> caught[0] = code);
                if (caught[0] != 0) {
                    io.mdl.IoFreeMdl(mdl);
                    irp.setMdlAddress(null);
                    IoFreeIrp(irp);
                    return null;
                }
            } else {
                irp.setUserBuffer(buffer);
            }
            if (read || majorFunction == IRP_MJ_WRITE) {
                sp.Parameters.Read.setLength(len);
                if (startingOffset != null) sp.Parameters.Read.setByteOffset(startingOffset);
            }
        }
        irp.setUserIosb(iosb);
        irp.Tail.Overlay.setThread(io.kernel.currentThread());
        return irp;
    }

    /**
     * IoBuildSynchronousFsdRequest (ReactOS irp.c): IoBuildAsynchronousFsdRequest, then UserEvent =
     * Event and the IRP queued to the current thread (a threaded IRP: stage 2 of completion writes
     * the IoStatusBlock, sets the event and frees the IRP and its MDLs in this thread).
     */
    public Irp IoBuildSynchronousFsdRequest(int majorFunction, DeviceObject device, long buffer, long length, Long startingOffset,
                                            KEvent event, long iosb) {
        Irp irp = IoBuildAsynchronousFsdRequest(majorFunction, device, buffer, length, startingOffset, iosb);
        if (irp == null) return null;
        irp.setUserEvent(event);
        IopQueueIrpToThread(irp);
        return irp;
    }
}
