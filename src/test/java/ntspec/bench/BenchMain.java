package ntspec.bench;

import ntspec.Machine;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jol.info.GraphLayout;

/**
 * Runs the JMH benchmarks, then measures the heap an idle 64 GiB machine retains (JOL walks the
 * object graph reachable from the Machine). Arguments are JMH's own (e.g. {@code -f 1 -wi 1 -i 3}).
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        CommandLineOptions cli = new CommandLineOptions(args);
        OptionsBuilder builder = new OptionsBuilder();
        if (cli.getIncludes().isEmpty()) builder.include("ntspec\\.bench\\..*");
        Options options = builder.parent(cli).build();
        new Runner(options).run();
        // The machine holds lambdas (hidden classes); JOL reads their fields this way on JDK 17.
        System.setProperty("jol.magicFieldOffset", "true");
        for (long gib : new long[] {4, 64}) {
            Machine idle = new Machine(Machine.Config.defaults().withPhysicalMemory(gib * Machine.Config.GiB));
            long bytes = GraphLayout.parseInstance(idle).totalSize();
            System.out.printf("Retained heap of an idle %d GiB machine: %,d bytes (%.1f KiB)%n", gib, bytes, bytes / 1024.0);
        }
    }
}
