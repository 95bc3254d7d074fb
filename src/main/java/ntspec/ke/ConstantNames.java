package ntspec.ke;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/** The names of a class's {@code public static final int} constants, by value (for dumps and the script language). */
final class ConstantNames {
    private ConstantNames() {
    }

    /**
     * Value to name for the int constants of {@code type} whose names {@code named} accepts; where
     * two share a value, the first declared keeps it, or the last when {@code lastWins}.
     */
    static Map<Integer, String> of(Class<?> type, Predicate<String> named, boolean lastWins) {
        Map<Integer, String> m = new TreeMap<>();
        for (var f : type.getFields()) {
            if (f.getType() != int.class || !named.test(f.getName())) continue;
            try {
                if (lastWins) m.put(f.getInt(null), f.getName());
                else m.putIfAbsent(f.getInt(null), f.getName());
            } catch (IllegalAccessException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
        return Collections.unmodifiableMap(m);
    }

    /** The same map turned round: name to value, in name order. */
    static Map<String, Integer> byName(Map<Integer, String> names) {
        Map<String, Integer> m = new TreeMap<>();
        names.forEach((v, n) -> m.put(n, v));
        return m;
    }
}
