package ntspec.debug;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import ntspec.io.DeviceObject;
import ntspec.io.DriverObject;
import ntspec.io.FileObject;
import ntspec.io.IoStackLocation;
import ntspec.io.IoStatusBlock;
import ntspec.io.Irp;
import ntspec.ke.KEvent;
import ntspec.ke.KProcess;
import ntspec.ke.KThread;
import ntspec.mm.EProcess;
import ntspec.mm.Mdl;
import ntspec.nt.StructType;

/** The debugger's symbol table: the structure types this machine lays out in memory, by name (dt nt!_MDL). */
public final class Symbols {
    private Symbols() {}

    private static final Map<String, StructType> TYPES;
    static {
        Map<String, StructType> m = new TreeMap<>();
        for (StructType t : new StructType[] {Mdl.TYPE, Irp.TYPE, IoStackLocation.TYPE, IoStatusBlock.TYPE, DeviceObject.TYPE,
            DeviceObject.DEVOBJ_EXTENSION, DriverObject.TYPE, DriverObject.UNICODE_STRING, FileObject.TYPE, KEvent.TYPE,
            KEvent.DISPATCHER_HEADER, ntspec.io.Win32.OVERLAPPED, IoStackLocation.IO_SECURITY_CONTEXT, EProcess.TYPE, KProcess.KPROCESS, KThread.ETHREAD, KThread.KTHREAD, KThread.KAPC_STATE,
            Irp.LIST_ENTRY, ntspec.io.IoCsq.TYPE, ntspec.io.IoCsq.IRP_CONTEXT, ntspec.ke.KQueue.TYPE, KThread.KAPC,
            FileObject.IO_COMPLETION_CONTEXT, ntspec.io.IoCompletion.MINI_PACKET}) {
            m.put(t.name(), t);
        }
        TYPES = Collections.unmodifiableMap(m);
    }

    /** The type named "_MDL", "nt!_MDL" or "MDL"; null if unknown. */
    public static StructType type(String name) {
        String n = name.startsWith("nt!") ? name.substring(3) : name;
        StructType t = TYPES.get(n);
        return t != null ? t : TYPES.get("_" + n);
    }

    public static Map<String, StructType> types() {
        return TYPES;
    }
}
