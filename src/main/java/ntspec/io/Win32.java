package ntspec.io;

import ntspec.ke.KEvent;
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
 * Event handles are not modelled: this machine's hEvent holds the event object's address, which
 * is what the handle would be resolved to (ObReferenceObjectByHandle).
 */
public final class Win32 {
    /** OVERLAPPED (minwinbase.h), x64. */
    public static final StructType OVERLAPPED = StructType.builder("_OVERLAPPED", 0x20)
            .prim("Internal", 0x0, Prim.ULONG64)
            .prim("InternalHigh", 0x8, Prim.ULONG64)
            .prim("Offset", 0x10, Prim.ULONG)
            .prim("OffsetHigh", 0x14, Prim.ULONG)
            .ptr("hEvent", 0x18, "_KEVENT")
            .build();

    private static final int TAG_EVENT = Pool.tag("Even");
    private final IoManager io;

    Win32(IoManager io) {
        this.io = io;
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

    /** The event an OVERLAPPED names, or null. */
    public KEvent eventOf(long overlapped) {
        long e = io.mm.read(overlapped + 0x18, 8);
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
            io.kernel.ensureRunning();
            long ip = io.kernel.enter(io.kernel.nt().routine("NtWaitForSingleObject"));
            try {
                io.kernel.runUnhandledExceptionBoundary(() -> io.kernel.waits.KeWaitForSingleObject(target, null));
            } finally {
                io.kernel.leave(ip);
            }
            status = (int) io.mm.read(overlapped, 8);
        }
        long bytes = io.mm.read(overlapped + 8, 8);
        return status == NtStatus.STATUS_SUCCESS ? new Result(true, null, bytes) : new Result(false, Win32Error.fromNtStatus(status), bytes);
    }
}
