package ntspec.mm;

import java.util.Map;
import java.util.TreeMap;
import ntspec.ke.KProcess;

/**
 * A process object (EPROCESS): the kernel part plus what the memory manager keeps in it: the VAD
 * tree and NumberOfLockedPages (the count MmProbeAndLockPages charges and process exit checks).
 */
public final class EProcess extends KProcess {
    final TreeMap<Long, Vad> vads = new TreeMap<>();
    long numberOfLockedPages;
    boolean exiting;
    boolean exited;

    EProcess(String name, long processId, long address, long directoryTableBase) {
        super(name, processId, address, directoryTableBase);
    }

    /** EPROCESS.NumberOfLockedPages. */
    public long numberOfLockedPages() {
        return numberOfLockedPages;
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
