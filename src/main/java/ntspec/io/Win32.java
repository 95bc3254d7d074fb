package ntspec.io;

import ntspec.ke.KEvent;
import ntspec.ke.KThread;
import ntspec.ke.NtStatus;
import ntspec.ke.Win32Error;
import ntspec.mm.Pool;
import ntspec.nt.StructType.Prim;
import ntspec.nt.StructType;
import ntspec.trace.Trace;

/**
 * What kernel32 does around the system services for overlapped I/O, as Wine's kernelbase does it
 * (checked by its tests against Windows: https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/kernelbase/file.c,
 * https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/kernelbase/sync.c):
 * <ul>
 * <li>CreateEvent is NtCreateEvent: a KEVENT object in nonpaged pool (NotificationEvent for a
 * manual-reset event).</li>
 * <li>An OVERLAPPED lives in the caller's memory; DeviceIoControl, ReadFile and WriteFile set its
 * Internal to STATUS_PENDING and InternalHigh to 0, then pass it to the service as the
 * IO_STATUS_BLOCK and its hEvent as the Event, which the service resets and the I/O manager
 * signals at completion (https://learn.microsoft.com/windows/win32/sync/synchronization-and-overlapped-input-and-output).</li>
 * <li>GetOverlappedResult reads Internal: still STATUS_PENDING and bWait FALSE is FALSE with
 * ERROR_IO_INCOMPLETE; with bWait TRUE it waits on hEvent (or the file object when there is none)
 * and reads again; the bytes are InternalHigh, and the result is TRUE only for STATUS_SUCCESS, any
 * other status setting the last error to RtlNtStatusToDosError(status)
 * (https://learn.microsoft.com/windows/win32/api/ioapiset/nf-ioapiset-getoverlappedresult).</li>
 * </ul>
 * <li>ReadFileEx / WriteFileEx pass no event, kernel32's own APC routine (which calls the
 * caller's FileIOCompletionRoutine with RtlNtStatusToDosError(Status), Information and the
 * OVERLAPPED) and the completion routine as its context; they return TRUE for STATUS_PENDING and
 * STATUS_SUCCESS, FALSE with the last error otherwise; a NULL OVERLAPPED is ERROR_INVALID_PARAMETER.</li>
 * <li>DeviceIoControl, ReadFile and WriteFile with an OVERLAPPED pass it as the ApcContext unless
 * the low bit of its hEvent is set: that context is the value a completion packet carries.</li>
 * <li>Completion ports: CreateIoCompletionPort (NtCreateIoCompletion, then
 * NtSetInformationFile(FileCompletionInformation) for a file handle), GetQueuedCompletionStatus
 * (NtRemoveIoCompletion: TRUE when the packet's status is NT_SUCCESS; FALSE with the packet's
 * error and the OVERLAPPED when it is not; FALSE with WAIT_TIMEOUT and a NULL OVERLAPPED when
 * nothing came), PostQueuedCompletionStatus (NtSetIoCompletion with STATUS_SUCCESS),
 * SetFileCompletionNotificationModes (FileIoCompletionNotificationInformation).</li>
 * <li>User APCs and alertable waits: QueueUserAPC (NtQueueApcThread), SleepEx (NtDelayExecution:
 * WAIT_IO_COMPLETION after STATUS_USER_APC, else 0), WaitForSingleObjectEx (NtWaitForSingleObject:
 * the status as the DWORD), GetOverlappedResultEx (a timeout, and an alertable wait whose
 * WAIT_IO_COMPLETION or WAIT_TIMEOUT is FALSE with that value as the last error). The user APCs
 * run as the service returns to user mode, before the caller sees the result
 * ({@link ntspec.ke.Kernel#deliverUserApcs}).</li>
 * </ul>
 * Sources: https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/kernelbase/file.c,
 * https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/kernelbase/sync.c,
 * https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/kernelbase/thread.c,
 * https://learn.microsoft.com/windows/win32/api/ioapiset/nf-ioapiset-getqueuedcompletionstatus,
 * https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-readfileex,
 * https://learn.microsoft.com/windows/win32/api/synchapi/nf-synchapi-sleepex,
 * https://learn.microsoft.com/windows/win32/sync/asynchronous-procedure-calls.
 * Event, port and thread handles are not modelled: this machine's hEvent holds the event
 * object's address, which is what the handle would be resolved to (ObReferenceObjectByHandle);
 * a port handle is the port object's address.
 */
public final class Win32 {
    /** winbase.h values the caller passes and gets back. */
    public static final long INFINITE = 0xFFFFFFFFL;
    public static final long INVALID_HANDLE_VALUE = -1L;
    public static final long WAIT_OBJECT_0 = 0;
    public static final long WAIT_ABANDONED = 0x80;
    public static final long WAIT_IO_COMPLETION = 0xC0;
    public static final long WAIT_FAILED = 0xFFFFFFFFL;
    public static final long FILE_SKIP_COMPLETION_PORT_ON_SUCCESS = IoCompletion.FILE_SKIP_COMPLETION_PORT_ON_SUCCESS;
    public static final long FILE_SKIP_SET_EVENT_ON_HANDLE = IoCompletion.FILE_SKIP_SET_EVENT_ON_HANDLE;
    public static final long FILE_SKIP_SET_USER_EVENT_ON_FAST_IO = IoCompletion.FILE_SKIP_SET_USER_EVENT_ON_FAST_IO;
    /** OVERLAPPED (minwinbase.h), x64. */
    public static final StructType OVERLAPPED = StructType.builder("_OVERLAPPED", 0x20)
            .prim("Internal", 0x0, Prim.ULONG64)
            .prim("InternalHigh", 0x8, Prim.ULONG64)
            .prim("Offset", 0x10, Prim.ULONG)
            .prim("OffsetHigh", 0x14, Prim.ULONG)
            .ptr("hEvent", 0x18, "_KEVENT")
            .build();

    private static final int TAG_EVENT = Pool.tag("Even");
    /** ReactOS's TAG_PS_APC: the KAPC NtQueueApcThread allocates. */
    private static final int TAG_PS_APC = Pool.tag("Psap");
    private final IoManager io;
    /** kernel32's APC routine for ReadFileEx/WriteFileEx (Wine's read_write_apc). */
    private final long readWriteApc;
    /** ntdll's RtlDispatchAPC, the NormalRoutine QueueUserAPC passes with the caller's function as its context. */
    private final long dispatchApc;
    /** nt's PspQueueApcSpecialApc: the KernelRoutine that frees the KAPC NtQueueApcThread allocated. */
    private final long queueApcSpecialApc;

    Win32(IoManager io) {
        this.io = io;
        ntspec.ke.Kernel k = io.kernel;
        ntspec.ke.Kernel.UserRoutine rw = (context, iosb, unused) -> {
            int status = (int) io.mm.read(iosb, 8);
            long information = io.mm.read(iosb + 8, 8);
            int error = Win32Error.fromNtStatus(status);
            if (k.routineAt(context) instanceof FileIOCompletionRoutine f) {
                io.trace.add(Trace.Kind.NOTE, "read_write_apc: " + k.symbol(context) + "(" + error + ", " + (information & 0xFFFFFFFFL)
                        + ", " + Trace.hex(iosb) + ")");
                userCall(context, () -> f.call(error, information & 0xFFFFFFFFL, iosb));
            } else {
                io.trace.add(Trace.Kind.NOTE, "read_write_apc: the completion routine " + k.symbol(context) + " is no routine of the process");
            }
        };
        this.readWriteApc = k.registerRoutine(k.userImage("kernel32.dll"), "read_write_apc", rw);
        ntspec.ke.Kernel.UserRoutine dispatch = (function, data, activationContext) -> {
            if (k.routineAt(function) instanceof APCProc a) {
                io.trace.add(Trace.Kind.NOTE, "RtlDispatchAPC: " + k.symbol(function) + "(" + Trace.hex(data) + ")");
                userCall(function, () -> a.call(data));
            } else {
                io.trace.add(Trace.Kind.NOTE, "RtlDispatchAPC: " + k.symbol(function) + " is no routine of the process");
            }
        };
        this.dispatchApc = k.registerRoutine(k.userImage("ntdll.dll"), "RtlDispatchAPC", dispatch);
        ntspec.ke.Kernel.ApcKernelRoutine free = apc -> io.mm.pool.ExFreePoolWithTag(apc, TAG_PS_APC);
        this.queueApcSpecialApc = k.registerRoutine(k.nt(), "PspQueueApcSpecialApc", free);
    }

    /** A FileIOCompletionRoutine (LPOVERLAPPED_COMPLETION_ROUTINE) of the process, as ReadFileEx takes it. */
    public interface FileIOCompletionRoutine {
        void call(int dwErrorCode, long dwNumberOfBytesTransfered, long lpOverlapped);
    }

    /** An APCProc (PAPCFUNC) of the process, as QueueUserAPC takes it. */
    public interface APCProc {
        void call(long parameter);
    }

    /** Runs a routine of the process at its code address: user mode, PASSIVE_LEVEL, the current thread. */
    private void userCall(long routine, Runnable body) {
        long ip = io.kernel.enter(routine);
        try {
            body.run();
        } finally {
            io.kernel.leave(ip);
        }
    }

    /**
     * What a kernel32 routine returned that is not a request: its return value (a BOOL, a DWORD
     * such as WAIT_IO_COMPLETION, or a HANDLE) and the last error it set, null when it set none.
     */
    public record Call(String api, long returnValue, Integer lastError) {
    }

    private Call ok(String api, long value) {
        io.trace.add(Trace.Kind.RETURN, api + " returned " + Trace.hex(value));
        return new Call(api, value, null);
    }

    private Call fail(String api, long value, int error) {
        io.trace.add(Trace.Kind.RETURN, api + " returned " + Trace.hex(value) + ", GetLastError() = " + Win32Error.name(error));
        return new Call(api, value, error);
    }

    /** set_ntstatus: TRUE for STATUS_SUCCESS, else FALSE with RtlNtStatusToDosError(status). */
    private Call bool(String api, int status) {
        return status == 0 ? ok(api, 1) : fail(api, 0, Win32Error.fromNtStatus(status));
    }

    /** A DWORD timeout in milliseconds as the LARGE_INTEGER the service takes: null for INFINITE (get_nt_timeout). */
    static Long ntTimeout(long milliseconds) {
        long ms = milliseconds & 0xFFFFFFFFL;
        return ms == INFINITE ? null : -ms * 10_000L;
    }

    /** A system service from the current thread ({@link ntspec.ke.Kernel#systemService}). */
    private <T> T service(String name, java.util.function.Supplier<T> body) {
        return io.kernel.systemService(name, body);
    }

    // ------------------------------------------------------------------ requests with an OVERLAPPED

    /** The ApcContext kernel32 passes with an OVERLAPPED: the OVERLAPPED, or NULL when hEvent's low bit is set. */
    public long apcContextOf(long overlapped) {
        if (overlapped == 0) return 0;
        return (io.mm.read(overlapped + 0x18, 8) & 1) != 0 ? 0 : overlapped;
    }

    /**
     * ReadFileEx / WriteFileEx(hFile, lpBuffer, nNumberOfBytes, lpOverlapped, lpCompletionRoutine):
     * Internal = STATUS_PENDING, InternalHigh = 0, then NtReadFile(hFile, NULL, read_write_apc,
     * lpCompletionRoutine, lpOverlapped, ..., &amp;Offset). Null when the call has not returned.
     */
    public IoFunc.Request ReadWriteFileEx(boolean read, Handle file, long buffer, long length, long overlapped, long completionRoutine) {
        String api = read ? "ReadFileEx" : "WriteFileEx";
        if (overlapped == 0) {
            fail(api, 0, Win32Error.ERROR_INVALID_PARAMETER);
            IoFunc.Request r = io.func.new Request(file, 0, null, 0);
            r.earlyStatus = NtStatus.STATUS_INVALID_PARAMETER;
            r.api = api;
            return r;
        }
        beginOverlapped(overlapped);
        long offset = io.mm.read(overlapped + 0x10, 8);
        IoFunc.Request r = io.func.NtReadWriteFile(read, file, null, readWriteApc, completionRoutine, overlapped, buffer, length, offset);
        if (r != null) r.api = api;
        return r;
    }

    // ------------------------------------------------------------------ completion ports

    /**
     * CreateIoCompletionPort(FileHandle, ExistingCompletionPort, CompletionKey,
     * NumberOfConcurrentThreads) (Wine's kernelbase): {@code file} null stands for
     * INVALID_HANDLE_VALUE. A port with INVALID_HANDLE_VALUE is ERROR_INVALID_PARAMETER; without an
     * existing port a new one is created; a file handle is then associated with the port and the
     * key (a failure closes the new port and returns NULL). Returns the port.
     */
    public Call CreateIoCompletionPort(Handle file, long existingPort, long key, int threads) {
        String api = "CreateIoCompletionPort";
        if (existingPort != 0 && file == null) return fail(api, 0, Win32Error.ERROR_INVALID_PARAMETER);
        long port = existingPort;
        if (port == 0) port = service("NtCreateIoCompletion", () -> io.completion.NtCreateIoCompletion(threads)).address;
        if (file != null) {
            long p = port;
            int status = service("NtSetInformationFile", () -> io.completion.associate(file, p, key));
            if (status != 0) return fail(api, 0, Win32Error.fromNtStatus(status));
        }
        return ok(api, port);
    }

    /**
     * The outputs of GetQueuedCompletionStatus, in the caller's memory at {@code outputs}:
     * *lpNumberOfBytesTransferred (DWORD) +0x0, *lpCompletionKey +0x8, *lpOverlapped +0x10; the
     * service's IO_STATUS_BLOCK +0x18. Read through the caller's page tables, as a debugger does.
     */
    public final class QueuedStatus {
        public final boolean result;
        public final Integer lastError;
        public final long outputs;
        private final long cr3;

        QueuedStatus(boolean result, Integer lastError, long outputs, long cr3) {
            this.result = result;
            this.lastError = lastError;
            this.outputs = outputs;
            this.cr3 = cr3;
        }

        private long read(int offset, int size) {
            Long v = io.mm.peekIn(cr3, outputs + offset, size);
            return v == null ? 0 : v;
        }

        public long NumberOfBytesTransferred() {
            return read(0, 4);
        }

        public long CompletionKey() {
            return read(8, 8);
        }

        public long Overlapped() {
            return read(0x10, 8);
        }
    }

    /**
     * GetQueuedCompletionStatus(CompletionPort, lpNumberOfBytesTransferred, lpCompletionKey,
     * lpOverlapped, dwMilliseconds) with its three variables at {@code outputs} in the caller's
     * memory (see {@link QueuedStatus}): *lpOverlapped = NULL, then NtRemoveIoCompletion; a packet:
     * *lpNumberOfBytesTransferred = Information, TRUE when its status is NT_SUCCESS, else FALSE with
     * RtlNtStatusToDosError(status); STATUS_TIMEOUT: FALSE, WAIT_TIMEOUT; any other failure: FALSE
     * with its error.
     */
    public QueuedStatus GetQueuedCompletionStatus(long port, long outputs, long milliseconds) {
        long cr3 = io.kernel.currentProcess().directoryTableBase;
        io.mm.write(outputs + 0x10, 8, 0);
        IoCompletion.Dequeued d = service("NtRemoveIoCompletion",
                () -> io.completion.NtRemoveIoCompletion(port, outputs + 8, outputs + 0x10, outputs + 0x18, ntTimeout(milliseconds)));
        int status = d.status();
        String api = "GetQueuedCompletionStatus";
        if (status == NtStatus.STATUS_SUCCESS) {
            io.mm.write(outputs, 4, io.mm.read(outputs + 0x20, 8));
            int ioStatus = (int) io.mm.read(outputs + 0x18, 4);
            if (NtStatus.NT_SUCCESS(ioStatus)) {
                ok(api, 1);
                return new QueuedStatus(true, null, outputs, cr3);
            }
            int error = Win32Error.fromNtStatus(ioStatus);
            fail(api, 0, error);
            return new QueuedStatus(false, error, outputs, cr3);
        }
        int error = status == NtStatus.STATUS_TIMEOUT ? Win32Error.WAIT_TIMEOUT : Win32Error.fromNtStatus(status);
        fail(api, 0, error);
        return new QueuedStatus(false, error, outputs, cr3);
    }

    /** PostQueuedCompletionStatus(CompletionPort, dwNumberOfBytesTransferred, dwCompletionKey, lpOverlapped). */
    public Call PostQueuedCompletionStatus(long port, long bytes, long key, long overlapped) {
        int status = service("NtSetIoCompletion", () -> io.completion.NtSetIoCompletion(port, key, overlapped, NtStatus.STATUS_SUCCESS,
                bytes & 0xFFFFFFFFL));
        return bool("PostQueuedCompletionStatus", status);
    }

    /** SetFileCompletionNotificationModes(FileHandle, Flags). */
    public Call SetFileCompletionNotificationModes(Handle file, int flags) {
        int status = service("NtSetInformationFile", () -> io.completion.setNotificationModes(file, flags & 0xFF));
        return bool("SetFileCompletionNotificationModes", status);
    }

    // ------------------------------------------------------------------ user APCs and alertable waits

    /**
     * QueueUserAPC(pfnAPC, hThread, dwData): NtQueueApcThread(hThread, RtlDispatchAPC, pfnAPC,
     * dwData, NULL) -- a KAPC from nonpaged pool (freed by PspQueueApcSpecialApc as it is
     * delivered), queued as a user APC to the thread. A system thread is STATUS_INVALID_HANDLE
     * (ReactOS ps/state.c); a non-zero return is success.
     */
    public Call QueueUserAPC(long function, KThread thread, long data) {
        int status = service("NtQueueApcThread", () -> {
            io.trace.add(Trace.Kind.DDI, "NtQueueApcThread(" + thread + ", RtlDispatchAPC, " + io.kernel.symbol(function) + ", " + Trace.hex(data) + ")");
            if (thread.isSystemThread()) return NtStatus.STATUS_INVALID_HANDLE;
            long apc = io.mm.pool.ExAllocatePoolWithTag(ntspec.mm.Pool.NonPagedPoolNx, KThread.KAPC.size(), TAG_PS_APC);
            if (apc == 0) return NtStatus.STATUS_NO_MEMORY;
            io.kernel.KeInsertQueueUserApc(thread, apc, queueApcSpecialApc, dispatchApc, function, data, 0);
            return NtStatus.STATUS_SUCCESS;
        });
        return status == 0 ? ok("QueueUserAPC", 1) : fail("QueueUserAPC", 0, Win32Error.fromNtStatus(status));
    }

    /** SleepEx(dwMilliseconds, bAlertable): NtDelayExecution; WAIT_IO_COMPLETION after STATUS_USER_APC, else 0. */
    public Call SleepEx(long milliseconds, boolean alertable) {
        int status = service("NtDelayExecution", () -> io.kernel.waits.KeDelayExecutionThread(ntspec.ke.Waits.UserMode, alertable,
                ntTimeout(milliseconds)));
        return ok("SleepEx", status == NtStatus.STATUS_USER_APC ? WAIT_IO_COMPLETION : 0);
    }

    /**
     * WaitForSingleObjectEx(hHandle, dwMilliseconds, bAlertable) on an event or a file handle (its
     * file object's event): NtWaitForSingleObject, whose status is the DWORD returned
     * (WAIT_OBJECT_0, WAIT_TIMEOUT, WAIT_IO_COMPLETION).
     */
    public Call WaitForSingleObjectEx(KEvent object, long milliseconds, boolean alertable) {
        int status = service("NtWaitForSingleObject", () -> io.kernel.waits.KeWaitForSingleObject(object, ntspec.ke.Waits.UserMode,
                alertable, ntTimeout(milliseconds)));
        return ok("WaitForSingleObjectEx", status & 0xFFFFFFFFL);
    }

    /**
     * GetOverlappedResultEx(hFile, lpOverlapped, lpNumberOfBytesTransferred, dwMilliseconds,
     * bAlertable) (Wine's kernelbase): Internal still STATUS_PENDING with a 0 timeout is FALSE,
     * ERROR_IO_INCOMPLETE; otherwise WaitForSingleObjectEx on hEvent (or the file), and a wait that
     * ended without the object (WAIT_IO_COMPLETION, WAIT_TIMEOUT) is FALSE with that value as the
     * last error; then InternalHigh is the count and TRUE only for STATUS_SUCCESS.
     */
    public Result GetOverlappedResultEx(Handle file, long overlapped, long milliseconds, boolean alertable) {
        int status = (int) io.mm.read(overlapped, 8);
        io.trace.add(Trace.Kind.NOTE, String.format("GetOverlappedResultEx(%s, 0x%X, %d, %s): Internal %s", file, overlapped,
                milliseconds & 0xFFFFFFFFL, alertable ? "TRUE" : "FALSE", NtStatus.name(status)));
        if (status == NtStatus.STATUS_PENDING) {
            if ((milliseconds & 0xFFFFFFFFL) == 0) return new Result(false, Win32Error.ERROR_IO_INCOMPLETE, io.mm.read(overlapped + 8, 8));
            KEvent event = eventOf(overlapped);
            Call w = WaitForSingleObjectEx(event != null ? event : file.file().Event(), milliseconds, alertable);
            if (w.returnValue() != WAIT_OBJECT_0) return new Result(false, (int) w.returnValue(), io.mm.read(overlapped + 8, 8));
            status = (int) io.mm.read(overlapped, 8);
            if (status == NtStatus.STATUS_PENDING) status = NtStatus.STATUS_SUCCESS;
        }
        long bytes = io.mm.read(overlapped + 8, 8);
        return status == NtStatus.STATUS_SUCCESS ? new Result(true, null, bytes) : new Result(false, Win32Error.fromNtStatus(status), bytes);
    }

    /** CreateEvent(NULL, manualReset, initialState, NULL): the event object. */
    public KEvent CreateEvent(boolean manualReset, boolean initialState) {
        long va = io.mm.pool.allocateObject(KEvent.TYPE.size(), TAG_EVENT);
        KEvent e = new KEvent(io.mm, va);
        e.initialize(manualReset ? KEvent.NotificationEvent : KEvent.SynchronizationEvent, initialState);
        io.trace.add(Trace.Kind.DDI, String.format("NtCreateEvent(%s, %s) = 0x%X", manualReset ? "NotificationEvent" : "SynchronizationEvent",
                initialState ? "TRUE" : "FALSE", va));
        return e;
    }

    /** What kernel32 writes into the caller's OVERLAPPED before it calls the service. */
    public void beginOverlapped(long overlapped) {
        io.mm.write(overlapped, 8, NtStatus.STATUS_PENDING);
        io.mm.write(overlapped + 8, 8, 0);
    }

    /** The event an OVERLAPPED names, or null (the low bits of hEvent are the handle's tag bits, not part of it). */
    public KEvent eventOf(long overlapped) {
        long e = io.mm.read(overlapped + 0x18, 8) & ~3L;
        return e == 0 ? null : new KEvent(io.mm, e);
    }

    /** GetOverlappedResult's BOOL, last error (null after TRUE) and *lpNumberOfBytesTransferred. */
    public record Result(boolean result, Integer lastError, long bytesTransferred) {
    }

    /** GetOverlappedResult(hFile, lpOverlapped, lpNumberOfBytesTransferred, bWait) from the current thread. */
    public Result GetOverlappedResult(Handle file, long overlapped, boolean wait) {
        int status = (int) io.mm.read(overlapped, 8);
        io.trace.add(Trace.Kind.NOTE, String.format("GetOverlappedResult(%s, 0x%X, %s): Internal %s", file, overlapped,
                wait ? "TRUE" : "FALSE", NtStatus.name(status)));
        if (status == NtStatus.STATUS_PENDING) {
            if (!wait) return new Result(false, Win32Error.ERROR_IO_INCOMPLETE, io.mm.read(overlapped + 8, 8));
            KEvent event = eventOf(overlapped);
            KEvent target = event != null ? event : file.file().Event();
            service("NtWaitForSingleObject", () -> io.kernel.waits.KeWaitForSingleObject(target, null));
            status = (int) io.mm.read(overlapped, 8);
        }
        long bytes = io.mm.read(overlapped + 8, 8);
        return status == NtStatus.STATUS_SUCCESS ? new Result(true, null, bytes) : new Result(false, Win32Error.fromNtStatus(status), bytes);
    }
}
