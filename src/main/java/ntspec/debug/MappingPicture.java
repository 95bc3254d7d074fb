package ntspec.debug;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import ntspec.Machine;
import ntspec.hw.Pte;
import ntspec.mm.Mdl;
import ntspec.mm.MmLayout;
import ntspec.mm.Pfn;

/**
 * An SVG picture of what the scenario's MDLs describe: on the left each MDL's pages (its virtual
 * range), in the middle the physical frames its PFN array names, on the right its system mapping
 * (MappedSystemVa), with a line from each page to its frame. Locked frames are drawn bold, frames
 * on the free or zeroed list struck through. Read from memory as the debugger reads it; at most
 * 16 pages an MDL.
 */
public final class MappingPicture {
    private static final int ROW = 22;
    private static final int MAX_PAGES = 16;

    private MappingPicture() {
    }

    private record Edge(int fromRow, long pfn, boolean system) {
    }

    /** The picture for the named MDLs, or null when none describes a page. */
    public static String svg(Machine machine, Map<String, Mdl> mdls) {
        List<String> left = new ArrayList<>();
        List<String> right = new ArrayList<>();
        List<Edge> edges = new ArrayList<>();
        Map<Long, Integer> frames = new LinkedHashMap<>();
        var db = machine.mm.pfnDb;
        for (var e : mdls.entrySet()) {
            Mdl m = e.getValue();
            Long flags = new Debugger(machine).read(m.address + 0xA, 2);
            if (flags == null) continue;
            boolean hasPages = (flags & (Mdl.MDL_PAGES_LOCKED | Mdl.MDL_SOURCE_IS_NONPAGED_POOL | Mdl.MDL_PARTIAL)) != 0;
            if (!hasPages) continue;
            long pages = Math.min(MAX_PAGES, m.pageCount());
            long start = MmLayout.pageAlign(m.StartVa());
            long sys = (flags & Mdl.MDL_MAPPED_TO_SYSTEM_VA) != 0 ? MmLayout.pageAlign(m.MappedSystemVa()) : 0;
            for (long i = 0; i < pages; i++) {
                long pfn = m.pfn(i);
                if (pfn == Mdl.LIST_HEAD) break;
                frames.putIfAbsent(pfn, frames.size());
                edges.add(new Edge(left.size(), pfn, false));
                left.add(String.format("%s +%d  %x", e.getKey(), i, start + (i << 12)));
                if (sys != 0) {
                    long pte = machine.mm.readPte(sys + (i << 12));
                    if (Pte.isValid(pte)) {
                        frames.putIfAbsent(Pte.pfn(pte), frames.size());
                        edges.add(new Edge(right.size(), Pte.pfn(pte), true));
                        right.add(String.format("%s->MappedSystemVa +%d  %x", e.getKey(), i, sys + (i << 12)));
                    }
                }
            }
        }
        if (frames.isEmpty()) return null;
        int rows = Math.max(Math.max(left.size(), right.size()), frames.size());
        int width = 900;
        int height = 40 + rows * ROW;
        StringBuilder b = new StringBuilder();
        b.append(String.format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"monospace\" font-size=\"12\">%n", width, height));
        b.append("<text x=\"10\" y=\"16\" font-weight=\"bold\">MDL pages</text><text x=\"370\" y=\"16\" font-weight=\"bold\">frames (PFN)</text>"
                + "<text x=\"620\" y=\"16\" font-weight=\"bold\">system mapping</text>\n");
        for (Edge e : edges) {
            int fy = 30 + frames.get(e.pfn) * ROW;
            int y = 30 + e.fromRow * ROW;
            if (e.system) b.append(String.format("<line x1=\"610\" y1=\"%d\" x2=\"490\" y2=\"%d\" stroke=\"#3366cc\"/>%n", y, fy));
            else b.append(String.format("<line x1=\"260\" y1=\"%d\" x2=\"370\" y2=\"%d\" stroke=\"#888\"/>%n", y, fy));
        }
        for (int i = 0; i < left.size(); i++) b.append(String.format("<text x=\"10\" y=\"%d\">%s</text>%n", 34 + i * ROW, xml(left.get(i))));
        for (int i = 0; i < right.size(); i++) b.append(String.format("<text x=\"620\" y=\"%d\">%s</text>%n", 34 + i * ROW, xml(right.get(i))));
        for (var f : frames.entrySet()) {
            long pfn = f.getKey();
            int y = 30 + f.getValue() * ROW;
            boolean locked = db.lockCount(pfn) > 0;
            byte where = db.exists(pfn) ? db.location(pfn) : Pfn.ACTIVE_AND_VALID;
            boolean free = where == Pfn.FREE_PAGE_LIST || where == Pfn.ZERO_PAGE_LIST;
            b.append(String.format("<rect x=\"370\" y=\"%d\" width=\"120\" height=\"16\" fill=\"%s\" stroke=\"#333\" stroke-width=\"%d\"/>%n",
                    y - 12, free ? "#fdd" : locked ? "#dfd" : "#eee", locked ? 3 : 1));
            b.append(String.format("<text x=\"376\" y=\"%d\">%x%s</text>%n", y, pfn, locked ? " locked" : free ? " free" : ""));
            if (free) b.append(String.format("<line x1=\"370\" y1=\"%d\" x2=\"490\" y2=\"%d\" stroke=\"#c00\" stroke-width=\"2\"/>%n", y - 4, y - 4));
        }
        return b.append("</svg>\n").toString();
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
