package ntspec.trace;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The machine's event trace: every DDI call, page fault, IRQL change, PTE write, TLB flush and
 * bug check, in the order the machine did them. One per machine; the debug package renders it.
 *
 * <p>Events keep their raw numbers and format lazily, so recording a PTE write on the per-page path
 * costs one small object, not a string.
 */
public final class Trace {

    /** What kind of thing happened. */
    public enum Kind { DDI, RETURN, RAISE, FAULT, IRQL, PTE, TLB, PFN, BUGCHECK, NOTE }

    /** One event. {@code text} is a fixed label; {@code a, b, c} are numbers shown in hex. */
    public record Event(long seq, Kind kind, String text, long a, long b, long c, int argCount) {
        public String format() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("%5d %-8s ", seq, kind));
            sb.append(text);
            if (argCount > 0) sb.append(' ').append(hex(a));
            if (argCount > 1) sb.append(' ').append(hex(b));
            if (argCount > 2) sb.append(' ').append(hex(c));
            return sb.toString();
        }
    }

    private final List<Event> events = new ArrayList<>();
    private final boolean recordPteWrites;
    private long seq;

    public Trace(boolean recordPteWrites) {
        this.recordPteWrites = recordPteWrites;
    }

    public boolean recordsPteWrites() {
        return recordPteWrites;
    }

    public void add(Kind kind, String text) {
        events.add(new Event(++seq, kind, text, 0, 0, 0, 0));
    }

    public void add(Kind kind, String text, long a) {
        events.add(new Event(++seq, kind, text, a, 0, 0, 1));
    }

    public void add(Kind kind, String text, long a, long b) {
        events.add(new Event(++seq, kind, text, a, b, 0, 2));
    }

    public void add(Kind kind, String text, long a, long b, long c) {
        events.add(new Event(++seq, kind, text, a, b, c, 3));
    }

    /** A PTE write: {@code pteAddress} physical address of the entry, the VA it maps, new contents. */
    public void pteWrite(long pteAddress, long va, long value) {
        if (recordPteWrites) events.add(new Event(++seq, Kind.PTE, "write", pteAddress, va, value, 3));
    }

    public List<Event> events() {
        return Collections.unmodifiableList(events);
    }

    public int size() {
        return events.size();
    }

    /** Events recorded after {@code mark} (a value of {@link #size()} taken earlier). */
    public List<Event> since(int mark) {
        return Collections.unmodifiableList(events.subList(Math.min(mark, events.size()), events.size()));
    }

    public String format() {
        StringBuilder sb = new StringBuilder();
        for (Event e : events) sb.append(e.format()).append('\n');
        return sb.toString();
    }

    public static String hex(long v) {
        return "0x" + Long.toHexString(v).toUpperCase();
    }
}
