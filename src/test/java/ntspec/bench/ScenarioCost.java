package ntspec.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a scenario costs against the same steps on no-op glue: runs every feature of features/
 * through Cucumber's command line with the Allure plugin, on one thread, alternately against the
 * real glue (ntspec.steps: the machine, the hooks and their attachments, this project's plugins)
 * and against {@link ntspec.bench.noop.NoOpSteps}, after warm-up rounds, and prints the medians
 * and their ratio. Arguments: rounds (default 7), warm-up rounds (default 3).
 *
 * <pre>mvn -B -ntp -Pbench -DskipTests test-compile exec:exec -Dbench.main=ntspec.bench.ScenarioCost -Dbench.args=""</pre>
 */
public final class ScenarioCost {
    private ScenarioCost() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path results = Files.createTempDirectory("ntspec-bench-allure");
        System.setProperty("allure.results.directory", results.toString());
        String[] common = {"--threads", "1", "--no-summary", "--plugin", "io.qameta.allure.cucumber7jvm.AllureCucumber7Jvm", "features"};
        List<Long> real = new ArrayList<>();
        List<Long> noop = new ArrayList<>();
        Durations realScenarios = new Durations();
        Durations noopScenarios = new Durations();
        for (int i = 0; i < warmup + rounds; i++) {
            boolean measured = i >= warmup;
            long r = run("ntspec.steps", common, true, measured ? realScenarios : null);
            long n = run("ntspec.bench.noop", common, false, measured ? noopScenarios : null);
            if (measured) {
                real.add(r);
                noop.add(n);
            }
            System.out.printf("round %d%s: real glue %d ms, no-op glue %d ms%n", i + 1, measured ? "" : " (warm-up)", r / 1_000_000, n / 1_000_000);
        }
        long r = median(real);
        long n = median(noop);
        System.out.printf("features/ on one thread with Allure, median of %d rounds: real glue %.0f ms, no-op glue %.0f ms, ratio %.2f%n",
                rounds, r / 1e6, n / 1e6, (double) r / n);
        List<double[]> ratios = new ArrayList<>();
        List<String> keys = new ArrayList<>(realScenarios.byScenario.keySet());
        for (String k : keys) {
            ratios.add(new double[] {(double) realScenarios.byScenario.get(k) / Math.max(1, noopScenarios.byScenario.getOrDefault(k, 1L)), keys.indexOf(k)});
        }
        ratios.sort(java.util.Comparator.comparingDouble(x -> x[0]));
        int count = ratios.size();
        System.out.printf("per scenario (%d), real / no-op: median %.2f, 75th percentile %.2f, 90th %.2f, share within 1.5x %.0f%%%n", count,
                ratios.get(count / 2)[0], ratios.get(count * 3 / 4)[0], ratios.get(count * 9 / 10)[0],
                100.0 * ratios.stream().filter(x -> x[0] <= 1.5).count() / count);
        System.out.println("the 5 costliest against their no-op run:");
        for (int i = count - 1; i >= Math.max(0, count - 5); i--) {
            String k = keys.get((int) ratios.get(i)[1]);
            System.out.printf("  %6.1fx  %7.2f ms  %s  %s%n", ratios.get(i)[0], realScenarios.byScenario.get(k) / 1e6 / rounds, k, realScenarios.names.get(k));
        }
    }

    /** Each scenario's duration, by its place in features/ (uri:line), in nanoseconds, summed over rounds. */
    static final class Durations implements io.cucumber.plugin.ConcurrentEventListener {
        final java.util.Map<String, Long> byScenario = new java.util.TreeMap<>();
        final java.util.Map<String, String> names = new java.util.HashMap<>();

        @Override
        public void setEventPublisher(io.cucumber.plugin.event.EventPublisher publisher) {
            publisher.registerHandlerFor(io.cucumber.plugin.event.TestCaseFinished.class, e -> {
                String key = e.getTestCase().getUri().getPath().replaceFirst(".*/features/", "features/") + ":" + e.getTestCase().getLocation().getLine();
                byScenario.merge(key, e.getResult().getDuration().toNanos(), Long::sum);
                names.put(key, e.getTestCase().getName());
            });
        }
    }

    private static long run(String glue, String[] common, boolean plugins, Durations durations) {
        List<String> argv = new ArrayList<>(List.of("--glue", glue));
        if (plugins) argv.addAll(List.of("--plugin", "ntspec.report.AllureLabels", "--plugin", "ntspec.report.AllureEnvironment"));
        argv.addAll(List.of(common));
        io.cucumber.core.options.RuntimeOptions options = new io.cucumber.core.options.CommandlineOptionsParser(System.out)
                .parse(argv.toArray(String[]::new)).build();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        io.cucumber.core.runtime.Runtime.Builder builder = io.cucumber.core.runtime.Runtime.builder()
                .withRuntimeOptions(options).withClassLoader(() -> loader);
        if (durations != null) builder.withAdditionalPlugins(durations);
        io.cucumber.core.runtime.Runtime runtime = builder.build();
        long t = System.nanoTime();
        runtime.run();
        long elapsed = System.nanoTime() - t;
        if (runtime.exitStatus() != 0) throw new IllegalStateException("features/ failed against " + glue);
        return elapsed;
    }

    private static long median(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
