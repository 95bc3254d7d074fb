package ntspec.random;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;
import ntspec.Machine;
import ntspec.random.Harness.Kind;
import ntspec.random.Harness.Pick;

/**
 * Random sequences of DDI calls (MDL life cycles, kernel and user mappings, partial MDLs, pool,
 * IRQL, trims, process exit, IRPs) with live, stale, NULL, unaligned and huge arguments. After each
 * call: no Java exception escapes the machine and the conservation laws hold. A bug check ends a
 * sequence: it is an outcome, not a failure. At the end, once everything is released and every
 * process has exited, every counter is back at its boot value.
 *
 * <p>The seed is fixed so every build runs the same sequences. The normal build runs
 * {@code jqwik.tries.default} (2,000) sequences; the benchmark run raises it to 100,000 (see the
 * README). A shrunk failure prints the sequence as driver code: it becomes a scenario.
 */
class RandomDdiSequencesTest {
    static {
        // jqwik logs at INFO that its edge cases outnumber the tries: expected here, and noise in the build.
        java.util.logging.Logger.getLogger("net.jqwik").setLevel(java.util.logging.Level.WARNING);
    }

    @Property(seed = "20261125", shrinking = ShrinkingMode.BOUNDED)
    void randomDdiSequencesKeepTheMachineConsistent(@ForAll("machines") Machine.Config config,
                                                   @ForAll("sequences") List<Step> steps) {
        Harness h = new Harness(config);
        assertThat(h.violations()).as("at boot").isEmpty();
        int n = 0;
        for (Step step : steps) {
            n++;
            h.log.append(n).append(". ").append(step).append('\n');
            try {
                step.apply(h);
            } catch (Harness.NothingToPick e) {
                h.log.append("  (skipped: nothing to pick)\n");
            } catch (ntspec.ke.BugCheckException e) {
                // a bug check raised outside driver code (process exit, a trim): an outcome
            } catch (RuntimeException | Error e) {
                throw new AssertionError("Java exception escaped the machine at step " + n + ":\n" + h.log, e);
            }
            if (h.halted()) {
                Statistics.label("outcome").collect((h.machine.bugCheck() == null ? "hang" : "bug check "
                        + String.format("0x%X", h.machine.bugCheck().code())) + " at " + step.getClass().getSimpleName());
                return;
            }
            if (h.undetected != null) {
                Statistics.label("outcome").collect("undetected misuse: " + h.undetected);
                return;
            }
            List<String> v = h.violations();
            assertThat(v).as("after step %d:%n%s", n, h.log).isEmpty();
        }
        if (h.leaked) {
            Statistics.label("outcome").collect("misuse that leaks for good");
            return;
        }
        Statistics.label("outcome").collect("released to boot state");
        List<String> v;
        try {
            v = h.releaseEverything();
        } catch (RuntimeException | Error e) {
            throw new AssertionError("Java exception escaped while releasing:\n" + h.log, e);
        }
        assertThat(v).as("after releasing everything:%n%s", h.log).isEmpty();
    }

    @Provide
    Arbitrary<Machine.Config> machines() {
        Arbitrary<Long> memory = Arbitraries.of(16L << 20, 64L << 20, 4L << 30);
        Arbitrary<Long> ptes = Arbitraries.of(Machine.Config.DEFAULT_SYSTEM_PTES, 64L);
        Arbitrary<Integer> track = Arbitraries.of(0, 3);
        return Combinators.combine(memory, ptes, track).as((m, p, t) -> Machine.Config.defaults()
                .withPhysicalMemory(m).withSystemPtes(p).withPagingFile(16L << 20).withTrackPtes(t));
    }

    @Provide
    Arbitrary<List<Step>> sequences() {
        return step().list().ofMinSize(1).ofMaxSize(30);
    }

    static Arbitrary<Pick> pick() {
        Arbitrary<Kind> kind = Arbitraries.frequency(
                net.jqwik.api.Tuple.of(40, Kind.LIVE), net.jqwik.api.Tuple.of(2, Kind.STALE),
                net.jqwik.api.Tuple.of(1, Kind.NULL), net.jqwik.api.Tuple.of(1, Kind.UNALIGNED),
                net.jqwik.api.Tuple.of(1, Kind.HUGE));
        return Combinators.combine(kind, Arbitraries.integers().between(0, 7)).as(Pick::new);
    }

    /**
     * An index into one of Step's size tables, whose first {@code normal} entries are ordinary sizes
     * and the next {@code huge} ones huge: huge sizes come up one time in 40 per entry, so most
     * sequences run on a few pages and the huge ones still run in every build (a DDI costs time
     * in proportion to what it touches, and a 4 GiB request touches a million pages).
     */
    @SuppressWarnings("unchecked")
    static Arbitrary<Integer> size(int normal, int huge) {
        List<net.jqwik.api.Tuple.Tuple2<Integer, Arbitrary<Integer>>> choices = new java.util.ArrayList<>();
        choices.add(net.jqwik.api.Tuple.of(40, Arbitraries.integers().between(0, normal - 1)));
        choices.add(net.jqwik.api.Tuple.of(huge, Arbitraries.integers().between(normal, normal + huge - 1)));
        return Arbitraries.frequencyOf(choices.toArray(net.jqwik.api.Tuple.Tuple2[]::new));
    }

    static Arbitrary<Integer> small() {
        return Arbitraries.integers().between(0, 15);
    }

    static Arbitrary<Step> step() {
        Arbitrary<Boolean> b = Arbitraries.of(true, false);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Combinators.combine(Arbitraries.integers().between(1, 4), small()).as(Step.AllocBuffer::new)),
                net.jqwik.api.Tuple.of(3, Combinators.combine(pick(), Arbitraries.integers().between(0, 0x3FFF), b).as(Step.UserAccess::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(pick(), small()).as(Step.Protect::new)),
                net.jqwik.api.Tuple.of(2, pick().map(Step.FreeBuffer::new)),
                net.jqwik.api.Tuple.of(8, Combinators.combine(pick(), Arbitraries.integers().between(0, 0x1FFF), size(6, 2),
                        pick().injectNull(0.7)).as(Step.AllocMdl::new)),
                net.jqwik.api.Tuple.of(8, Combinators.combine(pick(), b, small()).as(Step.ProbeAndLock::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(pick(), small(), small()).as(Step.ProbeAndLockProcess::new)),
                net.jqwik.api.Tuple.of(6, pick().map(Step.Unlock::new)),
                net.jqwik.api.Tuple.of(5, Combinators.combine(pick(), b, small(), b, small()).as(Step.MapLocked::new)),
                net.jqwik.api.Tuple.of(4, pick().map(Step.GetSystemAddress::new)),
                net.jqwik.api.Tuple.of(4, Combinators.combine(pick(), small()).as(Step.Unmap::new)),
                net.jqwik.api.Tuple.of(2, pick().map(m -> new Step.MdlOnly(m, true))),
                net.jqwik.api.Tuple.of(3, Combinators.combine(size(3, 3), small(), small()).as(Step.AllocPages::new)),
                net.jqwik.api.Tuple.of(2, pick().map(Step.FreePages::new)),
                net.jqwik.api.Tuple.of(3, Combinators.combine(pick(), pick(), Arbitraries.integers().between(0, 0x3000), small())
                        .as(Step.BuildPartial::new)),
                net.jqwik.api.Tuple.of(2, pick().map(m -> new Step.MdlOnly(m, false))),
                net.jqwik.api.Tuple.of(5, pick().map(Step.FreeMdl::new)),
                net.jqwik.api.Tuple.of(4, Combinators.combine(b, size(5, 4)).as(Step.PoolAlloc::new)),
                net.jqwik.api.Tuple.of(3, pick().map(Step.PoolFree::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(b, small()).as(Step.Irql::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(b, b).as(Step.Trim::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new Step.NewProcess())),
                net.jqwik.api.Tuple.of(2, small().map(Step.Switch::new)),
                net.jqwik.api.Tuple.of(1, small().map(Step.Exit::new)),
                net.jqwik.api.Tuple.of(3, Combinators.combine(small(), b, b).as(Step.AllocIrp::new)),
                net.jqwik.api.Tuple.of(2, pick().map(Step.SendIrp::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(pick(), b).as(Step.CompleteIrp::new)),
                net.jqwik.api.Tuple.of(2, pick().map(Step.FreeIrp::new)),
                net.jqwik.api.Tuple.of(2, small().map(Step.ReserveMapping::new)),
                net.jqwik.api.Tuple.of(3, Combinators.combine(small(), pick()).as(Step.MapReserved::new)),
                net.jqwik.api.Tuple.of(2, small().map(Step.UnmapReserved::new)),
                net.jqwik.api.Tuple.of(1, small().map(Step.FreeReserved::new)),
                net.jqwik.api.Tuple.of(2, small().map(Step.AllocContiguous::new)),
                net.jqwik.api.Tuple.of(1, pick().map(Step.FreeContiguous::new)));
    }
}
