package ntspec.mm;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import ntspec.ke.KProcess;
import ntspec.nt.StructType;
import ntspec.nt.StructType.Prim;

/**
 * A process object (EPROCESS). The members a driver or the debugger reads live in simulated memory
 * at the object's address, at their offsets in the public symbols of Windows 10 x64 (build 19041 and
 * later: UniqueProcessId +0x440, NumberOfLockedPages +0x500, ImageFileName +0x5a8, size 0xA40;
 * `dt nt!_EPROCESS`, e.g. https://www.vergiliusproject.com/kernels/x64/windows-10/22h2/_EPROCESS).
 * So MmProbeAndLockPages charges NumberOfLockedPages through the MDL's Process pointer, and a wild
 * Process pointer corrupts or faults as it would on Windows. The VAD tree stays Java-side.
 */
public final class EProcess extends KProcess {
    public static final int NUMBER_OF_LOCKED_PAGES = 0x500;
    public static final StructType TYPE = StructType.builder("_EPROCESS", 0xA40)
            .struct("Pcb", 0x000, KPROCESS)
            .ptr("UniqueProcessId", 0x440, "Void")
            .prim("NumberOfPrivatePages", 0x4f8, Prim.ULONG64)
            .prim("NumberOfLockedPages", NUMBER_OF_LOCKED_PAGES, Prim.ULONG64)
            .array("ImageFileName", 0x5a8, Prim.UCHAR, null, 15)
            .build();

    private final Mm mm;
    final TreeMap<Long, Vad> vads = new TreeMap<>();
    boolean exited;

    EProcess(Mm mm, String name, long processId, long address, long directoryTableBase) {
        super(name, processId, address, directoryTableBase);
        this.mm = mm;
        mm.write(address + KPROCESS.offsetOf("DirectoryTableBase"), 8, directoryTableBase << 12);
        mm.write(address + 0x440, 8, processId);
        byte[] image = name.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < Math.min(image.length, 14); i++) mm.write(address + 0x5a8 + i, 1, image[i]);
    }

    @Override
    public StructType type() {
        return TYPE;
    }

    /** EPROCESS.NumberOfLockedPages as it is in memory now (read as the debugger reads it). */
    public long numberOfLockedPages() {
        Long v = mm.peekIn(mm.systemDirectoryTableBase, address + NUMBER_OF_LOCKED_PAGES, 8);
        return v == null ? 0 : v;
    }

    /** Set by process exit once the address space is gone. */
    public void markExited() {
        exited = true;
    }

    public boolean hasExited() {
        return exited;
    }

    public Vad findVad(long va) {
        Map.Entry<Long, Vad> e = vads.floorEntry(va >>> 12);
        return e != null && e.getValue().contains(va) ? e.getValue() : null;
    }

    public java.util.Collection<Vad> vads() {
        return java.util.Collections.unmodifiableCollection(vads.values());
    }
}
