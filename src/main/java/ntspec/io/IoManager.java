package ntspec.io;

import ntspec.ke.Kernel;
import ntspec.ke.NtStatus;
import ntspec.mm.Mm;
import ntspec.trace.Trace;

/**
 * The I/O manager, split as ReactOS splits ntoskrnl/io/iomgr: {@link IoDriver} (driver.c: driver
 * objects, unload), {@link IoDevice} (device.c: device objects and stacks), {@link IoFile} (file.c:
 * opening devices, handles), {@link IoIrp} (irp.c: IRPs, IoCallDriver, both stages of completion,
 * kernel-built IRPs), {@link IoFunc} (iofunc.c: the system services that build IRPs for user
 * requests) and {@link IoMdl} (iomdl.c). The objects themselves live in simulated memory; the
 * classes here are the code that reads and writes them.
 */
public final class IoManager {
    final Kernel kernel;
    final Mm mm;
    final Trace trace;
    /** Who watches IRP traffic (Driver Verifier's I/O Verification); nobody by default. */
    public IoObserver observer = IoObserver.NONE;
    public final IoDriver driver;
    public final IoDevice device;
    public final IoFile file;
    public final IoIrp irp;
    public final IoFunc func;
    public final IoMdl mdl;
    /** kernel32's side of overlapped I/O: events, OVERLAPPED, GetOverlappedResult. */
    public final Win32 win32;
    /** Executive spin locks (KeAcquireSpinLock ...), on the machine's memory. */
    public final ntspec.ke.SpinLocks spinLocks;
    /** LIST_ENTRY lists in memory, with Windows's link checks. */
    public final ntspec.nt.ListEntries lists;
    public final IoCancel cancel;
    public final IoCsq csq;
    /** I/O completion ports. */
    public final IoCompletion completion;

    public IoManager(Kernel kernel, Mm mm) {
        this.kernel = kernel;
        this.mm = mm;
        this.trace = kernel.trace();
        this.spinLocks = new ntspec.ke.SpinLocks(kernel, mm);
        this.lists = new ntspec.nt.ListEntries(mm, entry -> kernel.fastFail(3)); // FAST_FAIL_CORRUPT_LIST_ENTRY
        this.mdl = new IoMdl(this);
        this.driver = new IoDriver(this);
        this.device = new IoDevice(this);
        this.file = new IoFile(this);
        this.irp = new IoIrp(this);
        this.func = new IoFunc(this);
        this.win32 = new Win32(this);
        this.cancel = new IoCancel(this);
        this.csq = new IoCsq(this);
        this.completion = new IoCompletion(this);
    }

    public Kernel kernel() {
        return kernel;
    }

    public Mm mm() {
        return mm;
    }

    // ------------------------------------------------------------------ views at an address

    public Irp irpAt(long address) {
        return new Irp(this, address);
    }

    public IoStackLocation stackLocationAt(long address) {
        return new IoStackLocation(this, address);
    }

    public DeviceObject deviceAt(long address) {
        return new DeviceObject(this, address);
    }

    public DriverObject driverAt(long address) {
        return new DriverObject(this, address);
    }

    public FileObject fileAt(long address) {
        return new FileObject(this, address);
    }

    // ------------------------------------------------------------------ calls through code addresses

    /**
     * The routine a call through a function pointer reaches: the Java routine registered at that
     * code address, or -- for an address that is not such code (NULL, a wild value, the code of an
     * unloaded driver) -- the instruction fetch the CPU makes there, which faults as Windows faults
     * (0x50, DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS 0xCE, 0xD1 at raised IRQL, 0xFC
     * for data pages); if the fetch itself succeeds, what executes is not code:
     * STATUS_ILLEGAL_INSTRUCTION is raised.
     */
    <T> T callTarget(long address, Class<T> type) {
        Object r = kernel.routineAt(address);
        if (type.isInstance(r)) return type.cast(r);
        long ip = kernel.enter(address);
        try {
            mm.execute(address, false);
        } finally {
            kernel.leave(ip);
        }
        throw kernel.raise(NtStatus.STATUS_ILLEGAL_INSTRUCTION, 0, 0);
    }
}
