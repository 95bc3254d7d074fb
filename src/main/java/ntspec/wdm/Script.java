package ntspec.wdm;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import ntspec.Machine;
import ntspec.hw.Pte;
import ntspec.io.Irp;
import ntspec.ke.BugCheckCode;
import ntspec.ke.KApcState;
import ntspec.ke.NtStatus;
import ntspec.mm.EProcess;
import ntspec.mm.Mdl;
import ntspec.mm.Pfn;

/**
 * A small C-like language for driving the facade from text (Gherkin steps, scenario-defined
 * drivers): statements {@code [name =] Ddi(arg, ...)} and expressions over named values, wdm.h
 * constants, numbers, {@code ->} field access, {@code [i]}, {@code + - | & ~} and the debugger's
 * view of the machine ({@code pte(va)}, {@code pfn(n)}, {@code FreeSystemPtes}, ...). Every value is
 * read from the machine when the expression is evaluated. Errors name the accepted forms.
 */
public final class Script {
    /** A malformed statement or expression, or an unknown name: the message says what is accepted. */
    public static final class ScriptException extends RuntimeException {
        public ScriptException(String message) {
            super(message);
        }
    }

    /** The decoded view of a PTE (what {@code !pte} shows), for {@code pte(va)->Field}. */
    public record PteView(long value) {
        Object field(String name) {
            return switch (name) {
                case "Valid" -> bit(Pte.P);
                case "Write" -> bit(Pte.RW);
                case "Owner" -> bit(Pte.US);
                case "WriteThrough" -> bit(Pte.PWT);
                case "CacheDisable" -> bit(Pte.PCD);
                case "Accessed" -> bit(Pte.A);
                case "Dirty" -> bit(Pte.D);
                case "LargePage" -> bit(Pte.PS);
                case "Global" -> bit(Pte.G);
                case "CopyOnWrite" -> Pte.isValid(value) ? bit(Pte.COPY_ON_WRITE) : 0L;
                case "Prototype" -> bit(Pte.PROTOTYPE);
                case "Transition" -> Pte.isTransition(value) ? 1L : 0L;
                case "NoExecute" -> (value & Pte.NX) != 0 ? 1L : 0L;
                case "PageFrameNumber" -> Pte.isValid(value) || Pte.isTransition(value) ? Pte.pfn(value) : 0L;
                case "Protection" -> Pte.isValid(value) ? 0L : (long) Pte.protection(value);
                case "PageFileLow" -> Pte.isValid(value) ? 0L : (long) Pte.pageFileNumber(value);
                case "PageFileHigh" -> Pte.isValid(value) ? 0L : Pte.pageFileSlot(value);
                case "u" -> value;
                default -> throw new ScriptException("a PTE has no field " + name + "; fields: " + FIELDS);
            };
        }

        private long bit(long mask) {
            return (value & mask) != 0 ? 1L : 0L;
        }

        static final String FIELDS = "Valid, Write, Owner, WriteThrough, CacheDisable, Accessed, Dirty, LargePage, Global, "
                + "CopyOnWrite, Prototype, Transition, NoExecute, PageFrameNumber, Protection, PageFileLow, PageFileHigh, u";

        @Override
        public String toString() {
            return String.format("PTE 0x%X (%s)", value, Pte.describe(value));
        }
    }

    /** A PFN database entry as {@code pfn(n)} shows it (a frame never used reads as all zeros). */
    public record PfnView(long pfn, Pfn entry) {
        Object field(String name) {
            return switch (name) {
                case "ReferenceCount" -> entry == null ? 0L : (long) entry.referenceCount();
                case "ShareCount" -> entry == null ? 0L : (long) entry.shareCount();
                case "PageLocation" -> entry == null ? (long) Pfn.ZERO_PAGE_LIST : (long) entry.location();
                case "LockCount" -> entry == null ? 0L : (long) entry.lockCount();
                case "PteAddress" -> entry == null ? 0L : entry.pteAddress();
                case "PteFrame" -> entry == null ? 0L : entry.pteFrame();
                default -> throw new ScriptException("a PFN entry has no field " + name
                        + "; fields: ReferenceCount, ShareCount, LockCount, PageLocation, PteAddress, PteFrame");
            };
        }

        @Override
        public String toString() {
            return entry == null ? String.format("PFN %X (never used)", pfn)
                    : String.format("PFN %X ref %d share %d %s", pfn, entry.referenceCount(), entry.shareCount(),
                    Pfn.locationName(entry.location()));
        }
    }

    private static final Map<String, Long> CONSTANTS;
    private static final Map<String, List<Method>> DDIS;

    static {
        Map<String, Long> c = new TreeMap<>();
        for (Field f : WdmConstants.class.getFields()) {
            try {
                Object v = f.get(null);
                if (v instanceof Number n) c.put(f.getName(), n.longValue());
                else if (v instanceof Boolean b) c.put(f.getName(), b ? 1L : 0L);
            } catch (IllegalAccessException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
        NtStatus.byName().forEach((n, v) -> c.putIfAbsent(n, v & 0xFFFFFFFFL));
        BugCheckCode.byName().forEach((n, v) -> c.putIfAbsent(n, (long) v));
        String[] lists = {"ZeroedPageList", "FreePageList", "StandbyPageList", "ModifiedPageList",
            "ModifiedNoWritePageList", "BadPageList", "ActiveAndValid", "TransitionPage"};
        for (int i = 0; i < lists.length; i++) c.put(lists[i], (long) i);
        CONSTANTS = Collections.unmodifiableMap(c);
        Map<String, List<Method>> d = new TreeMap<>();
        for (Method m : Wdm.class.getMethods()) {
            if (m.getDeclaringClass() == Wdm.class && Modifier.isPublic(m.getModifiers())
                    && Character.isUpperCase(m.getName().charAt(0))) {
                d.computeIfAbsent(m.getName(), k -> new ArrayList<>()).add(m);
            }
        }
        DDIS = Collections.unmodifiableMap(d);
    }

    private static final List<String> MACHINE_VALUES = List.of("FreeSystemPtes", "SystemPtesInUse", "SystemPtesTotal",
            "MmSystemLockPagesCount", "AvailablePages", "ZeroedPages", "FreePages", "StandbyPages", "ModifiedPages",
            "PagingFileSlotsInUse", "PageFaults", "HardFaults", "TransitionFaults", "DemandZeroFaults", "CurrentIrql",
            "CurrentProcess", "PoolBytesInUse");

    private final Wdm wdm;
    private final Machine machine;
    private final Map<String, Object> variables;
    /** A routine's parameters (Irp, DeviceObject, IrpSp, Context...): looked up first, never assigned. */
    private final Map<String, Object> locals;

    public Script(Wdm wdm, Map<String, Object> variables) {
        this(wdm, variables, Map.of());
    }

    /** A script whose {@code locals} (a routine's parameters) shadow the scenario's names. */
    public Script(Wdm wdm, Map<String, Object> variables, Map<String, Object> locals) {
        this.wdm = wdm;
        this.machine = wdm.machine();
        this.variables = variables;
        this.locals = locals;
    }

    /** What {@code return expr} produced: ends a block run by {@link #executeBlock}. */
    public record Returned(Object value) {
    }

    /**
     * Runs statements in order, as the body of a routine; returns the value of the first
     * {@code return} executed, or null when the block ends without one.
     */
    public Returned executeBlock(List<String> statements) {
        for (String st : statements) {
            Object r = execute(st.trim());
            if (r instanceof Returned ret) return ret;
        }
        return null;
    }

    /** Names of every DDI the facade offers. */
    public static List<String> ddiNames() {
        return List.copyOf(DDIS.keySet());
    }

    /** The C-style signature of a DDI, e.g. {@code MmProbeAndLockPages(PMDL Mdl, ULONG AccessMode, ULONG Operation)}. */
    public static String signature(String ddi) {
        List<Method> ms = DDIS.get(ddi);
        if (ms == null) return null;
        StringBuilder sb = new StringBuilder();
        for (Method m : ms) {
            if (sb.length() > 0) sb.append(" or ");
            sb.append(m.getName()).append('(');
            Parameter[] ps = m.getParameters();
            for (int i = 0; i < ps.length; i++) {
                if (i > 0) sb.append(", ");
                sb.append(cType(ps[i].getType())).append(' ').append(ps[i].getName());
            }
            sb.append(')');
        }
        return sb.toString();
    }

    public static Map<String, Long> constants() {
        return CONSTANTS;
    }

    private static String cType(Class<?> t) {
        if (t == Mdl.class) return "PMDL";
        if (t == long.class) return "ULONG_PTR";
        if (t == int.class) return "ULONG";
        if (t == boolean.class) return "BOOLEAN";
        if (t == EProcess.class) return "PEPROCESS";
        if (t == Irp.class) return "PIRP";
        if (t == KApcState.class) return "PKAPC_STATE";
        return t.getSimpleName();
    }

    // ------------------------------------------------------------------ entry points

    /** {@code object->Field = value}: the target and the value, split at the first lone '='. */
    private static final java.util.regex.Pattern FIELD_ASSIGNMENT =
            java.util.regex.Pattern.compile("^\\s*([^=\"]+?)->(\\w+(?:\\.\\w+)*)\\s*=(?!=)(.+)$");

    /**
     * Runs {@code [name =] Ddi(args)}, {@code name = expression} or {@code object->Field = expression}
     * (a store into a structure the driver owns, e.g. {@code mdl->MdlFlags = mdl->MdlFlags |
     * MDL_MAPPING_CAN_FAIL}); returns the value (null for VOID).
     */
    public Object execute(String statement) {
        String st = statement.trim();
        if (st.startsWith("if") && st.length() > 2 && (st.charAt(2) == '(' || Character.isWhitespace(st.charAt(2)))) {
            Parser p = new Parser(st);
            p.pos = 2;
            p.expect("(");
            Object cond = p.expression();
            p.expect(")");
            String rest = st.substring(p.pos).trim();
            if (rest.isEmpty()) throw p.error("an if needs a statement after its condition, as in: if (Irp->PendingReturned) IoMarkIrpPending(Irp)");
            return toLong(cond, "the if condition") != 0 ? execute(rest) : null;
        }
        if (st.equals("return") || st.startsWith("return ") || st.startsWith("return(")) {
            String e = st.substring(6).trim();
            return new Returned(e.isEmpty() ? null : evaluate(e));
        }
        java.util.regex.Matcher store = FIELD_ASSIGNMENT.matcher(statement);
        if (store.matches()) {
            Object target = evaluate(store.group(1));
            Object value = evaluate(store.group(3));
            setField(target, store.group(2), value);
            return value;
        }
        Parser p = new Parser(statement);
        String target = null;
        int save = p.pos;
        String first = p.peekIdent();
        if (first != null) {
            p.ident();
            if (p.accept("=") && !p.peekIs("=")) {
                target = first;
            } else {
                p.pos = save;
            }
        }
        if (target != null && (CONSTANTS.containsKey(target) || MACHINE_VALUES.contains(target))) {
            throw new ScriptException("cannot assign to " + target + ": it is a constant or a machine value");
        }
        if (target != null && locals.containsKey(target)) {
            throw new ScriptException("cannot assign to " + target + ": it is a parameter of the routine");
        }
        Object result = p.expression();
        p.end();
        if (target != null) variables.put(target, result);
        return result;
    }

    /** Evaluates an expression against the machine as it is now. */
    public Object evaluate(String expression) {
        Parser p = new Parser(expression);
        Object v = p.expression();
        p.end();
        return v;
    }

    public long evaluateLong(String expression) {
        return toLong(evaluate(expression), expression);
    }

    /** Numeric value of a script value: numbers, and objects by their address. */
    public static long toLong(Object v, String what) {
        if (v == null) return 0;
        if (v instanceof Number n) return n.longValue();
        if (v instanceof Boolean b) return b ? 1 : 0;
        if (v instanceof Mdl m) return m.address;
        if (v instanceof EProcess p) return p.address;
        if (v instanceof Irp i) return i.address;
        if (v instanceof PteView pv) return pv.value();
        if (v instanceof ntspec.io.DeviceObject d) return d.address;
        if (v instanceof ntspec.io.DriverObject d) return d.address;
        if (v instanceof ntspec.io.FileObject f) return f.address;
        if (v instanceof ntspec.io.IoStackLocation sl) return sl.address;
        if (v instanceof ntspec.ke.KThread t) return t.address;
        if (v instanceof ntspec.ke.KEvent e) return e.address;
        throw new ScriptException(what + " is " + describe(v) + ", not a number or an object with an address");
    }

    /** Equality as C would compare the values: identity for objects, else their numeric values. */
    public static boolean same(Object a, Object b) {
        if (a instanceof String || b instanceof String) return String.valueOf(a).equals(String.valueOf(b));
        if (a instanceof List || b instanceof List) return a != null && a.equals(b);
        long x = toLong(a, "left side");
        long y = toLong(b, "right side");
        // 32-bit values compare as C compares a LONG NTSTATUS with 0xC0000005: by their 32 bits.
        if (fits32(x) && fits32(y)) return (int) x == (int) y;
        return x == y;
    }

    private static boolean fits32(long v) {
        return v >= Integer.MIN_VALUE && v <= 0xFFFF_FFFFL;
    }

    public static String describe(Object v) {
        if (v == null) return "NULL";
        if (v instanceof Long l) return String.format("0x%X (%d)", l, l);
        if (v instanceof Integer i) return String.format("0x%X (%d)", i, i);
        if (v instanceof Mdl m) return m + (m.isFreed() ? " (freed)" : "");
        if (v instanceof String s) return '"' + s + '"';
        if (v instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            for (Object o : l) sb.append(sb.length() > 1 ? ", " : "").append(o instanceof Long x ? String.format("0x%X", x) : o);
            return sb.append(']').toString();
        }
        return String.valueOf(v);
    }

    // ------------------------------------------------------------------ names, fields, calls

    private Object lookup(String name) {
        if (locals.containsKey(name)) return locals.get(name);
        if (variables.containsKey(name)) return variables.get(name);
        Long c = CONSTANTS.get(name);
        if (c != null) return c;
        switch (name) {
            case "FreeSystemPtes": return machine.mm.systemPtes.free();
            case "SystemPtesInUse": return machine.mm.systemPtes.inUse();
            case "SystemPtesTotal": return machine.mm.systemPtes.total();
            case "MmSystemLockPagesCount": return machine.mm.systemLockPagesCount();
            case "AvailablePages": return machine.mm.pfnDb.availablePages();
            case "ZeroedPages": return machine.mm.pfnDb.count(Pfn.ZERO_PAGE_LIST);
            case "FreePages": return machine.mm.pfnDb.count(Pfn.FREE_PAGE_LIST);
            case "StandbyPages": return machine.mm.pfnDb.count(Pfn.STANDBY_PAGE_LIST);
            case "ModifiedPages": return machine.mm.pfnDb.count(Pfn.MODIFIED_PAGE_LIST);
            case "PagingFileSlotsInUse": return machine.mm.pagingFile.usedSlots();
            case "PageFaults": return machine.mm.pageFaults();
            case "HardFaults": return machine.mm.hardFaults();
            case "TransitionFaults": return machine.mm.transitionFaults();
            case "DemandZeroFaults": return machine.mm.demandZeroFaults();
            case "CurrentIrql": return (long) machine.kernel.KeGetCurrentIrql();
            case "CurrentProcess": return machine.kernel.currentProcess();
            case "PoolBytesInUse": return machine.mm.pool.bytesInUse();
            default:
        }
        throw new ScriptException("unknown name '" + name + "'. Accepted: a name bound earlier in the scenario ("
                + String.join(", ", new TreeSet<>(variables.keySet())) + "), a wdm.h constant (e.g. MDL_PAGES_LOCKED, UserMode, "
                + "IoWriteAccess, DISPATCH_LEVEL, STATUS_ACCESS_VIOLATION, SYSTEM_PTE_MISUSE), a machine value ("
                + String.join(", ", MACHINE_VALUES) + "), or a number (0x1000, 4096)");
    }

    private static Object field(Object target, String name) {
        if (target instanceof Mdl m) {
            return switch (name) {
                case "Next" -> m.Next;
                case "Size" -> (long) m.Size;
                case "MdlFlags" -> (long) (m.MdlFlags & 0xFFFF);
                case "Process" -> m.Process;
                case "MappedSystemVa" -> m.MappedSystemVa;
                case "StartVa" -> m.StartVa;
                case "ByteCount" -> m.ByteCount;
                case "ByteOffset" -> (long) m.ByteOffset;
                default -> throw new ScriptException("an MDL has no field " + name
                        + "; fields: Next, Size, MdlFlags, Process, MappedSystemVa, StartVa, ByteCount, ByteOffset");
            };
        }
        if (target instanceof EProcess p) {
            return switch (name) {
                case "NumberOfLockedPages" -> p.numberOfLockedPages();
                case "DirectoryTableBase" -> p.directoryTableBase << 12;
                case "UniqueProcessId" -> p.processId;
                default -> throw new ScriptException("a process has no field " + name
                        + "; fields: NumberOfLockedPages, DirectoryTableBase, UniqueProcessId");
            };
        }
        if (target instanceof PteView pv) return pv.field(name);
        if (target instanceof ntspec.mm.Pool.Allocation a) {
            return switch (name) {
                case "Size" -> a.size;
                case "Tag" -> (long) a.tag & 0xFFFFFFFFL;
                case "PoolType" -> (long) a.poolType;
                case "Freed" -> a.isFreed() ? 1L : 0L;
                default -> throw new ScriptException("a pool allocation has no field " + name + "; fields: Size, Tag, PoolType, Freed");
            };
        }
        if (target instanceof PfnView fv) return fv.field(name);
        if (target != null && isStructure(target)) return structureField(target, name);
        throw new ScriptException("cannot take ->" + name + " of " + describe(target));
    }

    /** The I/O manager's structures (IRP, IO_STACK_LOCATION, DEVICE_OBJECT...): fields by their wdm.h names. */
    private static boolean isStructure(Object o) {
        String pkg = o.getClass().getPackageName();
        return pkg.equals("ntspec.io") || o instanceof ntspec.ke.KEvent || o instanceof ntspec.ke.KThread;
    }

    private static java.lang.reflect.Field publicField(Object target, String name) {
        try {
            java.lang.reflect.Field f = target.getClass().getField(name);
            if (!Modifier.isStatic(f.getModifiers())) return f;
        } catch (NoSuchFieldException e) {
            // fall through to the error naming the fields
        }
        List<String> names = new ArrayList<>();
        for (java.lang.reflect.Field f : target.getClass().getFields()) if (!Modifier.isStatic(f.getModifiers())) names.add(f.getName());
        throw new ScriptException(target.getClass().getSimpleName() + " has no field " + name + "; fields: " + String.join(", ", names));
    }

    private static Object structureField(Object target, String name) {
        if (target instanceof ntspec.io.Irp irp && name.equals("CurrentStackLocation")) {
            return irp.location(irp.CurrentLocation);
        }
        if (target instanceof ntspec.ke.KEvent e && name.equals("Signaled")) return e.isSignaled() ? 1L : 0L;
        if (target instanceof ntspec.io.IoManager.Request rq) {
            switch (name) {
                case "ReturnValue": {
                    Integer v = rq.returnValue();
                    if (v == null) throw new ScriptException("the request has not returned: the caller still waits for its pending IRP (r->Waiting is 1)");
                    return (long) (int) v;
                }
                case "Waiting":
                    return rq.isWaiting() ? 1L : 0L;
                case "IoStatus": {
                    ntspec.io.IoManager.IoStatusBlockView v = rq.IoStatus();
                    if (v == null) throw new ScriptException("the caller's IO_STATUS_BLOCK is not resident");
                    return v;
                }
                case "Irp":
                    return rq.irp;
                default:
                    throw new ScriptException("a request has no field " + name + "; fields: ReturnValue, Waiting, IoStatus (.Status, .Information), Irp");
            }
        }
        java.lang.reflect.Field f = publicField(target, name);
        try {
            Object v = f.get(target);
            if (v instanceof Integer i) return f.getName().endsWith("Status") ? (long) i : i & 0xFFFFFFFFL;
            if (v instanceof Short sh) return (long) (sh & 0xFFFF);
            if (v instanceof Boolean b) return b ? 1L : 0L;
            return v;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void setStructureField(Object target, String name, Object value) {
        java.lang.reflect.Field f = publicField(target, name);
        if (Modifier.isFinal(f.getModifiers())) {
            throw new ScriptException(target.getClass().getSimpleName() + "." + name + " cannot be stored into");
        }
        Class<?> t = f.getType();
        try {
            if (t == int.class) f.setInt(target, (int) toLong(value, "the value stored into " + name));
            else if (t == long.class) f.setLong(target, toLong(value, "the value stored into " + name));
            else if (t == boolean.class) f.setBoolean(target, toLong(value, "the value stored into " + name) != 0);
            else if (value == null || (value instanceof Long l && l == 0)) f.set(target, null);
            else if (t.isInstance(value)) f.set(target, value);
            else throw new ScriptException(name + " holds a " + t.getSimpleName() + ", not " + describe(value));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void setField(Object target, String name, Object value) {
        if (target instanceof Mdl m) {
            long v = toLong(value, "the value stored into ->" + name);
            switch (name) {
                case "MdlFlags" -> m.MdlFlags = (short) v;
                case "ByteCount" -> m.ByteCount = v & 0xFFFFFFFFL;
                case "MappedSystemVa" -> m.MappedSystemVa = v;
                default -> throw new ScriptException("a driver may store into an MDL's MdlFlags, ByteCount or MappedSystemVa, not " + name);
            }
            return;
        }
        if (target != null && isStructure(target)) {
            int dot = name.lastIndexOf('.');
            Object owner = target;
            if (dot > 0) {
                for (String part : name.substring(0, dot).split("\\.")) owner = structureField(owner, part);
            }
            setStructureField(owner, name.substring(dot + 1), value);
            return;
        }
        throw new ScriptException("cannot store into ->" + name + " of " + describe(target)
                + "; stores are accepted into MDL fields (MdlFlags, ByteCount, MappedSystemVa) and into IRP, stack-location and device fields");
    }

    private Object call(String name, List<Object> args) {
        switch (name) {
            case "pte": {
                expectArgs(name, args, 1, "pte(VirtualAddress): the PTE mapping it in the current address space");
                return new PteView(machine.mm.readPte(toLong(args.get(0), "pte's argument")));
            }
            case "pfn": {
                expectArgs(name, args, 1, "pfn(PageFrameNumber): the PFN database entry");
                long n = toLong(args.get(0), "pfn's argument");
                return new PfnView(n, machine.mm.pfnDb.get(n));
            }
            case "db": {
                // The debugger's db: reads physical memory through the current page tables, without
                // faulting and without touching A/D bits; an invalid PTE is an error, as in WinDbg.
                expectArgs(name, args, 1, "db(VirtualAddress): the byte there, read as the debugger reads it");
                long va = toLong(args.get(0), "db's argument");
                long pte = machine.mm.readPte(va);
                if (!Pte.isValid(pte)) throw new ScriptException(String.format("db(0x%X): the address is not valid (PTE 0x%X)", va, pte));
                return (long) machine.memory.readByte((Pte.pfn(pte) << 12) | (va & 0xFFF));
            }
            case "pool": {
                expectArgs(name, args, 1, "pool(Address): the pool allocation that starts there (->Size, ->Tag, ->PoolType, ->Freed)");
                long va = toLong(args.get(0), "pool's argument");
                ntspec.mm.Pool.Allocation a = machine.mm.pool.find(va);
                if (a == null) throw new ScriptException(String.format("pool(0x%X): no pool allocation starts there", va));
                return a;
            }
            case "device": {
                expectArgs(name, args, 1, "device(\"\\\\Device\\\\Name\"): the top of that device's stack, as IoGetDeviceObjectPointer returns it");
                Object n = args.get(0);
                ntspec.io.DeviceObject d = n instanceof String str ? machine.iomgr.device(str) : null;
                if (d == null) throw new ScriptException("no device named " + describe(n) + "; devices: " + machine.iomgr.devices().keySet());
                return machine.iomgr.IoGetAttachedDevice(d);
            }
            case "NT_SUCCESS": {
                expectArgs(name, args, 1, "NT_SUCCESS(Status)");
                return NtStatus.NT_SUCCESS((int) toLong(args.get(0), "NT_SUCCESS's argument")) ? 1L : 0L;
            }
            case "NT_ERROR": {
                expectArgs(name, args, 1, "NT_ERROR(Status)");
                return NtStatus.NT_ERROR((int) toLong(args.get(0), "NT_ERROR's argument")) ? 1L : 0L;
            }
            case "CTL_CODE": {
                expectArgs(name, args, 4, "CTL_CODE(DeviceType, Function, Method, Access)");
                return (toLong(args.get(0), "DeviceType") << 16) | (toLong(args.get(3), "Access") << 14)
                        | (toLong(args.get(1), "Function") << 2) | toLong(args.get(2), "Method");
            }
            default:
        }
        List<Method> candidates = DDIS.get(name);
        if (candidates == null) {
            throw new ScriptException("unknown DDI '" + name + "'. Accepted DDIs: " + String.join(", ", DDIS.keySet())
                    + "; debugger views: pte(va), pfn(n), db(va); macros: CTL_CODE(...)");
        }
        ScriptException mismatch = null;
        for (Method m : candidates) {
            if (m.getParameterCount() != args.size()) continue;
            Object[] converted = new Object[args.size()];
            Parameter[] ps = m.getParameters();
            try {
                for (int i = 0; i < ps.length; i++) converted[i] = convert(args.get(i), ps[i], name);
            } catch (ScriptException e) {
                mismatch = e;
                continue;
            }
            try {
                Object r = m.invoke(wdm, converted);
                if (r instanceof Integer i) return (long) i;
                return r;
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                throw new IllegalStateException(e.getCause());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        if (mismatch != null) throw mismatch;
        throw new ScriptException(name + " takes " + candidates.get(0).getParameterCount() + " arguments, not " + args.size()
                + ": " + signature(name));
    }

    private static void expectArgs(String name, List<Object> args, int n, String form) {
        if (args.size() != n) throw new ScriptException(name + " takes " + n + " argument(s): " + form);
    }

    private Object convert(Object v, Parameter p, String ddi) {
        Class<?> t = p.getType();
        String what = ddi + "'s " + p.getName();
        // A string literal passed as an address is the address of the driver's copy of it (its .rdata).
        if (t == long.class && v instanceof String str) return wdm.literal(str);
        if (t == long.class) return toLong(v, what);
        if (t == int.class) return (int) toLong(v, what);
        if (t == boolean.class) return toLong(v, what) != 0;
        if (t == String.class && v instanceof String) return v;
        if (v == null || (v instanceof Long l && l == 0)) {
            if (!t.isPrimitive()) return null;
        }
        if (t.isInstance(v)) return v;
        throw new ScriptException(what + " must be a " + cType(t) + ", but " + describe(v) + " was given: " + signature(ddi));
    }

    // ------------------------------------------------------------------ parser

    private final class Parser {
        private final String src;
        private int pos;

        Parser(String src) {
            this.src = src;
        }

        private void skip() {
            while (pos < src.length() && Character.isWhitespace(src.charAt(pos))) pos++;
        }

        boolean peekIs(String s) {
            skip();
            return src.startsWith(s, pos);
        }

        boolean accept(String s) {
            skip();
            if (src.startsWith(s, pos)) {
                pos += s.length();
                return true;
            }
            return false;
        }

        void expect(String s) {
            if (!accept(s)) throw error("expected '" + s + "'");
        }

        void end() {
            skip();
            if (pos < src.length()) throw error("unexpected text");
        }

        ScriptException error(String what) {
            return new ScriptException(what + " at column " + (pos + 1) + " of \"" + src + "\". Accepted forms: "
                    + "[name =] Ddi(arg, ...); arguments and expressions use names, wdm.h constants, numbers "
                    + "(0x1000, 4096), \"strings\", x->Field, x[i], + - | & ~ and parentheses");
        }

        String peekIdent() {
            skip();
            int p = pos;
            if (p < src.length() && (Character.isLetter(src.charAt(p)) || src.charAt(p) == '_')) {
                int e = p;
                while (e < src.length() && (Character.isLetterOrDigit(src.charAt(e)) || src.charAt(e) == '_')) e++;
                return src.substring(p, e);
            }
            return null;
        }

        String ident() {
            String id = peekIdent();
            if (id == null) throw error("expected a name");
            pos += id.length();
            return id;
        }

        Object expression() {
            Object v = bitwise();
            while (true) {
                if (accept("==")) v = same(v, bitwise()) ? 1L : 0L;
                else if (accept("!=")) v = same(v, bitwise()) ? 0L : 1L;
                else return v;
            }
        }

        Object bitwise() {
            Object v = additive();
            while (true) {
                if (accept("|")) v = toLong(v, "left of |") | toLong(additive(), "right of |");
                else if (accept("&")) v = toLong(v, "left of &") & toLong(additive(), "right of &");
                else return v;
            }
        }

        Object additive() {
            Object v = unary();
            while (true) {
                if (peekIs("->")) return v;
                if (accept("+")) v = toLong(v, "left of +") + toLong(unary(), "right of +");
                else if (accept("-")) v = toLong(v, "left of -") - toLong(unary(), "right of -");
                else return v;
            }
        }

        Object unary() {
            if (accept("~")) return ~toLong(unary(), "operand of ~");
            if (!peekIs("!=") && accept("!")) return toLong(unary(), "operand of !") == 0 ? 1L : 0L;
            if (!peekIs("->") && accept("-")) return -toLong(unary(), "operand of -");
            return postfix();
        }

        Object postfix() {
            Object v = primary();
            while (true) {
                if (accept("->")) {
                    v = field(v, ident());
                } else if (v != null && isStructure(v) && accept(".")) {
                    v = structureField(v, ident());
                } else if (accept("[")) {
                    long index = toLong(expression(), "index");
                    expect("]");
                    if (!(v instanceof List<?> l)) throw error("only an array (MmGetMdlPfnArray) can be indexed");
                    if (index < 0 || index >= l.size()) {
                        throw new ScriptException("index " + index + " is outside the array of " + l.size() + " elements");
                    }
                    v = l.get((int) index);
                } else {
                    return v;
                }
            }
        }

        Object primary() {
            skip();
            if (pos >= src.length()) throw error("expected a value");
            char c = src.charAt(pos);
            if (accept("(")) {
                Object v = expression();
                expect(")");
                return v;
            }
            if (c == '"') {
                int end = src.indexOf('"', pos + 1);
                if (end < 0) throw error("unterminated string");
                String s = src.substring(pos + 1, end);
                pos = end + 1;
                return s;
            }
            if (Character.isDigit(c)) return number();
            String id = ident();
            if (accept("(")) {
                List<Object> args = new ArrayList<>();
                if (!accept(")")) {
                    do {
                        args.add(expression());
                    } while (accept(","));
                    expect(")");
                }
                return call(id, args);
            }
            return lookup(id);
        }

        Long number() {
            int start = pos;
            try {
                if (src.startsWith("0x", pos) || src.startsWith("0X", pos)) {
                    pos += 2;
                    int s = pos;
                    while (pos < src.length() && (Character.digit(src.charAt(pos), 16) >= 0 || src.charAt(pos) == '`')) pos++;
                    String digits = src.substring(s, pos).replace("`", "");
                    if (digits.isEmpty()) throw error("bad hex number");
                    return Long.parseUnsignedLong(digits, 16);
                }
                while (pos < src.length() && Character.isDigit(src.charAt(pos))) pos++;
                if (pos < src.length() && (Character.isLetter(src.charAt(pos)))) {
                    throw error("bad number '" + src.substring(start, Math.min(src.length(), pos + 1)) + "'");
                }
                return Long.parseLong(src.substring(start, pos));
            } catch (NumberFormatException e) {
                pos = start;
                throw error("bad number");
            }
        }
    }

    /** Names of the machine values an expression can read. */
    public static List<String> machineValues() {
        return MACHINE_VALUES;
    }

    /** The variables, in the order they were bound (for dumps). */
    public Map<String, Object> variables() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(variables));
    }
}
