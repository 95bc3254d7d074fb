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
import ntspec.debug.Symbols;
import ntspec.hw.Pte;
import ntspec.io.DeviceObject;
import ntspec.io.DriverObject;
import ntspec.io.FileObject;
import ntspec.io.Handle;
import ntspec.io.IoFunc;
import ntspec.io.IoStackLocation;
import ntspec.io.IoStatusBlock;
import ntspec.io.Irp;
import ntspec.ke.BugCheckCode;
import ntspec.ke.KApcState;
import ntspec.ke.KEvent;
import ntspec.ke.KThread;
import ntspec.ke.NtStatus;
import ntspec.mm.EProcess;
import ntspec.mm.Mdl;
import ntspec.mm.Pfn;
import ntspec.mm.PfnDatabase;
import ntspec.nt.KernelObject;
import ntspec.nt.StructType;

/**
 * A small C-like language for driving the facade from text (Gherkin steps, scenario-defined
 * drivers): statements {@code [name =] Ddi(arg, ...)} and expressions over named values, wdm.h
 * constants, numbers, {@code ->} field access, {@code [i]}, {@code + - | & ~} and the debugger's
 * view of the machine ({@code pte(va)}, {@code pfn(n)}, {@code FreeSystemPtes}, ...). Every value is
 * read from the machine when the expression is evaluated. Errors name the accepted forms.
 */
public final class Script {
    /** A malformed statement or expression, or an unknown name: the message says what is accepted. */
    /** A mistake in a scenario's script: the message says what is accepted; the parser's own frames are of no use to its author. */
    public static final class ScriptException extends RuntimeException {
        public ScriptException(String message) {
            super(message, null, false, false);
        }
    }

    /** A typed pointer, as a cast makes it: {@code (PULONG)p} is p read and written 4 bytes at a time. */
    public record TypedPointer(long address, int size, String type) {
    }

    /** The pointer types a cast names, with the size of what they point at. */
    private static final Map<String, Integer> POINTER_TYPES = Map.ofEntries(
            Map.entry("PUCHAR", 1), Map.entry("PCHAR", 1), Map.entry("PBOOLEAN", 1), Map.entry("PUSHORT", 2), Map.entry("PSHORT", 2),
            Map.entry("PWCHAR", 2), Map.entry("PULONG", 4), Map.entry("PLONG", 4), Map.entry("PULONG_PTR", 8), Map.entry("PLONG_PTR", 8),
            Map.entry("PULONG64", 8), Map.entry("PULONGLONG", 8), Map.entry("PSIZE_T", 8), Map.entry("PPFN_NUMBER", 8),
            Map.entry("PVOID*", 8), Map.entry("PLARGE_INTEGER", 8), Map.entry("PLONGLONG", 8), Map.entry("PLONG64", 8));

    /** The error of one statement of a table, named by its row: "row 3, | x = Foo() |: ...". */
    public static ScriptException inRow(int row, String statement, ScriptException e) {
        if (e.getMessage() != null && e.getMessage().startsWith("row")) return e;
        return new ScriptException("row " + row + ", | " + statement + " |: " + e.getMessage());
    }

    /** The error of a statement that spans rows first..last of a table. */
    public static ScriptException inRows(Statement st, ScriptException e) {
        if (st.firstRow() == st.lastRow()) return inRow(st.firstRow(), st.text(), e);
        if (e.getMessage() != null && e.getMessage().startsWith("row")) return e;
        return new ScriptException("rows " + st.firstRow() + "-" + st.lastRow() + ", | " + st.text() + " |: " + e.getMessage());
    }

    /** One statement of a table and the rows (1-based) it was written on. */
    public record Statement(String text, int firstRow, int lastRow) {
    }

    /**
     * The statements of a table whose rows may hold a block over several rows, as C is written:
     * <pre>
     * | if (status == STATUS_SUCCESS) {     |
     * |     MmUnlockPages(mdl);             |
     * | } else {                            |
     * |     IoFreeMdl(mdl);                 |
     * | }                                   |
     * </pre>
     * Rows are joined while a '{' is open (outside quotes and character constants), and a row that
     * starts with {@code else} or {@code __except} joins the statement before it.
     * A table whose blocks do not close is refused with the row that opened the block.
     */
    public static List<Statement> statements(List<String> rows) {
        List<Statement> out = new ArrayList<>();
        StringBuilder text = null;
        int depth = 0;
        int first = 0;
        for (int i = 0; i < rows.size(); i++) {
            String row = rows.get(i).trim();
            boolean continues = !out.isEmpty() && text == null && CONTINUATION.matcher(row).lookingAt();
            if (continues) {
                Statement prev = out.remove(out.size() - 1);
                text = new StringBuilder(prev.text());
                first = prev.firstRow();
                text.append(' ').append(row);
            } else if (text == null) {
                text = new StringBuilder(row);
                first = i + 1;
            } else {
                String sofar = text.toString();
                boolean glue = sofar.endsWith("{") || sofar.endsWith(";") || row.startsWith("}") || CONTINUATION.matcher(row).lookingAt();
                text.append(glue ? " " : "; ").append(row);
            }
            depth += braceBalance(row);
            if (depth < 0) {
                throw new ScriptException("row " + (i + 1) + ", | " + row + " |: a '}' closes no block; a block opens with '{' at the end of a row"
                        + " (if (c) {, for (...) {, __try {, } else {) and closes with '}' on a later row");
            }
            if (depth == 0) {
                out.add(new Statement(text.toString(), first, i + 1));
                text = null;
            }
        }
        if (text != null) {
            throw new ScriptException("row " + first + ", | " + rows.get(first - 1).trim() + " |: this block never closes: "
                    + depth + " '}' missing by the last row (" + rows.size() + ")");
        }
        return out;
    }

    private static final java.util.regex.Pattern CONTINUATION = java.util.regex.Pattern.compile("(else\\b|__except\\b)");

    /** '{' minus '}' in a row, outside string literals and character constants. */
    private static int braceBalance(String row) {
        int balance = 0;
        char quote = 0;
        for (int i = 0; i < row.length(); i++) {
            char c = row.charAt(i);
            if (quote != 0) {
                if (c == '\\') i++;
                else if (c == quote) quote = 0;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '{') {
                balance++;
            } else if (c == '}') {
                balance--;
            }
        }
        return balance;
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
    public record PfnView(long pfn, PfnDatabase db) {
        Object field(String name) {
            boolean e = db.exists(pfn);
            return switch (name) {
                case "ReferenceCount" -> (long) db.referenceCount(pfn);
                case "ShareCount" -> (long) db.shareCount(pfn);
                case "PageLocation" -> (long) db.location(pfn);
                case "LockCount" -> (long) db.lockCount(pfn);
                case "PteAddress" -> e ? db.pteAddress(pfn) : 0L;
                case "PteFrame" -> db.pteFrame(pfn);
                case "CacheAttribute" -> (long) db.cacheAttribute(pfn);
                case "Modified" -> db.isModified(pfn) ? 1L : 0L;
                case "StartOfAllocation" -> db.isStartOfAllocation(pfn) ? 1L : 0L;
                case "EndOfAllocation" -> db.isEndOfAllocation(pfn) ? 1L : 0L;
                default -> throw new ScriptException("a PFN entry has no field " + name
                        + "; fields: ReferenceCount, ShareCount, LockCount, PageLocation, PteAddress, PteFrame, CacheAttribute, Modified, "
                        + "StartOfAllocation, EndOfAllocation");
            };
        }

        @Override
        public String toString() {
            return !db.exists(pfn) ? String.format("PFN %X (never used)", pfn)
                    : String.format("PFN %X ref %d share %d %s", pfn, db.referenceCount(pfn), db.shareCount(pfn),
                    Pfn.locationName(db.location(pfn)));
        }
    }

    /** A structure of a known type at an address, for which no Java view exists (an embedded member, a wild pointer). */
    public record TypedRef(StructType type, long address) implements KernelObject {
        @Override
        public String toString() {
            return String.format("%s at 0x%X", type.name(), address);
        }
    }

    /** An array member (DriverObject->MajorFunction): indexing reads element i from memory. */
    public record ArrayRef(StructType.Field field, long address) {
        @Override
        public String toString() {
            return String.format("%s[%d] at 0x%X", field.name(), field.count(), address);
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
        ntspec.ke.Win32Error.byName().forEach((n, v) -> c.putIfAbsent(n, (long) v));
        for (Field f : ntspec.io.Win32.class.getFields()) {
            try {
                if (f.getType() == long.class) c.putIfAbsent(f.getName(), f.getLong(null));
            } catch (IllegalAccessException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
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
            "CurrentProcess", "PoolBytesInUse", "IopCancelSpinLock", "IopCsqCancelRoutine", "InterruptTime", "ErrorLogEntries");

    private final Wdm wdm;
    private final Machine machine;
    private final Map<String, Object> variables;
    /** A routine's parameters (Irp, DeviceObject, IrpSp, Context...): looked up first, never assigned. */
    private final Map<String, Object> locals;
    /**
     * Reads memory as the debugger does (Then steps): no faults, no A/D bits, an invalid address is
     * an error of the step. Otherwise (driver code) every read and store is the driver's own kernel-mode access.
     */
    private final boolean debugger;

    public Script(Wdm wdm, Map<String, Object> variables) {
        this(wdm, variables, Map.of(), false);
    }

    /** A script whose {@code locals} (a routine's parameters) shadow the scenario's names. */
    public Script(Wdm wdm, Map<String, Object> variables, Map<String, Object> locals) {
        this(wdm, variables, locals, false);
    }

    private Script(Wdm wdm, Map<String, Object> variables, Map<String, Object> locals, boolean debugger) {
        this.wdm = wdm;
        this.machine = wdm.machine();
        this.variables = variables;
        this.locals = locals;
        this.debugger = debugger;
    }

    /** The same names, read as the kernel debugger reads the machine (for Then steps). */
    public static Script debugger(Wdm wdm, Map<String, Object> variables) {
        return new Script(wdm, variables, Map.of(), true);
    }

    /** A read of memory by this script: the debugger's or the driver's. */
    private long readMemory(long va, int size) {
        if (!debugger) return machine.mm.read(va, size);
        Long v = machine.mm.peek(va, size);
        if (v == null) {
            throw new ScriptException(String.format("memory at 0x%X is not valid: the debugger cannot read it (no valid PTE maps it)", va));
        }
        return v;
    }

    /** What {@code return expr} produced: ends a block run by {@link #executeBlock}. */
    public record Returned(Object value) {
    }

    /**
     * Runs statements in order, as the body of a routine; returns the value of the first
     * {@code return} executed, or null when the block ends without one.
     */
    public Returned executeBlock(List<String> rows) {
        for (Statement st : statements(rows)) {
            Object r;
            try {
                r = execute(st.text());
            } catch (ScriptException e) {
                throw inRows(st, e);
            }
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
        if (t == DeviceObject.class) return "PDEVICE_OBJECT";
        if (t == DriverObject.class) return "PDRIVER_OBJECT";
        if (t == KEvent.class) return "PKEVENT";
        if (t == ntspec.io.IoCompletionRoutine.class) return "PIO_COMPLETION_ROUTINE";
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
    /** The code the innermost running __except block caught, or null outside one. */
    private Integer exceptionCode;

    /** The text of the {...} block starting at src[open], and where it ends (the index after '}'). */
    private static int blockEnd(String src, int open) {
        int depth = 0;
        boolean quoted = false;
        for (int i = open; i < src.length(); i++) {
            char c = src.charAt(i);
            if (c == '"') quoted = !quoted;
            if (quoted) continue;
            if (c == '{') depth++;
            else if (c == '}' && --depth == 0) return i + 1;
        }
        throw new ScriptException("a block has no closing }: " + src);
    }

    /** The statements of a block "{ a; b }", split at the semicolons outside parentheses and quotes. */
    private static List<String> blockStatements(String block) {
        List<String> out = new ArrayList<>();
        String inner = block.substring(1, block.length() - 1);
        int depth = 0;
        boolean quoted = false;
        int from = 0;
        for (int i = 0; i < inner.length(); i++) {
            char c = inner.charAt(i);
            if (c == '"') quoted = !quoted;
            if (quoted) continue;
            if (c == '(' || c == '{') depth++;
            else if (c == ')' || c == '}') depth--;
            else if (c == ';' && depth == 0) {
                if (!inner.substring(from, i).isBlank()) out.add(inner.substring(from, i).trim());
                from = i + 1;
            }
        }
        if (!inner.substring(from).isBlank()) out.add(inner.substring(from).trim());
        return out;
    }

    /**
     * {@code __try { a; b } __except (EXCEPTION_EXECUTE_HANDLER) { c }} in one row: the statements of
     * the __try block run inside the driver's own structured exception handler; a raised status runs
     * the __except block, where GetExceptionCode() is that status. A return inside either block
     * returns from the routine.
     */
    private Object tryExcept(String st) {
        int open = st.indexOf('{');
        if (open < 0) throw new ScriptException("__try needs a block: __try { statements } __except (EXCEPTION_EXECUTE_HANDLER) { statements }");
        int end = blockEnd(st, open);
        List<String> body = blockStatements(st.substring(open, end));
        String rest = st.substring(end).trim();
        if (!rest.startsWith("__except")) throw new ScriptException("a __try block is followed by __except (EXCEPTION_EXECUTE_HANDLER) { ... }");
        int hOpen = rest.indexOf('{');
        if (hOpen < 0) throw new ScriptException("__except needs a block: __except (EXCEPTION_EXECUTE_HANDLER) { statements }");
        String filter = rest.substring("__except".length(), hOpen).trim();
        if (!filter.isEmpty() && !filter.equals("(EXCEPTION_EXECUTE_HANDLER)") && !filter.equals("(1)")) {
            throw new ScriptException("the only __except filter taken is (EXCEPTION_EXECUTE_HANDLER): " + filter);
        }
        int hEnd = blockEnd(rest, hOpen);
        if (!rest.substring(hEnd).isBlank()) throw new ScriptException("nothing may follow the __except block: " + rest.substring(hEnd));
        List<String> handler = blockStatements(rest.substring(hOpen, hEnd));
        Object[] result = {null};
        wdm.__try(() -> {
            for (String b : body) {
                Object r = execute(b);
                if (r instanceof Returned) {
                    result[0] = r;
                    return;
                }
            }
        }, code -> {
            Integer saved = exceptionCode;
            exceptionCode = code;
            try {
                for (String h : handler) {
                    Object r = execute(h);
                    if (r instanceof Returned) {
                        result[0] = r;
                        return;
                    }
                }
            } finally {
                exceptionCode = saved;
            }
        });
        return result[0];
    }

    /** Most iterations a loop row may make: a loop that runs away is a mistake in the scenario. */
    static final int LOOP_BOUND = 1_000_000;

    /** Runs a statement or a { a; b } block; a Returned ends it. */
    private Object runBody(String body) {
        String b = body.trim();
        if (!b.startsWith("{")) return execute(b);
        int end = blockEnd(b, 0);
        if (!b.substring(end).isBlank()) throw new ScriptException("unexpected text after a block: " + b.substring(end));
        for (String st : blockStatements(b.substring(0, end))) {
            Object r = execute(st);
            if (r instanceof Returned) return r;
        }
        return null;
    }

    /** Splits "X else Y" at the else that belongs to this if (outside blocks, parentheses and quotes); {X, Y or null}. */
    private static String[] splitElse(String rest) {
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (c == '"') quoted = !quoted;
            if (quoted) continue;
            if (c == '(' || c == '{') depth++;
            else if (c == ')' || c == '}') depth--;
            else if (depth == 0 && rest.startsWith("else", i) && i > 0 && (Character.isWhitespace(rest.charAt(i - 1)) || rest.charAt(i - 1) == '}')
                    && (i + 4 == rest.length() || !Character.isLetterOrDigit(rest.charAt(i + 4)))) {
                return new String[] {rest.substring(0, i).trim(), rest.substring(i + 4).trim()};
            }
        }
        return new String[] {rest.trim(), null};
    }

    /** The (...) after a keyword at src[from]: {its inside, the index after ')'}. */
    private static String[] parenthesized(String st, int from) {
        int open = st.indexOf('(', from);
        if (open < 0) throw new ScriptException("expected ( after " + st.substring(0, from).trim());
        int depth = 0;
        for (int i = open; i < st.length(); i++) {
            if (st.charAt(i) == '(') depth++;
            else if (st.charAt(i) == ')' && --depth == 0) return new String[] {st.substring(open + 1, i), String.valueOf(i + 1)};
        }
        throw new ScriptException("unbalanced parentheses: " + st);
    }

    private static boolean keyword(String st, String word) {
        return st.startsWith(word) && st.length() > word.length()
                && (st.charAt(word.length()) == '(' || Character.isWhitespace(st.charAt(word.length())));
    }

    /** {@code x += e} and the other compound assignments of C; the target may be a name, a field or *(PTYPE)p. */
    private static final java.util.regex.Pattern COMPOUND = java.util.regex.Pattern.compile("^([^=]+?)\\s*(<<|>>|\\+|-|\\*|/|%|&|\\||\\^)=(?!=)(.+)$");
    private static final java.util.regex.Pattern INCREMENT = java.util.regex.Pattern.compile("^(?:([^=]+?)\\s*(\\+\\+|--)|(\\+\\+|--)\\s*([^=]+?))$");

    /** C's {@code x++}, {@code --x} and {@code x op= e} as the plain assignment they stand for, or the statement unchanged. */
    static String desugar(String st) {
        if (st.startsWith("{") || keyword(st, "if") || keyword(st, "for") || keyword(st, "while") || keyword(st, "return")
                || st.startsWith("__try")) {
            return st;
        }
        java.util.regex.Matcher m = INCREMENT.matcher(st);
        if (m.matches()) {
            String target = (m.group(1) != null ? m.group(1) : m.group(4)).trim();
            String op = m.group(2) != null ? m.group(2) : m.group(3);
            return target + " = " + target + (op.equals("++") ? " + 1" : " - 1");
        }
        m = COMPOUND.matcher(st);
        if (m.matches() && !m.group(1).trim().isEmpty()) {
            String target = m.group(1).trim();
            return target + " = " + target + " " + m.group(2) + " (" + m.group(3).trim() + ")";
        }
        return st;
    }

    public Object execute(String statement) {
        String st = desugar(statement.trim());
        statement = st;
        if (st.startsWith("__try")) return tryExcept(st);
        if (keyword(st, "if")) {
            Parser p = new Parser(st);
            p.pos = 2;
            p.expect("(");
            Object cond = p.expression();
            p.expect(")");
            String rest = st.substring(p.pos).trim();
            if (rest.isEmpty()) throw p.error("an if needs a statement after its condition, as in: if (Irp->PendingReturned) IoMarkIrpPending(Irp)");
            String[] branches = splitElse(rest);
            if (toLong(cond, "the if condition") != 0) return runBody(branches[0]);
            return branches[1] == null ? null : runBody(branches[1]);
        }
        if (keyword(st, "while")) {
            String[] c = parenthesized(st, 5);
            String body = st.substring(Integer.parseInt(c[1])).trim();
            for (int n = 0; ; n++) {
                if (n == LOOP_BOUND) throw new ScriptException("a loop ran " + LOOP_BOUND + " times: give it a bound (while (i < 100) ...)");
                if (toLong(evaluate(c[0]), "the while condition") == 0) return null;
                Object r = runBody(body);
                if (r instanceof Returned) return r;
            }
        }
        if (keyword(st, "for")) {
            String[] c = parenthesized(st, 3);
            String[] parts = c[0].split(";", -1);
            if (parts.length != 3) throw new ScriptException("a for is for (init; condition; step) { statements }");
            String body = st.substring(Integer.parseInt(c[1])).trim();
            if (!parts[0].isBlank()) execute(parts[0]);
            for (int n = 0; ; n++) {
                if (n == LOOP_BOUND) throw new ScriptException("a loop ran " + LOOP_BOUND + " times: give it a bound (for (i = 0; i < 100; i = i + 1) ...)");
                if (!parts[1].isBlank() && toLong(evaluate(parts[1]), "the for condition") == 0) return null;
                Object r = runBody(body);
                if (r instanceof Returned) return r;
                if (!parts[2].isBlank()) execute(parts[2]);
            }
        }
        if (st.equals("return") || st.startsWith("return ") || st.startsWith("return(")) {
            String e = st.substring(6).trim();
            return new Returned(e.isEmpty() ? null : evaluate(e));
        }
        if (st.startsWith("*")) {
            // *(PUCHAR)(p + 3) = 0x44: a store through a typed pointer, as the driver's code makes it.
            Parser p = new Parser(st);
            p.expect("*");
            Object target = p.unary();
            if (!(target instanceof TypedPointer tp) || !p.accept("=") || p.peekIs("=")) {
                throw p.error("a store through a pointer is *(PTYPE)address = value, as in *(PUCHAR)(p + 3) = 0x44");
            }
            long value = toLong(p.expression(), "the value stored");
            p.end();
            if (debugger) throw new ScriptException("a Then step only reads the machine; store in a When step");
            machine.mm.write(tp.address(), tp.size(), value);
            return value;
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
        if (v instanceof KernelObject k) return k.address();
        if (v instanceof PteView pv) return pv.value();
        if (v instanceof PfnArray a) return a.address();
        if (v instanceof ArrayRef a) return a.address();
        if (v instanceof TypedPointer tp) return tp.address();
        if (v instanceof Handle h) return h.value();
        if (v instanceof IoFunc.Request r) return r.handle.value();
        if (v instanceof ntspec.io.Win32.Call c) return c.returnValue();
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
        if (v instanceof KernelObject k) return k + " (address 0x" + Long.toHexString(k.address()).toUpperCase() + ")";
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
            case "IopCancelSpinLock": return machine.io.cancel.cancelSpinLock();
            case "IopCsqCancelRoutine": return machine.io.csq.cancelRoutineAddress();
            case "InterruptTime": return machine.kernel.KeQueryInterruptTime();
            case "ErrorLogEntries": return (long) machine.io.cancel.errorLog().size();
            default:
        }
        java.util.List<String> known = new java.util.ArrayList<>(variables.keySet());
        known.addAll(CONSTANTS.keySet());
        known.addAll(MACHINE_VALUES);
        String hint = nearest(name, known);
        throw new ScriptException("unknown name '" + name + "'" + (hint.isEmpty() ? "" : " (" + hint.substring(2) + ")") + ". Accepted: a name bound earlier in the scenario ("
                + String.join(", ", new TreeSet<>(variables.keySet())) + "), a wdm.h constant (e.g. MDL_PAGES_LOCKED, UserMode, "
                + "IoWriteAccess, DISPATCH_LEVEL, STATUS_ACCESS_VIOLATION, SYSTEM_PTE_MISUSE), a machine value ("
                + String.join(", ", MACHINE_VALUES) + "), or a number (0x1000, 4096)");
    }

    /** {@code target->name}: a member decoded from memory by the target's symbol layout, or a view's field. */
    private Object field(Object target, String name) {
        if (target instanceof KernelObject k) return member(k.type(), k.address(), name);
        if (target instanceof PteView pv) return pv.field(name);
        if (target instanceof PfnView fv) return fv.field(name);
        if (target instanceof ntspec.mm.Pool.Allocation a) {
            return switch (name) {
                case "Size" -> a.size;
                case "Tag" -> (long) a.tag & 0xFFFFFFFFL;
                case "PoolType" -> (long) a.poolType;
                case "Freed" -> a.isFreed() ? 1L : 0L;
                case "OnLookasideList" -> machine.mm.pool.isOnLookasideList(a.va) ? 1L : 0L;
                default -> throw new ScriptException("a pool allocation has no field " + name
                        + "; fields: Size, Tag, PoolType, Freed (returned to pool), OnLookasideList (freed to a lookaside list)");
            };
        }
        // A handle reads as the FILE_OBJECT it refers to, as the debugger's !handle shows it.
        if (target instanceof Handle h) return member(ntspec.io.FileObject.TYPE, h.file().address, name);
        if (target instanceof IoFunc.Request rq) return requestField(rq, name);
        if (target instanceof ntspec.io.IoFile.Create c) {
            return switch (name) {
                case "ReturnValue" -> (long) c.status();
                case "Handle" -> {
                    if (c.handle() == null) throw new ScriptException("the open failed (" + NtStatus.name(c.status()) + "): there is no handle");
                    yield c.handle();
                }
                case "IoStatus" -> new TypedRef(IoStatusBlock.TYPE, c.iosb());
                // CreateFile: INVALID_HANDLE_VALUE and the last error when NtCreateFile fails (kernelbase CreateFileW).
                case "Win32Result" -> c.handle() != null ? 1L : 0L;
                case "LastError" -> {
                    if (c.handle() != null) throw new ScriptException("the open succeeded: a success does not set the last error");
                    yield (long) ntspec.ke.Win32Error.fromNtStatus(c.status());
                }
                default -> throw new ScriptException("an open has no field " + name
                        + "; fields: ReturnValue (NtCreateFile's status), Handle, IoStatus (.Status, .Information), Win32Result, LastError");
            };
        }
        if (target instanceof ntspec.io.Win32.Result g) {
            return switch (name) {
                case "Win32Result" -> g.result() ? 1L : 0L;
                case "LastError" -> {
                    if (g.lastError() == null) {
                        throw new ScriptException("GetOverlappedResult returned TRUE: a success does not set the last error");
                    }
                    yield (long) g.lastError();
                }
                case "BytesTransferred" -> g.bytesTransferred();
                default -> throw new ScriptException("GetOverlappedResult's result has no field " + name
                        + "; fields: Win32Result (TRUE/FALSE), LastError (GetLastError after FALSE), BytesTransferred");
            };
        }
        if (target instanceof ntspec.io.Win32.Call c) {
            switch (name) {
                case "ReturnValue": return c.returnValue();
                case "Win32Result": return c.returnValue() != 0 ? 1L : 0L;
                case "LastError": {
                    if (c.lastError() == null) throw new ScriptException(c.api() + " set no last error (it returned " + describe(c.returnValue()) + ")");
                    return (long) c.lastError();
                }
                default: {
                    ntspec.ke.KQueue port = machine.io.completion.port(c.returnValue());
                    if (port != null) return member(port.type(), port.address(), name);
                    throw new ScriptException(c.api() + "'s result has no field " + name + "; fields: ReturnValue, Win32Result (TRUE/FALSE), "
                            + "LastError (GetLastError after a failure), and for a completion port the members of its KQUEUE ("
                            + String.join(", ", ntspec.ke.KQueue.TYPE.fieldNames()) + ")");
                }
            }
        }
        if (target instanceof ntspec.io.Win32.QueuedStatus q) {
            return switch (name) {
                case "Win32Result" -> q.result ? 1L : 0L;
                case "LastError" -> {
                    if (q.lastError == null) throw new ScriptException("GetQueuedCompletionStatus returned TRUE: a success does not set the last error");
                    yield (long) q.lastError;
                }
                case "NumberOfBytesTransferred" -> q.NumberOfBytesTransferred();
                case "CompletionKey" -> q.CompletionKey();
                case "Overlapped" -> q.Overlapped();
                default -> throw new ScriptException("GetQueuedCompletionStatus's result has no field " + name
                        + "; fields: Win32Result (TRUE/FALSE), LastError, NumberOfBytesTransferred, CompletionKey, Overlapped (*lpOverlapped)");
            };
        }
        if (target instanceof ntspec.io.IoCancel.CancelRequest cr) {
            switch (name) {
                case "ReturnValue": {
                    Integer v = cr.returnValue();
                    if (v == null) throw new ScriptException("the call has not returned: NtCancelIoFile still waits for the IRPs it cancelled (c->Waiting is 1)");
                    return (long) (int) v;
                }
                case "Waiting": return cr.isWaiting() ? 1L : 0L;
                case "Cancelled": return (long) cr.cancelled;
                default: throw new ScriptException("a CancelIo/CancelIoEx call has no field " + name + "; fields: ReturnValue, Waiting, Cancelled (IRPs passed to IoCancelIrp)");
            }
        }
        if (target instanceof ntspec.io.IoCancel.ErrorLogEntry e) {
            return switch (name) {
                case "ErrorCode" -> (long) e.errorCode() & 0xFFFFFFFFL;
                case "DeviceObject" -> machine.io.deviceAt(e.deviceObject());
                default -> throw new ScriptException("an error log entry has no field " + name + "; fields: ErrorCode, DeviceObject");
            };
        }
        if (target instanceof IoFunc.IoStatusBlockView v) {
            return switch (name) {
                case "Status" -> (long) v.Status;
                case "Information" -> v.Information;
                default -> throw new ScriptException("an IO_STATUS_BLOCK has no field " + name + "; fields: Status, Information");
            };
        }
        if (target == null) throw new ScriptException("cannot take ->" + name + " of NULL");
        throw new ScriptException("cannot take ->" + name + " of " + describe(target));
    }

    private Object requestField(IoFunc.Request rq, String name) {
        switch (name) {
            case "ReturnValue": {
                Integer v = rq.returnValue();
                if (v == null) throw new ScriptException("the request has not returned: the caller still waits for its pending IRP (r->Waiting is 1)");
                return (long) (int) v;
            }
            case "Waiting":
                return rq.isWaiting() ? 1L : 0L;
            case "IoStatus": {
                IoFunc.IoStatusBlockView v = rq.IoStatus();
                if (v == null) throw new ScriptException("the caller's IO_STATUS_BLOCK is not resident");
                return v;
            }
            case "Irp":
                return rq.Irp();
            case "Win32Result", "LastError", "BytesReturned": {
                IoFunc.Win32View w = IoFunc.win32(rq);
                if (w == null) throw new ScriptException("the request has not returned: the caller still waits for its pending IRP (r->Waiting is 1)");
                if (name.equals("Win32Result")) return w.result() ? 1L : 0L;
                if (name.equals("LastError")) {
                    if (w.lastError() == null) {
                        throw new ScriptException("the call returned TRUE: a success does not set the last error (GetLastError keeps the thread's earlier value)");
                    }
                    return (long) w.lastError();
                }
                if (w.bytesReturned() == null) throw new ScriptException("no byte count was written: " + w.why());
                return w.bytesReturned();
            }
            default:
                throw new ScriptException("a request has no field " + name + "; fields: ReturnValue, Waiting, IoStatus (.Status, .Information), Irp, "
                        + "Win32Result (TRUE/FALSE), LastError (GetLastError after FALSE), BytesReturned (*lpBytesReturned)");
        }
    }

    /** A member of a structure of type {@code type} at {@code address}, read from memory. */
    private Object member(StructType type, long address, String name) {
        StructType.Field f = type.field(name);
        if (f == null) {
            throw new ScriptException(type.name() + " has no member " + name + "; members: " + String.join(", ", type.fieldNames())
                    + nearest(name, type.fieldNames()));
        }
        long at = address + f.offset();
        if (f.isArray()) return new ArrayRef(f, at);
        if (f.isStruct()) return new TypedRef(f.struct(), at);
        long v = f.prim().decode(readMemory(at, f.prim().size));
        return f.isPointer() ? pointer(f.pointee(), v) : (Object) v;
    }

    /** What a pointer member points at, as a view of its type; a plain address for void and unknown types. */
    private Object pointer(String pointee, long address) {
        StructType t = pointee == null ? null : Symbols.type(pointee);
        if (t == null) return address;
        if (address == 0) return null;
        return objectAt(t, address);
    }

    /** The Java view of a structure of a known type at an address (the object itself for processes and threads). */
    private Object objectAt(StructType t, long a) {
        switch (t.name()) {
            case "_MDL": return machine.mm.mdl.at(a);
            case "_IRP": return machine.io.irpAt(a);
            case "_IO_STACK_LOCATION": return machine.io.stackLocationAt(a);
            case "_DEVICE_OBJECT": return machine.io.deviceAt(a);
            case "_DRIVER_OBJECT": return machine.io.driverAt(a);
            case "_FILE_OBJECT": return machine.io.fileAt(a);
            case "_KEVENT": return new KEvent(machine.mm, a);
            case "_IO_STATUS_BLOCK": return new IoStatusBlock(machine.mm, a);
            case "_EPROCESS":
            case "_KPROCESS": {
                EProcess p = machine.mm.processAt(a);
                return p != null ? p : new TypedRef(EProcess.TYPE, a);
            }
            case "_ETHREAD":
            case "_KTHREAD": {
                KThread th = machine.kernel.threadAt(a);
                return th != null ? th : new TypedRef(t, a);
            }
            default: return new TypedRef(t, a);
        }
    }

    /** Element {@code index} of an indexed value: a PFN array, an array member, a list. */
    private Object element(Object v, long index) {
        if (v instanceof TypedPointer tp) return readMemory(tp.address() + index * tp.size(), tp.size());
        if (v instanceof PfnArray a) return debugger ? readMemory(a.address() + 8 * index, 8) : a.get(index);
        if (v instanceof ArrayRef a) {
            StructType.Field f = a.field();
            if (index < 0 || index >= f.count()) {
                throw new ScriptException("index " + index + " is outside " + f.name() + "[" + f.count() + "]");
            }
            long at = a.address() + index * f.elementSize();
            if (f.isStruct()) return new TypedRef(f.struct(), at);
            long value = f.prim().decode(readMemory(at, f.prim().size));
            return f.isPointer() ? pointer(f.pointee(), value) : (Object) value;
        }
        if (v instanceof List<?> l) {
            if (index < 0 || index >= l.size()) throw new ScriptException("index " + index + " is outside the array of " + l.size() + " elements");
            return l.get((int) index);
        }
        throw new ScriptException("only an array (MmGetMdlPfnArray(mdl), an array member such as DriverObject->MajorFunction) can be indexed, not "
                + describe(v));
    }

    /**
     * {@code target->A.B = value}: a store of the driver's into a structure in memory (a kernel-mode
     * write of the member's size), whatever structure it is -- a driver can corrupt any of them.
     */
    private void setField(Object target, String path, Object value) {
        if (debugger) throw new ScriptException("a Then step only reads the machine; store into ->" + path + " in a When step or a routine");
        if (!(target instanceof KernelObject k)) {
            throw new ScriptException("cannot store into ->" + path + " of " + describe(target)
                    + "; stores go into structures in memory: MDLs, IRPs, stack locations, device, driver and file objects, events");
        }
        StructType.Resolved r = k.type().resolve(path);
        if (r == null) {
            String first = path.split("\\.")[0];
            throw new ScriptException(k.type().name() + " has no member " + path + "; members: " + String.join(", ", k.type().fieldNames())
                    + nearest(first, k.type().fieldNames()));
        }
        if (r.field().isStruct() || r.field().isArray()) {
            throw new ScriptException(k.type().name() + "." + path + " is a " + r.field().typeText() + "; store into one of its members");
        }
        machine.mm.write(k.address() + r.offset(), r.field().prim().size, toLong(value, "the value stored into ->" + path));
    }

    /** ", did you mean X?" for the closest name by edit distance, or "". */
    static String nearest(String name, java.util.Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(name.toLowerCase(), c.toLowerCase());
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best != null && bestDistance <= Math.max(2, name.length() / 3) ? "; did you mean " + best + "?" : "";
    }

    /** Levenshtein distance, for did-you-mean suggestions. */
    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1], prev[j]) + 1, prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * The kinds of wdm.h constants, by the facade's parameter names: a constant of one kind given
     * where another belongs (MmProbeAndLockPages(mdl, IoReadAccess, UserMode): arguments swapped)
     * fails with the parameter's type and the names it accepts.
     */
    private static final Map<String, List<String>> KINDS = Map.of(
            "accessMode", List.of("KPROCESSOR_MODE", "KernelMode", "UserMode"),
            "operation", List.of("LOCK_OPERATION", "IoReadAccess", "IoWriteAccess", "IoModifyAccess"),
            "cacheType", List.of("MEMORY_CACHING_TYPE", "MmNonCached", "MmCached", "MmWriteCombined"),
            "poolType", List.of("POOL_TYPE", "NonPagedPool", "PagedPool", "NonPagedPoolNx", "NonPagedPoolMustSucceed",
                    "NonPagedPoolCacheAligned", "PagedPoolCacheAligned", "NonPagedPoolNxCacheAligned"),
            "priority", List.of("MM_PAGE_PRIORITY", "LowPagePriority", "NormalPagePriority", "HighPagePriority"));

    private static String kindOf(String constant) {
        if (constant.startsWith("PAGE_")) return "a page protection";
        for (var e : KINDS.values()) if (e.subList(1, e.size()).contains(constant)) return "a " + e.get(0);
        return null;
    }

    private static void checkArgumentKinds(String ddi, List<String> texts) {
        List<Method> ms = DDIS.get(ddi);
        if (ms == null) return;
        for (Method m : ms) {
            if (m.getParameterCount() != texts.size()) continue;
            Parameter[] ps = m.getParameters();
            for (int i = 0; i < ps.length; i++) {
                List<String> kind = KINDS.get(ps[i].getName());
                String text = texts.get(i);
                if (kind == null || !text.matches("[A-Za-z_]\\w*")) continue;
                String actual = kindOf(text);
                if (actual != null && !kind.subList(1, kind.size()).contains(text)) {
                    throw new ScriptException(ddi + "'s " + ps[i].getName() + " (argument " + (i + 1) + ") is a " + kind.get(0) + " ("
                            + String.join(", ", kind.subList(1, kind.size())) + "); " + text + " is " + actual + ": " + signature(ddi));
                }
            }
            return;
        }
    }

    /** Casts to an integer type: the value as a number, so arithmetic on it counts bytes. */
    private static final java.util.Set<String> INTEGER_CASTS = java.util.Set.of("ULONG_PTR", "LONG_PTR", "SIZE_T", "ULONG64", "LONG64",
            "ULONGLONG", "LONGLONG", "UINT_PTR", "INT_PTR", "PVOID", "ULONG", "LONG", "USHORT", "UCHAR");

    /**
     * {@code a + n} and {@code a - n} as C computes them: a structure pointer moves by whole
     * structures ({@code mdl + 1} is the PFN array right after the MDL header, {@code irp + 1} the
     * first I/O stack location), a typed pointer by its element ({@code (PULONG)p + 1} is 4 bytes
     * on), two pointers of one type subtract to a count of elements; numbers and untyped addresses
     * ({@code buf + 0x10}, {@code (ULONG_PTR)irp + 0xD0}) count bytes.
     */
    private Object pointerArithmetic(Object left, Object right, int sign) {
        String op = sign > 0 ? "+" : "-";
        if (left instanceof KernelObject k && !(right instanceof KernelObject) && !(right instanceof TypedPointer)) {
            long n = toLong(right, "right of " + op);
            return new TypedRef(k.type(), k.address() + sign * n * k.type().size());
        }
        if (left instanceof TypedPointer tp && !(right instanceof KernelObject) && !(right instanceof TypedPointer)) {
            long n = toLong(right, "right of " + op);
            return new TypedPointer(tp.address() + sign * n * tp.size(), tp.size(), tp.type());
        }
        if (sign > 0 && right instanceof KernelObject k && !(left instanceof KernelObject) && !(left instanceof TypedPointer)) {
            return new TypedRef(k.type(), k.address() + toLong(left, "left of +") * k.type().size());
        }
        if (sign < 0 && left instanceof KernelObject a && right instanceof KernelObject b) {
            if (!a.type().name().equals(b.type().name())) {
                throw new ScriptException("a " + a.type().name() + " pointer minus a " + b.type().name()
                        + " pointer: C subtracts pointers of one type only; cast both to (ULONG_PTR) to count bytes");
            }
            return (a.address() - b.address()) / a.type().size();
        }
        if (sign < 0 && left instanceof TypedPointer a && right instanceof TypedPointer b && a.size() == b.size()) {
            return (a.address() - b.address()) / a.size();
        }
        return toLong(left, "left of " + op) + sign * toLong(right, "right of " + op);
    }

    /** sizeof(T) for the x64 structures and scalar types a driver names. */
    private static long sizeOf(String type) {
        switch (type) {
            case "UCHAR", "CHAR", "BOOLEAN": return 1;
            case "USHORT", "SHORT", "CSHORT", "WCHAR": return 2;
            case "ULONG", "LONG", "NTSTATUS", "KIRQL_ULONG": return 4;
            case "ULONG_PTR", "LONG_PTR", "SIZE_T", "PVOID", "PFN_NUMBER", "ULONG64", "LONGLONG", "ULONGLONG", "PMDL", "PIRP",
                 "LARGE_INTEGER", "PKEVENT": return 8;
            default:
        }
        String name = type.startsWith("_") ? type : "_" + type;
        var t = ntspec.debug.Symbols.type(name);
        if (t == null) {
            throw new ScriptException("sizeof(" + type + "): not a type this machine lays out. Accepted: "
                    + String.join(", ", ntspec.debug.Symbols.types().keySet()) + ", and ULONG, ULONG_PTR, PVOID, PFN_NUMBER ...");
        }
        return t.size();
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
                return new PfnView(n, machine.mm.pfnDb);
            }
            case "db": {
                // The debugger's db: reads physical memory through the current page tables, without
                // faulting and without touching A/D bits; an invalid PTE is an error, as in WinDbg.
                expectArgs(name, args, 1, "db(VirtualAddress): the byte there, read as the debugger reads it");
                long va = toLong(args.get(0), "db's argument");
                Long b = machine.mm.peek(va, 1);
                if (b == null) throw new ScriptException(String.format("db(0x%X): the address is not valid (PTE 0x%X)", va, machine.mm.readPte(va)));
                return b;
            }
            case "pool": {
                expectArgs(name, args, 1, "pool(Address): the pool allocation that starts there (->Size, ->Tag, ->PoolType, ->Freed, ->OnLookasideList)");
                long va = toLong(args.get(0), "pool's argument");
                ntspec.mm.Pool.Allocation a = machine.mm.pool.find(va);
                if (a == null) throw new ScriptException(String.format("pool(0x%X): no pool allocation starts there", va));
                return a;
            }
            case "errorlog": {
                expectArgs(name, args, 1, "errorlog(n): entry n (from 0) of the I/O error log (->ErrorCode, ->DeviceObject); ErrorLogEntries counts them");
                long n = toLong(args.get(0), "errorlog's argument");
                var log = machine.io.cancel.errorLog();
                if (n < 0 || n >= log.size()) throw new ScriptException("errorlog(" + n + "): the error log has " + log.size() + " entries");
                return log.get((int) n);
            }
            case "device": {
                expectArgs(name, args, 1, "device(\"\\\\Device\\\\Name\"): the top of that device's stack, as IoGetDeviceObjectPointer returns it");
                Object n = args.get(0);
                DeviceObject d = n instanceof String str ? machine.io.device.named(str) : null;
                if (d == null) throw new ScriptException("no device named " + describe(n) + "; devices: " + machine.io.device.namespace().keySet());
                return machine.io.device.IoGetAttachedDevice(d);
            }
            case "NT_SUCCESS": {
                expectArgs(name, args, 1, "NT_SUCCESS(Status)");
                return NtStatus.NT_SUCCESS((int) toLong(args.get(0), "NT_SUCCESS's argument")) ? 1L : 0L;
            }
            case "NT_ERROR": {
                expectArgs(name, args, 1, "NT_ERROR(Status)");
                return NtStatus.NT_ERROR((int) toLong(args.get(0), "NT_ERROR's argument")) ? 1L : 0L;
            }
            // wdm.h's address and size macros.
            case "PAGE_ALIGN": {
                expectArgs(name, args, 1, "PAGE_ALIGN(Va)");
                return toLong(args.get(0), "PAGE_ALIGN's argument") & ~0xFFFL;
            }
            case "BYTE_OFFSET": {
                expectArgs(name, args, 1, "BYTE_OFFSET(Va)");
                return toLong(args.get(0), "BYTE_OFFSET's argument") & 0xFFFL;
            }
            case "BYTES_TO_PAGES": {
                expectArgs(name, args, 1, "BYTES_TO_PAGES(Size)");
                return (toLong(args.get(0), "BYTES_TO_PAGES's argument") + 0xFFF) >>> 12;
            }
            case "ROUND_TO_PAGES": {
                expectArgs(name, args, 1, "ROUND_TO_PAGES(Size)");
                return (toLong(args.get(0), "ROUND_TO_PAGES's argument") + 0xFFF) & ~0xFFFL;
            }
            case "ADDRESS_AND_SIZE_TO_SPAN_PAGES": {
                expectArgs(name, args, 2, "ADDRESS_AND_SIZE_TO_SPAN_PAGES(Va, Size)");
                return ntspec.mm.MmLayout.spanPages(toLong(args.get(0), "Va"), toLong(args.get(1), "Size"));
            }
            case "GetExceptionCode": {
                expectArgs(name, args, 0, "GetExceptionCode(), inside an __except block");
                if (exceptionCode == null) throw new ScriptException("GetExceptionCode() is only valid inside an __except block");
                return (long) exceptionCode;
            }
            case "CTL_CODE": {
                expectArgs(name, args, 4, "CTL_CODE(DeviceType, Function, Method, Access)");
                return (toLong(args.get(0), "DeviceType") << 16) | (toLong(args.get(3), "Access") << 14)
                        | (toLong(args.get(1), "Function") << 2) | toLong(args.get(2), "Method");
            }
            default:
        }
        if (debugger) {
            switch (name) {
                case "MmGetMdlPfnArray": {
                    expectArgs(name, args, 1, "MmGetMdlPfnArray(Mdl)");
                    return new PfnArray(machine.mm.mdl.at(toLong(args.get(0), "MmGetMdlPfnArray's Mdl")));
                }
                case "MmGetMdlVirtualAddress", "MmGetMdlByteCount", "MmGetMdlByteOffset": {
                    expectArgs(name, args, 1, name + "(Mdl)");
                    long m = toLong(args.get(0), name + "'s Mdl");
                    long start = readMemory(m + 0x20, 8);
                    long count = readMemory(m + 0x28, 4);
                    long offset = readMemory(m + 0x2C, 4);
                    return name.equals("MmGetMdlByteCount") ? count : name.equals("MmGetMdlByteOffset") ? offset : start + offset;
                }
                case "MmSizeOfMdl", "CTL_CODE":
                    break;
                default:
                    if (DDIS.containsKey(name)) {
                        throw new ScriptException(name + " is a DDI: a Then step only reads the machine (MmGetMdlPfnArray, "
                                + "MmGetMdlVirtualAddress, MmGetMdlByteCount and MmGetMdlByteOffset read it); call " + name + " in a When step");
                    }
            }
        }
        List<Method> candidates = DDIS.get(name);
        if (candidates == null) {
            String hint = nearest(name, DDIS.keySet());
            throw new ScriptException("unknown DDI '" + name + "'" + (hint.isEmpty() ? "" : " (" + hint.substring(2) + ")") + ". Accepted DDIs: "
                    + String.join(", ", DDIS.keySet()) + "; debugger views: pte(va), pfn(n), db(va); macros: CTL_CODE(...)");
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
        // A pointer given as a number or as another structure's view: the structure at that address.
        if ((v instanceof Number || v instanceof KernelObject) && !(v instanceof Boolean)) {
            long a = toLong(v, what);
            if (t == Mdl.class) return machine.mm.mdl.at(a);
            if (t == Irp.class) return machine.io.irpAt(a);
            if (t == DeviceObject.class) return machine.io.deviceAt(a);
            if (t == DriverObject.class) return machine.io.driverAt(a);
            if (t == FileObject.class) return machine.io.fileAt(a);
            if (t == IoStackLocation.class) return machine.io.stackLocationAt(a);
            if (t == KEvent.class) return new KEvent(machine.mm, a);
            if (t == EProcess.class) {
                EProcess pr = machine.mm.processAt(a);
                if (pr != null) return pr;
            }
        }
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

        /**
         * Above 0 while parsing an operand C does not evaluate: the right of {@code ||} after a true
         * left, of {@code &&} after a false one. Names are still checked; calls, member reads and
         * dereferences are not made ({@code mdl != NULL && mdl->ByteCount} never reads through NULL).
         */
        int skipping;

        // Precedence, loosest first, as C has it: || && | ^ & == != < <= > >= << >> + - * / % unary postfix.
        Object expression() {
            Object v = logicalAnd();
            while (accept("||")) {
                boolean left = skipping == 0 && toLong(v, "left of ||") != 0;
                if (left) skipping++;
                Object right;
                try {
                    right = logicalAnd();
                } finally {
                    if (left) skipping--;
                }
                v = skipping > 0 ? 0L : left || toLong(right, "right of ||") != 0 ? 1L : 0L;
            }
            return v;
        }

        Object logicalAnd() {
            Object v = bitOr();
            while (accept("&&")) {
                boolean left = skipping > 0 || toLong(v, "left of &&") != 0;
                if (!left) skipping++;
                Object right;
                try {
                    right = bitOr();
                } finally {
                    if (!left) skipping--;
                }
                v = skipping > 0 ? 0L : left && toLong(right, "right of &&") != 0 ? 1L : 0L;
            }
            return v;
        }

        Object equality() {
            Object v = relational();
            while (true) {
                if (accept("==")) v = same(v, relational()) ? 1L : 0L;
                else if (accept("!=")) v = same(v, relational()) ? 0L : 1L;
                else return v;
            }
        }

        /** Unsigned comparisons, as addresses and sizes compare. */
        Object relational() {
            Object v = shift();
            while (true) {
                if (accept("<=")) v = Long.compareUnsigned(toLong(v, "left of <="), toLong(shift(), "right of <=")) <= 0 ? 1L : 0L;
                else if (accept(">=")) v = Long.compareUnsigned(toLong(v, "left of >="), toLong(shift(), "right of >=")) >= 0 ? 1L : 0L;
                else if (!peekIs("<<") && accept("<")) v = Long.compareUnsigned(toLong(v, "left of <"), toLong(shift(), "right of <")) < 0 ? 1L : 0L;
                else if (!peekIs(">>") && accept(">")) v = Long.compareUnsigned(toLong(v, "left of >"), toLong(shift(), "right of >")) > 0 ? 1L : 0L;
                else return v;
            }
        }

        // C's precedence: & binds looser than == (so "x & MASK == 0" is "x & (MASK == 0)", as in C), ^ looser than &, | looser than ^.
        Object bitOr() {
            Object v = bitXor();
            while (!peekIs("||") && accept("|")) v = toLong(v, "left of |") | toLong(bitXor(), "right of |");
            return v;
        }

        Object bitXor() {
            Object v = bitAnd();
            while (accept("^")) v = toLong(v, "left of ^") ^ toLong(bitAnd(), "right of ^");
            return v;
        }

        Object bitAnd() {
            Object v = equality();
            while (!peekIs("&&") && accept("&")) v = toLong(v, "left of &") & toLong(equality(), "right of &");
            return v;
        }

        Object shift() {
            Object v = additive();
            while (true) {
                if (accept("<<")) v = toLong(v, "left of <<") << toLong(additive(), "right of <<");
                else if (accept(">>")) v = toLong(v, "left of >>") >>> toLong(additive(), "right of >>");
                else return v;
            }
        }

        Object additive() {
            Object v = multiplicative();
            while (true) {
                if (peekIs("->")) return v;
                if (accept("+")) v = pointerArithmetic(v, multiplicative(), 1);
                else if (accept("-")) v = pointerArithmetic(v, multiplicative(), -1);
                else return v;
            }
        }

        Object multiplicative() {
            Object v = unary();
            while (true) {
                if (accept("*")) v = toLong(v, "left of *") * toLong(unary(), "right of *");
                else if (accept("/")) v = Long.divideUnsigned(toLong(v, "left of /"), nonZero(toLong(unary(), "right of /")));
                else if (accept("%")) v = Long.remainderUnsigned(toLong(v, "left of %"), nonZero(toLong(unary(), "right of %")));
                else return v;
            }
        }

        private long nonZero(long d) {
            if (d == 0) throw error("division by zero");
            return d;
        }

        Object unary() {
            if (accept("*")) {
                Object target = unary();
                if (skipping > 0) return 0L;
                if (!(target instanceof TypedPointer tp)) {
                    throw error("* reads through a typed pointer: *(PULONG)p, *(PUCHAR)(p + 3); pointer types: "
                            + String.join(", ", new TreeSet<>(POINTER_TYPES.keySet())));
                }
                return readMemory(tp.address(), tp.size());
            }
            if (!peekIs("&&") && accept("&")) {
                // &x->Member for a structure member (&irp->ThreadListEntry, &me->IrpList): its address.
                Object target = unary();
                if (skipping > 0) return 0L;
                if (target instanceof KernelObject k) return k.address();
                throw error("& takes the address of a structure member (&irp->ThreadListEntry, &Irp->Tail.Overlay.ListEntry) or of a structure, not " + describe(target));
            }
            if (accept("~")) return ~toLong(unary(), "operand of ~");
            if (!peekIs("!=") && accept("!")) return toLong(unary(), "operand of !") == 0 ? 1L : 0L;
            if (!peekIs("->") && accept("-")) return -toLong(unary(), "operand of -");
            return postfix();
        }

        Object postfix() {
            Object v = primary();
            while (true) {
                if (accept("->")) {
                    String member = ident();
                    v = skipping > 0 ? (Object) 0L : field(v, member);
                } else if ((skipping > 0 || v instanceof KernelObject || v instanceof IoFunc.IoStatusBlockView) && accept(".")) {
                    String member = ident();
                    v = skipping > 0 ? (Object) 0L : field(v, member);
                } else if (accept("[")) {
                    Object index = expression();
                    expect("]");
                    v = skipping > 0 ? (Object) 0L : element(v, toLong(index, "index"));
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
                int afterParen = pos;
                String type = peekIdent();
                StructType castTo = type != null && type.length() > 1 && type.startsWith("P") && !POINTER_TYPES.containsKey(type)
                        ? Symbols.type("_" + type.substring(1)) : null;
                if (castTo != null) {
                    // (PIO_CSQ)p, (PLIST_ENTRY)p ...: the structure at that address, so -> reads its members.
                    ident();
                    if (accept(")")) {
                        long a = toLong(unary(), "the operand of (" + type + ")");
                        return a == 0 ? null : objectAt(castTo, a);
                    }
                    pos = afterParen;
                }
                if (type != null && POINTER_TYPES.containsKey(type)) {
                    ident();
                    if (accept(")")) {
                        Object operand = unary();
                        return new TypedPointer(toLong(operand, "the operand of (" + type + ")"), POINTER_TYPES.get(type), type);
                    }
                }
                if (type != null && INTEGER_CASTS.contains(type)) {
                    ident();
                    if (accept(")")) return toLong(unary(), "the operand of (" + type + ")");
                }
                // (PKEVENT)p, (PIRP)p ...: a pointer to a structure this machine lays out, as C's cast makes it.
                StructType pointee = type != null && type.length() > 1 && type.charAt(0) == 'P' ? Symbols.type("_" + type.substring(1)) : null;
                if (pointee != null) {
                    ident();
                    if (accept(")")) {
                        long a = toLong(unary(), "the operand of (" + type + ")");
                        return a == 0 || skipping > 0 ? null : objectAt(pointee, a);
                    }
                }
                pos = afterParen;
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
            if (c == '\'') {
                // A character constant as MSVC reads it: 'Test' is 0x54657374 (a pool tag reads "tseT").
                int end = src.indexOf('\'', pos + 1);
                if (end < 0 || end == pos + 1 || end - pos - 1 > 8) throw error("a character constant is 1 to 8 characters in quotes: 'Tag1'");
                long v = 0;
                for (int i = pos + 1; i < end; i++) v = (v << 8) | (src.charAt(i) & 0xFF);
                pos = end + 1;
                return v;
            }
            String id = ident();
            if (id.equals("CONTAINING_RECORD") && accept("(")) {
                // CONTAINING_RECORD(address, TYPE, Field.Path): the structure whose member is at address.
                long a = toLong(expression(), "CONTAINING_RECORD's address");
                expect(",");
                String type = ident();
                expect(",");
                StringBuilder path = new StringBuilder(ident());
                while (accept(".")) path.append('.').append(ident());
                expect(")");
                StructType t = Symbols.type(type.startsWith("_") ? type : "_" + type);
                if (t == null) throw error("CONTAINING_RECORD: " + type + " is not a structure this machine lays out; types: " + Symbols.types().keySet());
                StructType.Resolved r = t.resolve(path.toString());
                if (r == null) throw error("CONTAINING_RECORD: " + t.name() + " has no member " + path + "; members: " + t.fieldNames());
                return a == 0 ? null : objectAt(t, a - r.offset());
            }
            if (id.equals("sizeof") && accept("(")) {
                String type = ident();
                expect(")");
                return sizeOf(type);
            }
            if (accept("(")) {
                List<Object> args = new ArrayList<>();
                List<String> texts = new ArrayList<>();
                if (!accept(")")) {
                    do {
                        int from = pos;
                        args.add(expression());
                        texts.add(src.substring(from, pos).trim());
                    } while (accept(","));
                    expect(")");
                }
                checkArgumentKinds(id, texts);
                return skipping > 0 ? (Object) 0L : call(id, args);
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
