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
            StringBuilder sb = new StringBuilder(80);
            appendTo(sb);
            return sb.toString();
        }

        /** Appends {@code "%5d %-8s text 0x.. 0x.. 0x.."}, without java.util.Formatter (the trace is long). */
        void appendTo(StringBuilder sb) {
            String n = Long.toString(seq);
            for (int i = n.length(); i < 5; i++) sb.append(' ');
            sb.append(n).append(' ');
            String k = kind.name();
            sb.append(k);
            for (int i = k.length(); i < 8; i++) sb.append(' ');
            sb.append(' ').append(text);
            if (argCount > 0) appendHex(sb.append(' '), a);
            if (argCount > 1) appendHex(sb.append(' '), b);
            if (argCount > 2) appendHex(sb.append(' '), c);
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

    /**
     * The trace as text, at most {@code maxEvents} events: a longer one (a 2 GiB mapping writes half
     * a million PTEs) keeps its first and last {@code maxEvents / 2} events around one line that
     * says how many events of which kinds were left out.
     */
    public String format(int maxEvents) {
        if (events.size() <= maxEvents) return format();
        int head = maxEvents / 2;
        int tail = maxEvents - head;
        StringBuilder sb = new StringBuilder();
        for (Event e : events.subList(0, head)) {
            e.appendTo(sb);
            sb.append('\n');
        }
        int[] byKind = new int[Kind.values().length];
        List<Event> middle = events.subList(head, events.size() - tail);
        for (Event e : middle) byKind[e.kind().ordinal()]++;
        sb.append(String.format(java.util.Locale.ROOT, "  ... %,d events left out here (", middle.size()));
        String sep = "";
        for (Kind k : Kind.values()) {
            if (byKind[k.ordinal()] == 0) continue;
            sb.append(sep).append(String.format(java.util.Locale.ROOT, "%,d %s", byKind[k.ordinal()], k));
            sep = ", ";
        }
        sb.append(String.format(java.util.Locale.ROOT, "); the trace has %,d in all ...\n", events.size()));
        for (Event e : events.subList(events.size() - tail, events.size())) {
            e.appendTo(sb);
            sb.append('\n');
        }
        return sb.toString();
    }

    public String format() {
        StringBuilder sb = new StringBuilder();
        for (Event e : events) {
            e.appendTo(sb);
            sb.append('\n');
        }
        return sb.toString();
    }

    private static final char[] DIGITS = "0123456789ABCDEF".toCharArray();

    public static String hex(long v) {
        return appendHex(new StringBuilder(18), v).toString();
    }

    /** Appends {@code 0x} and {@code v}'s upper-case hex digits, without leading zeros. */
    public static StringBuilder appendHex(StringBuilder sb, long v) {
        sb.append('0').append('x');
        int shift = v == 0 ? 0 : (63 - Long.numberOfLeadingZeros(v)) & ~3;
        for (; shift >= 0; shift -= 4) sb.append(DIGITS[(int) (v >>> shift) & 0xF]);
        return sb;
    }
}
