package ntspec.steps;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses sizes as steps write them: "64 GiB", "512 MiB", "16 KiB", "4096 bytes", "0x3000". */
final class Sizes {
    private Sizes() {}

    static final String FORMS = "a size such as 64 GiB, 512 MiB, 16 KiB, 4096 bytes, 4096 or 0x3000";
    private static final Pattern SIZE = Pattern.compile("(?i)\\s*(0x[0-9a-f]+|\\d+)\\s*(GiB|MiB|KiB|bytes?|pages?)?\\s*");

    static long parse(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) throw new IllegalArgumentException("'" + text + "' is not " + FORMS);
        String n = m.group(1);
        long v = n.toLowerCase().startsWith("0x") ? Long.parseUnsignedLong(n.substring(2), 16) : Long.parseLong(n);
        String unit = m.group(2) == null ? "" : m.group(2).toLowerCase();
        return switch (unit) {
            case "gib" -> v << 30;
            case "mib" -> v << 20;
            case "kib" -> v << 10;
            case "page", "pages" -> v << 12;
            default -> v;
        };
    }
}
