package ntspec.steps;

import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The regular expressions of every step definition in this package (the glue), read by reflection. */
public final class StepPatterns {
    private StepPatterns() {
    }

    public static List<Pattern> all() {
        try {
            Path dir = Path.of(StepPatterns.class.getResource("").toURI());
            List<Pattern> out = new ArrayList<>();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class")).sorted()::iterator) {
                    String name = "ntspec.steps." + dir.relativize(f).toString()
                            .replace(".class", "").replace(f.getFileSystem().getSeparator(), ".");
                    for (Method method : Class.forName(name).getDeclaredMethods()) {
                        for (Given a : method.getAnnotationsByType(Given.class)) out.add(regex(a.value()));
                        for (When a : method.getAnnotationsByType(When.class)) out.add(regex(a.value()));
                        for (Then a : method.getAnnotationsByType(Then.class)) out.add(regex(a.value()));
                    }
                }
            }
            return List.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException | ClassNotFoundException e) {
            throw new IllegalStateException("cannot read the step definitions", e);
        }
    }

    private static Pattern regex(String expression) {
        if (!expression.startsWith("^") || !expression.endsWith("$")) {
            throw new IllegalStateException("step definitions are regular expressions anchored with ^...$: " + expression);
        }
        return Pattern.compile(expression);
    }
}
