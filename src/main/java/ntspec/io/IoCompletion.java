package ntspec.io;

import java.util.LinkedHashMap;
import java.util.Map;
import ntspec.ke.KQueue;
import ntspec.ke.NtStatus;
import ntspec.ke.Waits;
import ntspec.mm.Pool;
import ntspec.nt.StructType;
import ntspec.nt.StructType.Prim;
import ntspec.trace.Trace;

/**
 * I/O completion ports (https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/iocomp.c;
 * https://learn.microsoft.com/windows/win32/fileio/i-o-completion-ports): a port is a KQUEUE in
 * nonpaged pool (the IoCompletion object's body, {@link KQueue}); a file object is associated with
 * it through FILE_OBJECT.CompletionContext, an IO_COMPLETION_CONTEXT {Port, Key}; the entries on the
 * queue are completion packets, each linked through its first LIST_ENTRY:
 * <ul>
 * <li>an IRP that completed on an associated file object: stage 2 of completion
 * ({@link IoIrp#stage2}) sets Irp->Tail.CompletionKey to the key and Tail.Overlay.PacketType to
 * IopCompletionPacketIrp (0) and queues &amp;Irp->Tail.Overlay.ListEntry; the IRP is freed when
 * the packet is removed;</li>
 * <li>a mini packet (IOP_MINI_COMPLETION_PACKET, ReactOS's layout: ListEntry, PacketType 1,
 * KeyContext, ApcContext, IoStatus, IoStatusInformation) that NtSetIoCompletion
 * (PostQueuedCompletionStatus) allocates, tag IOCT, freed when removed.</li>
 * </ul>
 * Port handles are not modelled: as for events, the "handle" is the object's address, and a value
 * that is no port is STATUS_INVALID_HANDLE (ObReferenceObjectByHandle with IoCompletionType).
 */
public final class IoCompletion {
    /** Tail.Overlay.PacketType of the packets (ReactOS iop.h IopCompletionPacketIrp, IopCompletionPacketMini). */
    public static final int IopCompletionPacketIrp = 0;
    public static final int IopCompletionPacketMini = 1;
    /** FILE_INFORMATION_CLASS values the two NtSetInformationFile calls use. */
    public static final int FileCompletionInformation = 30;
    public static final int FileIoCompletionNotificationInformation = 41;
    /** SetFileCompletionNotificationModes flags (winbase.h). */
    public static final int FILE_SKIP_COMPLETION_PORT_ON_SUCCESS = 0x1;
    public static final int FILE_SKIP_SET_EVENT_ON_HANDLE = 0x2;
    public static final int FILE_SKIP_SET_USER_EVENT_ON_FAST_IO = 0x4;
    /** IOP_MINI_COMPLETION_PACKET (x64, after ReactOS ntoskrnl/include/internal/io.h). */
    public static final StructType MINI_PACKET = StructType.builder("_IOP_MINI_COMPLETION_PACKET", 0x50)
            .struct("ListEntry", 0x00, Irp.LIST_ENTRY)
            .prim("PacketType", 0x10, Prim.ULONG)
            .ptr("KeyContext", 0x18, "Void")
            .ptr("ApcContext", 0x20, "Void")
            .prim("IoStatus", 0x28, Prim.LONG)
            .prim("IoStatusInformation", 0x30, Prim.ULONG64)
            .ptr("MiniPacketCallback", 0x38, "void")
            .ptr("Context", 0x40, "Void")
            .prim("Allocated", 0x48, Prim.UCHAR)
            .build();
    /** The pool tag of IoCompletion objects (the object type's name) and ReactOS's IOC_TAG of contexts and mini packets. */
    static final int TAG_PORT = Pool.tag("IoCo");
    static final int TAG_IOC = Pool.tag("IOCT");

    private final IoManager io;
    private final Map<Long, KQueue> ports = new LinkedHashMap<>();

    IoCompletion(IoManager io) {
        this.io = io;
    }

    /** The port whose object is at {@code address}, or null when no port is there. */
    public KQueue port(long address) {
        return ports.get(address);
    }

    /**
     * NtCreateIoCompletion(&amp;handle, IO_COMPLETION_ALL_ACCESS, NULL, NumberOfConcurrentThreads):
     * the object in nonpaged pool, KeInitializeQueue(Queue, Count) (0: as many as processors).
     */
    public KQueue NtCreateIoCompletion(int numberOfConcurrentThreads) {
        long va = io.mm.pool.allocateObject(KQueue.TYPE.size(), TAG_PORT);
        KQueue q = new KQueue(io.mm, va);
        q.initialize(numberOfConcurrentThreads, io.kernel.processorCount());
        ports.put(va, q);
        io.trace.add(Trace.Kind.DDI, String.format("NtCreateIoCompletion(%d) = 0x%X", numberOfConcurrentThreads, va));
        return q;
    }

    /**
     * NtSetInformationFile(FileCompletionInformation) (ReactOS iofunc.c): a synchronous file object
     * (opened without FILE_FLAG_OVERLAPPED) or one already associated is STATUS_INVALID_PARAMETER;
     * otherwise an IO_COMPLETION_CONTEXT {Port, Key} goes into FileObject->CompletionContext.
     */
    public int associate(Handle handle, long port, long key) {
        io.trace.add(Trace.Kind.DDI, String.format("NtSetInformationFile(%s, FileCompletionInformation {Port 0x%X, Key 0x%X})", handle, port, key));
        int status = associateStatus(handle, port, key);
        io.trace.add(Trace.Kind.RETURN, "NtSetInformationFile returned " + NtStatus.name(status));
        return status;
    }

    private int associateStatus(Handle handle, long port, long key) {
        if (io.file.isClosed(handle)) return NtStatus.STATUS_INVALID_HANDLE;
        KQueue q = port(port);
        if (q == null) return NtStatus.STATUS_INVALID_HANDLE;
        FileObject file = handle.file();
        if (file.isSynchronous()) return NtStatus.STATUS_INVALID_PARAMETER;
        if (file.CompletionContext() != 0) return NtStatus.STATUS_INVALID_PARAMETER;
        long context = io.mm.pool.ExAllocatePoolWithTag(Pool.PagedPool, FileObject.IO_COMPLETION_CONTEXT.size(), TAG_IOC);
        if (context == 0) return NtStatus.STATUS_INSUFFICIENT_RESOURCES;
        io.mm.write(context, 8, q.address);
        io.mm.write(context + 8, 8, key);
        file.setCompletionContext(context);
        return NtStatus.STATUS_SUCCESS;
    }

    /**
     * NtSetInformationFile(FileIoCompletionNotificationInformation): the flags become the file
     * object's FO_SKIP_COMPLETION_PORT, FO_SKIP_SET_EVENT and FO_SKIP_SET_FAST_IO; once set they stay
     * set (https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-setfilecompletionnotificationmodes).
     * A flag outside the three is STATUS_INVALID_PARAMETER.
     */
    public int setNotificationModes(Handle handle, int flags) {
        io.trace.add(Trace.Kind.DDI, String.format("NtSetInformationFile(%s, FileIoCompletionNotificationInformation 0x%X)", handle, flags));
        int status;
        if (io.file.isClosed(handle)) {
            status = NtStatus.STATUS_INVALID_HANDLE;
        } else if ((flags & ~(FILE_SKIP_COMPLETION_PORT_ON_SUCCESS | FILE_SKIP_SET_EVENT_ON_HANDLE | FILE_SKIP_SET_USER_EVENT_ON_FAST_IO)) != 0) {
            status = NtStatus.STATUS_INVALID_PARAMETER;
        } else {
            FileObject file = handle.file();
            int fo = 0;
            if ((flags & FILE_SKIP_COMPLETION_PORT_ON_SUCCESS) != 0) fo |= FileObject.FO_SKIP_COMPLETION_PORT;
            if ((flags & FILE_SKIP_SET_EVENT_ON_HANDLE) != 0) fo |= FileObject.FO_SKIP_SET_EVENT;
            if ((flags & FILE_SKIP_SET_USER_EVENT_ON_FAST_IO) != 0) fo |= FileObject.FO_SKIP_SET_FAST_IO;
            file.setFlags(file.Flags() | fo);
            status = NtStatus.STATUS_SUCCESS;
        }
        io.trace.add(Trace.Kind.RETURN, "NtSetInformationFile returned " + NtStatus.name(status));
        return status;
    }

    /**
     * NtSetIoCompletion (IoSetIoCompletion): a mini packet {KeyContext, ApcContext, IoStatus,
     * IoStatusInformation} in nonpaged pool, queued to the port.
     */
    public int NtSetIoCompletion(long port, long key, long apcContext, int status, long information) {
        io.trace.add(Trace.Kind.DDI, String.format("NtSetIoCompletion(0x%X, Key 0x%X, ApcContext 0x%X, %s, 0x%X)", port, key, apcContext,
                NtStatus.name(status), information));
        KQueue q = port(port);
        if (q == null) return ret("NtSetIoCompletion", NtStatus.STATUS_INVALID_HANDLE);
        long packet = io.mm.pool.ExAllocatePoolWithTag(Pool.NonPagedPoolNx, MINI_PACKET.size(), TAG_IOC);
        if (packet == 0) return ret("NtSetIoCompletion", NtStatus.STATUS_INSUFFICIENT_RESOURCES);
        for (int off = 0; off < MINI_PACKET.size(); off += 8) io.mm.write(packet + off, 8, 0);
        io.mm.write(packet + 0x10, 4, IopCompletionPacketMini);
        io.mm.write(packet + 0x18, 8, key);
        io.mm.write(packet + 0x20, 8, apcContext);
        io.mm.write(packet + 0x28, 4, status);
        io.mm.write(packet + 0x30, 8, information);
        io.mm.write(packet + 0x48, 1, 1);
        io.kernel.waits.KeInsertQueue(q, packet);
        return ret("NtSetIoCompletion", NtStatus.STATUS_SUCCESS);
    }

    private int ret(String service, int status) {
        io.trace.add(Trace.Kind.RETURN, service + " returned " + NtStatus.name(status));
        return status;
    }

    /**
     * Stage 2 of completion, for an IRP whose file object is associated with a port: the IRP itself
     * is the packet (IopCompleteRequest: Tail.CompletionKey = Key, PacketType =
     * IopCompletionPacketIrp, KeInsertQueue(Port, &amp;Irp->Tail.Overlay.ListEntry)).
     */
    void queueIrp(Irp irp, long context) {
        long port = io.mm.read(context, 8);
        long key = io.mm.read(context + 8, 8);
        io.mm.write(irp.address + 0x78, 8, key); // Tail.CompletionKey
        io.mm.write(irp.address + 0xB8, 4, IopCompletionPacketIrp); // Tail.Overlay.PacketType
        KQueue q = ports.get(port);
        io.trace.add(Trace.Kind.NOTE, "IopCompleteRequest stage 2: completion packet " + irp + " (key " + Trace.hex(key) + ") to port " + Trace.hex(port));
        io.kernel.waits.KeInsertQueue(q != null ? q : new KQueue(io.mm, port), irp.address + 0xA8);
    }

    /** What NtRemoveIoCompletion wrote, as it returned: the service's status, then the packet's values. */
    public record Dequeued(int status, long key, long apcContext, int ioStatus, long information) {
    }

    /**
     * NtRemoveIoCompletion(Port, &amp;Key, &amp;ApcContext, IoStatusBlock, Timeout) from the current
     * thread (ReactOS iocomp.c): KeRemoveQueue(Queue, UserMode, Timeout); STATUS_TIMEOUT (or
     * STATUS_USER_APC) is returned as it is; a packet gives its key, ApcContext and status block,
     * written to the caller's variables at {@code keyOut}, {@code apcContextOut} and {@code iosbOut}
     * in its memory, and is freed (IoFreeIrp for an IRP, the pool for a mini packet).
     */
    public Dequeued NtRemoveIoCompletion(long port, long keyOut, long apcContextOut, long iosbOut, Long timeout) {
        Dequeued d = remove(port, keyOut, apcContextOut, iosbOut, timeout);
        io.trace.add(Trace.Kind.RETURN, "NtRemoveIoCompletion returned " + NtStatus.name(d.status()));
        return d;
    }

    private Dequeued remove(long port, long keyOut, long apcContextOut, long iosbOut, Long timeout) {
        io.trace.add(Trace.Kind.DDI, String.format("NtRemoveIoCompletion(0x%X, %s)", port, timeout == null ? "no timeout" : "timeout " + timeout));
        int[] caught = {0};
        io.kernel.tryExcept(() -> {
            io.mm.mdl.ProbeForWrite(keyOut, 8, 8);
            io.mm.mdl.ProbeForWrite(apcContextOut, 8, 8);
            io.mm.mdl.ProbeForWrite(iosbOut, 16, 8);
        }, code -> caught[0] = code);
        if (caught[0] != 0) return new Dequeued(caught[0], 0, 0, 0, 0);
        KQueue q = port(port);
        if (q == null) return new Dequeued(NtStatus.STATUS_INVALID_HANDLE, 0, 0, 0, 0);
        Waits.Removed r = io.kernel.waits.KeRemoveQueue(q, Waits.UserMode, timeout);
        if (r.status() != NtStatus.STATUS_SUCCESS) return new Dequeued(r.status(), 0, 0, 0, 0);
        long entry = r.entry();
        long key;
        long apc;
        int status;
        long information;
        if ((int) io.mm.read(entry + 0x10, 4) == IopCompletionPacketIrp) {
            Irp irp = io.irpAt(entry - 0xA8); // CONTAINING_RECORD(entry, IRP, Tail.Overlay.ListEntry)
            key = io.mm.read(irp.address + 0x78, 8);
            apc = io.mm.read(irp.address + 0x60, 8);
            status = irp.IoStatus.Status();
            information = irp.IoStatus.Information();
            io.irp.IoFreeIrp(irp);
        } else {
            key = io.mm.read(entry + 0x18, 8);
            apc = io.mm.read(entry + 0x20, 8);
            status = (int) io.mm.read(entry + 0x28, 4);
            information = io.mm.read(entry + 0x30, 8);
            io.mm.pool.ExFreePoolWithTag(entry, TAG_IOC);
        }
        int[] written = {NtStatus.STATUS_SUCCESS};
        io.kernel.tryExcept(() -> {
            io.mm.write(apcContextOut, 8, apc);
            io.mm.write(keyOut, 8, key);
            io.mm.write(iosbOut, 8, status & 0xFFFFFFFFL);
            io.mm.write(iosbOut + 8, 8, information);
        }, code -> written[0] = code);
        return new Dequeued(written[0], key, apc, status, information);
    }
}
