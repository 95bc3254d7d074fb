package ntspec.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.cucumber.datatable.DataTable;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import java.util.ArrayList;
import java.util.List;
import ntspec.Machine;
import ntspec.drivers.FunctionDriver;
import ntspec.drivers.ScriptedDriver;
import ntspec.drivers.UpperFilter;
import ntspec.io.DeviceObject;
import ntspec.io.Handle;
import ntspec.io.IoFunc;
import ntspec.ke.KEvent;
import ntspec.io.IoConstants;
import ntspec.ke.KThread;
import ntspec.mm.EProcess;
import ntspec.mm.Protection;
import ntspec.trace.Trace;
import ntspec.wdm.Wdm;

/**
 * The I/O manager's steps: drivers and device stacks (scenario-defined or the Java models),
 * handles, user requests (DeviceIoControl, ReadFile, WriteFile), DPCs, and the trace's order.
 */
public final class IoSteps {
    private final World world;

    public IoSteps(World world) {
        this.world = world;
    }

    private Machine machine() {
        return world.machine();
    }

    private static int deviceFlags(String using) {
        if (using == null) return 0;
        return switch (using) {
            case "DO_BUFFERED_IO" -> IoConstants.DO_BUFFERED_IO;
            case "DO_DIRECT_IO" -> IoConstants.DO_DIRECT_IO;
            default -> 0;
        };
    }

    private void register(String image, Wdm driver) {
        if (world.drivers.containsKey(image)) throw new IllegalArgumentException("a driver \"" + image + "\" is already loaded");
        world.drivers.put(image, driver);
    }

    private DeviceObject namedDevice(String name) {
        DeviceObject d = machine().io.device.named(name);
        if (d == null) throw new IllegalArgumentException("no device named " + name + "; devices: " + machine().io.device.namespace().keySet());
        return d;
    }

    private ScriptedDriver scripted(String image) {
        Wdm d = world.loadedDriver(image);
        if (d instanceof ScriptedDriver s) return s;
        throw new IllegalArgumentException("\"" + image + "\" is a Java driver model; only drivers loaded with "
                + "'Given a driver \"" + image + "\" with a device ...' or 'Given a filter driver ...' take routines from a scenario");
    }

    // ------------------------------------------------------------------ scenario-defined drivers

    @Given("^a driver \"([^\"]+)\" with a device \"([^\"]+)\"(?: using (DO_BUFFERED_IO|DO_DIRECT_IO|neither buffered nor direct I/O))?$")
    public void scriptedDriver(String image, String device, String using) {
        ScriptedDriver d = new ScriptedDriver(machine(), image, world.names);
        register(image, d);
        d.createDevice(device, deviceFlags(using));
    }

    @Given("^a filter driver \"([^\"]+)\" attached to \"([^\"]+)\"$")
    public void scriptedFilter(String image, String target) {
        ScriptedDriver d = new ScriptedDriver(machine(), image, world.names);
        register(image, d);
        d.attachTo(namedDevice(target));
    }

    @Given("^\"([^\"]+)\" handles (IRP_MJ_\\w+) with:$")
    public void handles(String image, String major, DataTable body) {
        int mj = IoConstants.majorFunction(major);
        if (mj < 0) {
            throw new IllegalArgumentException("unknown major function " + major + "; accepted: IRP_MJ_CREATE, IRP_MJ_CLOSE, IRP_MJ_READ, "
                    + "IRP_MJ_WRITE, IRP_MJ_DEVICE_CONTROL, IRP_MJ_INTERNAL_DEVICE_CONTROL, IRP_MJ_CLEANUP");
        }
        scripted(image).defineDispatch(mj, Tables.statements(body, "handles " + major + " with:"));
    }

    @Given("^\"([^\"]+)\" has a completion routine \"(\\w+)\":$")
    public void completionRoutine(String image, String name, DataTable body) {
        scripted(image).defineCompletionRoutine(name, Tables.statements(body, "has a completion routine:"));
    }

    @Given("^\"([^\"]+)\"'s device interrupts for each request the driver pends, with a DPC on processor (\\d+):$")
    public void interruptDpc(String image, int processor, DataTable body) {
        scripted(image).defineInterruptDpc(processor, Tables.statements(body, "'s device interrupts ... with a DPC on processor " + processor + ":"));
    }

    @Given("^\"([^\"]+)\" has an? (cancel routine|Csq\\w+ routine) \"(\\w+)\":$")
    public void routine(String image, String kind, String name, DataTable body) {
        if (!ScriptedDriver.ROUTINE_KINDS.contains(kind)) {
            throw new IllegalArgumentException("unknown kind of routine \"" + kind + "\"; accepted: " + String.join(", ", ScriptedDriver.ROUTINE_KINDS)
                    + " (completion routines: 'has a completion routine \"Name\":')");
        }
        scripted(image).defineRoutine(kind, name, Tables.statements(body, "has a " + kind + ":"));
    }

    @When("^\"([^\"]+)\" runs a DPC on processor (\\d+):$")
    public void dpc(String image, int processor, DataTable body) {
        ScriptedDriver d = scripted(image);
        List<String> statements = Tables.statements(body, "runs a DPC on processor " + processor + ":");
        world.act(() -> d.runDpc(processor, statements));
    }

    @When("^\"([^\"]+)\" runs:$")
    public void runs(String image, DataTable body) {
        ScriptedDriver d = scripted(image);
        List<String> statements = Tables.statements(body, "runs:");
        world.act(() -> d.run(statements));
    }

    // ------------------------------------------------------------------ the Java driver models

    @Given("^the function driver \"([^\"]+)\" with a device \"([^\"]+)\" using (DO_BUFFERED_IO|DO_DIRECT_IO)( that pends its requests)?$")
    public void functionDriver(String image, String device, String using, String pends) {
        FunctionDriver d = new FunctionDriver(machine(), image, device, deviceFlags(using));
        d.setPending(pends != null);
        register(image, d);
    }

    @Given("^\"([^\"]+)\" replies \"([^\"]*)\"$")
    public void replies(String image, String text) {
        if (!(world.loadedDriver(image) instanceof FunctionDriver f)) throw new IllegalArgumentException("\"" + image + "\" is not the function driver");
        f.setReply(text);
    }

    @Given("^the thread's upper filter \"([^\"]+)\" on \"([^\"]+)\", cleaning up by (.+)$")
    public void upperFilter(String image, String target, String cleanup) {
        UpperFilter f = new UpperFilter(machine(), image, namedDevice(target), UpperFilter.Cleanup.of(cleanup));
        register(image, f);
        world.names.put("capture", f.capture);
    }

    @When("^\"([^\"]+)\" completes its pending requests from a DPC on processor (\\d+)$")
    public void completePending(String image, int processor) {
        if (!(world.loadedDriver(image) instanceof FunctionDriver f)) throw new IllegalArgumentException("\"" + image + "\" is not the function driver");
        world.act(() -> f.completePendingFromDpc(processor));
    }

    @When("^\"([^\"]+)\" is unloaded$")
    public void unloaded(String image) {
        Wdm d = world.loadedDriver(image);
        int[] status = {0};
        world.act(() -> status[0] = machine().io.driver.unloadDriver(d.DriverObject()));
        assertThat(ntspec.ke.NtStatus.name(status[0])).as("unloading %s", image).isEqualTo("STATUS_SUCCESS");
    }

    // ------------------------------------------------------------------ user requests

    /** Makes the process's thread the one running (on its processor, or processor 0). */
    private KThread runAs(String process) {
        world.process(process);
        KThread t = world.threads.get(process);
        var p = machine().kernel.processorOf(t);
        if (p != null) {
            machine().kernel.setCurrentProcessor(p.number);
        } else {
            machine().kernel.setCurrentProcessor(0);
            machine().kernel.switchTo(t);
        }
        return t;
    }

    @Given("^\"([^\"]+)\" opens \"([^\"]+)\"( overlapped)?(?: for (.+?))? as (\\w+)$")
    public void opens(String process, String device, String overlapped, String access, String var) {
        if (machine().io.device.named(device) == null) {
            throw new IllegalArgumentException("no device named " + device + "; devices: " + machine().io.device.namespace().keySet());
        }
        ntspec.io.IoFile.Create c = create(process, device, overlapped, access);
        if (c == null) return; // the machine stopped: the scenario's Then steps say how
        if (c.handle() == null) {
            throw new AssertionError("opening " + device + " failed: NtCreateFile returned " + ntspec.ke.NtStatus.name(c.status())
                    + " (its driver's IRP_MJ_CREATE); to look at a failing open, write '\"" + process + "\" tries to open \"" + device + "\" as o'");
        }
        world.names.put(var, c.handle());
    }

    @When("^\"([^\"]+)\" tries to open \"([^\"]+)\"( overlapped)?(?: for (.+?))? as (\\w+)$")
    public void triesToOpen(String process, String device, String overlapped, String access, String var) {
        ntspec.io.IoFile.Create c = create(process, device, overlapped, access);
        if (c != null) world.names.put(var, c);
    }

    /** NtCreateFile from the process's thread, with a status block in its memory (0xCC, as a stack is). */
    private ntspec.io.IoFile.Create create(String process, String device, String overlapped, String access) {
        EProcess p = world.process(process);
        int desired = access == null ? IoConstants.GENERIC_READ | IoConstants.GENERIC_WRITE : (int) world.script().evaluateLong(access);
        runAs(process);
        long iosb = newIosb(p);
        ntspec.io.IoFile.Create[] c = new ntspec.io.IoFile.Create[1];
        world.act(() -> c[0] = machine().io.file.NtCreateFile(p, device, desired, overlapped != null, iosb));
        return c[0];
    }

    /** A fresh IO_STATUS_BLOCK in the caller's memory, filled with 0xCC as an uninitialised stack is. */
    private long newIosb(EProcess p) {
        var r = machine().mm.vm.NtAllocateVirtualMemory(p, 0, 0x1000, Protection.MEM_COMMIT | Protection.MEM_RESERVE, Protection.PAGE_READWRITE);
        byte[] cc = new byte[16];
        java.util.Arrays.fill(cc, (byte) 0xCC);
        machine().mm.write(r.base(), cc, true);
        return r.base();
    }

    private List<Object> args(String text, int count, String form) {
        return args(text, count, count, form);
    }

    private List<Object> args(String text, int min, int max, String form) {
        List<String> parts = split(text, min, max, form);
        List<Object> values = new ArrayList<>();
        for (String part : parts) values.add(world.script().evaluate(part.trim()));
        return values;
    }

    /** The arguments of a call as written, split at the commas outside parentheses and strings. */
    private static List<String> split(String text, int min, int max, String form) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') quoted = !quoted;
            else if (!quoted && c == '(') depth++;
            else if (!quoted && c == ')') depth--;
            else if (!quoted && depth == 0 && c == ',') {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        if (parts.size() < min || parts.size() > max) {
            throw new IllegalArgumentException(form + " takes " + (min == max ? min : min + " or " + max) + " arguments, not " + parts.size() + ": " + text);
        }
        return parts;
    }

    private Handle handle(Object v, String form) {
        if (v instanceof Handle h) return h;
        throw new IllegalArgumentException("the first argument of " + form + " must be a handle opened with "
                + "'Given \"app\" opens \"\\Device\\Name\" as h', not " + ntspec.wdm.Script.describe(v));
    }

    @When("^\"([^\"]+)\" calls DeviceIoControl\\((.+)\\) as (\\w+)$")
    public void deviceIoControl(String process, String argText, String var) {
        String form = "DeviceIoControl(h, IoControlCode, InputBuffer, InputBufferLength, OutputBuffer, OutputBufferLength[, &ov])";
        List<Object> a = args(argText, 6, 7, form);
        Handle f = handle(a.get(0), form);
        runAs(process);
        long ov = a.size() == 7 ? ntspec.wdm.Script.toLong(a.get(6), "lpOverlapped of " + form) : 0;
        long iosb = ov != 0 ? ov : newIosb(world.process(process));
        long[] n = new long[5];
        for (int i = 1; i < 6; i++) n[i - 1] = ntspec.wdm.Script.toLong(a.get(i), "argument " + (i + 1) + " of " + form);
        IoFunc.Request[] r = new IoFunc.Request[1];
        world.act(() -> {
            KEvent event = ov != 0 ? beginOverlapped(ov) : null;
            r[0] = machine().io.func.NtDeviceIoControlFile(f, event, 0, machine().io.win32.apcContextOf(ov), iosb, (int) n[0], n[1], n[2],
                    n[3], n[4]);
        });
        if (r[0] != null) world.names.put(var, r[0]);
    }

    /** What kernel32 does with an OVERLAPPED before the service: Internal = STATUS_PENDING, InternalHigh = 0; its event. */
    private KEvent beginOverlapped(long ov) {
        machine().io.win32.beginOverlapped(ov);
        return machine().io.win32.eventOf(ov);
    }

    @Given("^\"([^\"]+)\" creates an? (auto-reset |manual-reset )?event as (\\w+)$")
    public void createsEvent(String process, String kind, String var) {
        runAs(process);
        boolean manual = kind == null || kind.startsWith("manual");
        KEvent[] e = new KEvent[1];
        world.act(() -> e[0] = machine().io.win32.CreateEvent(manual, false));
        if (e[0] != null) world.names.put(var, e[0]);
    }

    @Given("^\"([^\"]+)\" prepares an OVERLAPPED as (\\w+)(?: with event (\\w+))?(?: at offset (\\S+))?$")
    public void preparesOverlapped(String process, String var, String eventName, String offset) {
        EProcess p = world.process(process);
        long event = 0;
        if (eventName != null) {
            Object e = world.script().evaluate(eventName);
            if (!(e instanceof KEvent k)) {
                throw new IllegalArgumentException("the event of an OVERLAPPED is a name bound by '\"" + process + "\" creates an event as "
                        + eventName + "', not " + ntspec.wdm.Script.describe(e));
            }
            event = k.address;
        }
        long off = offset == null ? 0 : world.script().evaluateLong(offset);
        var r = machine().mm.vm.NtAllocateVirtualMemory(p, 0, 0x1000, Protection.MEM_COMMIT | Protection.MEM_RESERVE, Protection.PAGE_READWRITE);
        byte[] ov = new byte[0x20];
        java.nio.ByteBuffer.wrap(ov).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0x10, off).putLong(0x18, event);
        machine().mm.write(r.base(), ov, true);
        world.names.put(var, new ntspec.wdm.Script.TypedRef(ntspec.io.Win32.OVERLAPPED, r.base()));
    }

    @When("^\"([^\"]+)\" calls GetOverlappedResult\\((.+)\\) as (\\w+)$")
    public void getOverlappedResult(String process, String argText, String var) {
        String form = "GetOverlappedResult(h, &ov, bWait)";
        List<Object> a = args(argText, 3, 3, form);
        Handle f = handle(a.get(0), form);
        long ov = ntspec.wdm.Script.toLong(a.get(1), "lpOverlapped of " + form);
        boolean wait = ntspec.wdm.Script.toLong(a.get(2), "bWait of " + form) != 0;
        runAs(process);
        ntspec.io.Win32.Result[] g = new ntspec.io.Win32.Result[1];
        world.act(() -> g[0] = machine().io.win32.GetOverlappedResult(f, ov, wait));
        if (g[0] != null) world.names.put(var, g[0]);
    }

    @When("^\"([^\"]+)\" calls (ReadFile|WriteFile)\\((.+)\\) as (\\w+)$")
    public void readWrite(String process, String api, String argText, String var) {
        String form = api + "(h, Buffer, Length[, &ov])";
        List<Object> a = args(argText, 3, 4, form);
        Handle f = handle(a.get(0), form);
        runAs(process);
        long ov = a.size() == 4 ? ntspec.wdm.Script.toLong(a.get(3), "lpOverlapped of " + form) : 0;
        long iosb = ov != 0 ? ov : newIosb(world.process(process));
        long buffer = ntspec.wdm.Script.toLong(a.get(1), "Buffer");
        long length = ntspec.wdm.Script.toLong(a.get(2), "Length");
        IoFunc.Request[] r = new IoFunc.Request[1];
        world.act(() -> {
            KEvent event = ov != 0 ? beginOverlapped(ov) : null;
            // The OVERLAPPED's Offset/OffsetHigh are the ByteOffset kernel32 passes.
            Long byteOffset = ov != 0 ? machine().mm.read(ov + 0x10, 8) : null;
            r[0] = machine().io.func.NtReadWriteFile(api.equals("ReadFile"), f, event, 0, machine().io.win32.apcContextOf(ov), iosb, buffer,
                    length, byteOffset);
        });
        if (r[0] != null) world.names.put(var, r[0]);
    }

    // ------------------------------------------------------------------ completion ports, user APCs, alertable waits

    /** The process's user routines live in its image, "app" in app.exe. */
    private ntspec.ke.CodeImage userImage(String process) {
        world.process(process);
        return machine().kernel.userImage(process + ".exe");
    }

    @Given("^\"([^\"]+)\" has an? (FileIOCompletionRoutine|APCProc) \"(\\w+)\":$")
    public void userRoutine(String process, String kind, String name, DataTable body) {
        List<String> statements = Tables.statements(body, "has a " + kind + " \"" + name + "\":");
        if (world.names.containsKey(name)) throw new IllegalArgumentException("\"" + name + "\" already names something in this scenario");
        Object routine = kind.equals("APCProc")
                ? (ntspec.io.Win32.APCProc) parameter -> userBody(statements, java.util.Map.of("Parameter", parameter))
                : (ntspec.io.Win32.FileIOCompletionRoutine) (error, bytes, overlapped) -> userBody(statements, java.util.Map.of(
                        "dwErrorCode", (long) error, "dwNumberOfBytesTransfered", bytes,
                        "lpOverlapped", new ntspec.wdm.Script.TypedRef(ntspec.io.Win32.OVERLAPPED, overlapped)));
        long address = machine().kernel.registerRoutine(userImage(process), name, routine);
        world.names.put(name, address);
    }

    /** A user routine's statements, seeing its parameters; the names it assigns are the scenario's. */
    private void userBody(List<String> statements, java.util.Map<String, Object> parameters) {
        new ntspec.wdm.Script(world.driver(), world.names, new java.util.LinkedHashMap<>(parameters)).executeBlock(statements);
    }

    /** A user routine named by the scenario ('"app" has an APCProc "OnApc":'), as its code address. */
    private long userRoutineArgument(String process, Object v, String what, String form) {
        long address = ntspec.wdm.Script.toLong(v, what + " of " + form);
        Object r = machine().kernel.routineAt(address);
        if (!(r instanceof ntspec.io.Win32.APCProc) && !(r instanceof ntspec.io.Win32.FileIOCompletionRoutine)) {
            throw new IllegalArgumentException(what + " of " + form + " must name a routine of the process, defined with '\"" + process
                    + "\" has an APCProc \"OnApc\":' or '\"" + process + "\" has a FileIOCompletionRoutine \"OnRead\":', not "
                    + ntspec.wdm.Script.describe(v));
        }
        return address;
    }

    /** hThread: GetCurrentThread() or the name of a thread of the scenario. */
    private KThread threadArgument(String process, String text, String form) {
        String t = text.trim();
        if (t.equals("GetCurrentThread()")) return world.threads.get(process);
        KThread thread = world.threads.get(t.replace("\"", ""));
        if (thread == null) {
            throw new IllegalArgumentException("hThread of " + form + " is GetCurrentThread() or the name of a thread of the scenario ("
                    + String.join(", ", world.threads.keySet()) + "), not " + t);
        }
        return thread;
    }

    /** A port handle: what CreateIoCompletionPort returned. */
    private long portArgument(Object v, String form) {
        return ntspec.wdm.Script.toLong(v, "CompletionPort of " + form);
    }

    private Handle fileOrInvalid(Object v, String form) {
        if (v instanceof Handle h) return h;
        if (ntspec.wdm.Script.toLong(v, "FileHandle of " + form) == -1L) return null;
        throw new IllegalArgumentException("the first argument of " + form + " is a handle opened with '\"app\" opens \"\\Device\\Name\" "
                + "overlapped as h' or INVALID_HANDLE_VALUE, not " + ntspec.wdm.Script.describe(v));
    }

    @When("^\"([^\"]+)\" calls (CreateIoCompletionPort|PostQueuedCompletionStatus|SetFileCompletionNotificationModes|QueueUserAPC|SleepEx"
            + "|WaitForSingleObjectEx)\\((.+)\\) as (\\w+)$")
    public void win32Call(String process, String api, String argText, String var) {
        String form = switch (api) {
            case "CreateIoCompletionPort" -> "CreateIoCompletionPort(FileHandle or INVALID_HANDLE_VALUE, ExistingCompletionPort or NULL, CompletionKey, NumberOfConcurrentThreads)";
            case "PostQueuedCompletionStatus" -> "PostQueuedCompletionStatus(CompletionPort, dwNumberOfBytesTransferred, dwCompletionKey, lpOverlapped)";
            case "SetFileCompletionNotificationModes" -> "SetFileCompletionNotificationModes(FileHandle, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS | FILE_SKIP_SET_EVENT_ON_HANDLE)";
            case "QueueUserAPC" -> "QueueUserAPC(OnApc, GetCurrentThread() or a thread's name, dwData)";
            case "SleepEx" -> "SleepEx(dwMilliseconds or INFINITE, bAlertable)";
            default -> "WaitForSingleObjectEx(event or file handle, dwMilliseconds or INFINITE, bAlertable)";
        };
        int count = switch (api) {
            case "SetFileCompletionNotificationModes", "SleepEx" -> 2;
            case "QueueUserAPC", "WaitForSingleObjectEx" -> 3;
            default -> 4;
        };
        List<String> raw = split(argText, count, count, form);
        List<Object> a = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            a.add(api.equals("QueueUserAPC") && i == 1 ? null : world.script().evaluate(raw.get(i).trim()));
        }
        java.util.function.IntFunction<Long> n = i -> ntspec.wdm.Script.toLong(a.get(i), "argument " + (i + 1) + " of " + form);
        var win32 = machine().io.win32;
        java.util.function.Supplier<ntspec.io.Win32.Call> call = switch (api) {
            case "CreateIoCompletionPort" -> {
                Handle f = fileOrInvalid(a.get(0), form);
                long existing = portArgument(a.get(1), form);
                long key = n.apply(2);
                int threads = (int) (long) n.apply(3);
                yield () -> win32.CreateIoCompletionPort(f, existing, key, threads);
            }
            case "PostQueuedCompletionStatus" -> {
                long port = portArgument(a.get(0), form);
                long bytes = n.apply(1);
                long key = n.apply(2);
                long ov = n.apply(3);
                yield () -> win32.PostQueuedCompletionStatus(port, bytes, key, ov);
            }
            case "SetFileCompletionNotificationModes" -> {
                Handle f = handle(a.get(0), form);
                int flags = (int) (long) n.apply(1);
                yield () -> win32.SetFileCompletionNotificationModes(f, flags);
            }
            case "QueueUserAPC" -> {
                long function = userRoutineArgument(process, a.get(0), "pfnAPC", form);
                KThread thread = threadArgument(process, raw.get(1), form);
                long data = n.apply(2);
                yield () -> win32.QueueUserAPC(function, thread, data);
            }
            case "SleepEx" -> {
                long ms = n.apply(0);
                boolean alertable = n.apply(1) != 0;
                yield () -> win32.SleepEx(ms, alertable);
            }
            default -> {
                KEvent object;
                if (a.get(0) instanceof KEvent e) object = e;
                else if (a.get(0) instanceof Handle h) object = h.file().Event();
                else throw new IllegalArgumentException("the first argument of " + form + " is an event ('\"app\" creates an event as ev') "
                        + "or a file handle, not " + ntspec.wdm.Script.describe(a.get(0)));
                long ms = n.apply(1);
                boolean alertable = n.apply(2) != 0;
                yield () -> win32.WaitForSingleObjectEx(object, ms, alertable);
            }
        };
        runAs(process);
        ntspec.io.Win32.Call[] r = new ntspec.io.Win32.Call[1];
        world.act(() -> r[0] = call.get());
        if (r[0] != null) world.names.put(var, r[0]);
    }

    @When("^\"([^\"]+)\" calls GetQueuedCompletionStatus\\((.+)\\) as (\\w+)$")
    public void getQueuedCompletionStatus(String process, String argText, String var) {
        String form = "GetQueuedCompletionStatus(CompletionPort, dwMilliseconds or INFINITE): the step provides lpNumberOfBytesTransferred, "
                + "lpCompletionKey and lpOverlapped in the caller's memory (q->NumberOfBytesTransferred, q->CompletionKey, q->Overlapped)";
        List<Object> a = args(argText, 2, 2, form);
        long port = portArgument(a.get(0), form);
        long ms = ntspec.wdm.Script.toLong(a.get(1), "dwMilliseconds of " + form);
        long outputs = newIosb(world.process(process));
        runAs(process);
        ntspec.io.Win32.QueuedStatus[] q = new ntspec.io.Win32.QueuedStatus[1];
        world.act(() -> q[0] = machine().io.win32.GetQueuedCompletionStatus(port, outputs, ms));
        if (q[0] != null) world.names.put(var, q[0]);
    }

    @When("^\"([^\"]+)\" calls (ReadFileEx|WriteFileEx)\\((.+)\\) as (\\w+)$")
    public void readWriteEx(String process, String api, String argText, String var) {
        String form = api + "(h, Buffer, Length, &ov, OnRead)";
        List<Object> a = args(argText, 5, 5, form);
        Handle f = handle(a.get(0), form);
        long buffer = ntspec.wdm.Script.toLong(a.get(1), "Buffer of " + form);
        long length = ntspec.wdm.Script.toLong(a.get(2), "Length of " + form);
        long ov = ntspec.wdm.Script.toLong(a.get(3), "lpOverlapped of " + form);
        long routine = userRoutineArgument(process, a.get(4), "lpCompletionRoutine", form);
        runAs(process);
        IoFunc.Request[] r = new IoFunc.Request[1];
        world.act(() -> r[0] = machine().io.win32.ReadWriteFileEx(api.equals("ReadFileEx"), f, buffer, length, ov, routine));
        if (r[0] != null) world.names.put(var, r[0]);
    }

    @When("^\"([^\"]+)\" calls GetOverlappedResultEx\\((.+)\\) as (\\w+)$")
    public void getOverlappedResultEx(String process, String argText, String var) {
        String form = "GetOverlappedResultEx(h, &ov, dwMilliseconds or INFINITE, bAlertable)";
        List<Object> a = args(argText, 4, 4, form);
        Handle f = handle(a.get(0), form);
        long ov = ntspec.wdm.Script.toLong(a.get(1), "lpOverlapped of " + form);
        long ms = ntspec.wdm.Script.toLong(a.get(2), "dwMilliseconds of " + form);
        boolean alertable = ntspec.wdm.Script.toLong(a.get(3), "bAlertable of " + form) != 0;
        runAs(process);
        ntspec.io.Win32.Result[] g = new ntspec.io.Win32.Result[1];
        world.act(() -> g[0] = machine().io.win32.GetOverlappedResultEx(f, ov, ms, alertable));
        if (g[0] != null) world.names.put(var, g[0]);
    }

    @Given("^\"([^\"]+)\" starts a thread \"([^\"]+)\"$")
    public void startsThread(String process, String thread) {
        EProcess p = world.process(process);
        if (world.processes.containsKey(thread)) throw new IllegalArgumentException("\"" + thread + "\" already names a process or thread");
        KThread t = machine().ps.PsCreateThread(p);
        world.processes.put(thread, p);
        world.threads.put(thread, t);
    }

    @When("^\"([^\"]+)\" calls (CancelIo|CancelIoEx)\\((.+)\\) as (\\w+)$")
    public void cancelIo(String process, String api, String argText, String var) {
        boolean ex = api.equals("CancelIoEx");
        String form = ex ? "CancelIoEx(h, lpOverlapped): lpOverlapped NULL or a request named by an earlier call (as r)" : "CancelIo(h)";
        List<Object> a = args(argText, ex ? 2 : 1, form);
        Handle f = handle(a.get(0), form);
        long iosb = 0;
        if (ex && a.get(1) instanceof IoFunc.Request r) iosb = r.iosb;
        else if (ex && ntspec.wdm.Script.toLong(a.get(1), "lpOverlapped") != 0) {
            throw new IllegalArgumentException("the second argument of " + form + " was " + ntspec.wdm.Script.describe(a.get(1)));
        }
        runAs(process);
        long overlapped = iosb;
        ntspec.io.IoCancel.CancelRequest[] r = new ntspec.io.IoCancel.CancelRequest[1];
        world.act(() -> r[0] = ex ? machine().io.cancel.NtCancelIoFileEx(f, overlapped) : machine().io.cancel.NtCancelIoFile(f));
        if (r[0] != null) world.names.put(var, r[0]);
    }

    @When("^\"([^\"]+)\" closes (\\w+)$")
    public void closes(String process, String var) {
        Handle f = handle(world.script().evaluate(var), "CloseHandle(h)");
        runAs(process);
        world.act(() -> machine().io.file.NtClose(f));
    }

    // ------------------------------------------------------------------ the trace

    @Then("^the trace shows, in order:$")
    public void traceInOrder(DataTable expected) {
        List<Trace.Event> events = machine().trace.events();
        int from = 0;
        for (String want : Tables.statements(expected, "the trace shows, in order:")) {
            String w = want.trim();
            int found = -1;
            for (int i = from; i < events.size(); i++) {
                if (events.get(i).format().contains(w)) {
                    found = i;
                    break;
                }
            }
            assertThat(found).as("an event containing \"%s\" after event %d of the trace:%n%s", w, from, machine().trace.format(400)).isNotNegative();
            from = found + 1;
        }
    }
}
