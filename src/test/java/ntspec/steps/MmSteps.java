package ntspec.steps;

import io.cucumber.java.en.Given;
import ntspec.mm.Mdl;
import ntspec.mm.MmLayout;

/**
 * MDLs a driver builds itself: storage from nonpaged pool (as {@code ExAllocatePoolWithTag(
 * NonPagedPool, MmSizeOfMdl(base, length), ...)} would give) initialised with MmInitializeMdl,
 * which, unlike IoAllocateMdl, accepts any length, including 0.
 */
public final class MmSteps {
    private final World world;

    public MmSteps(World world) {
        this.world = world;
    }

    @Given("^an MDL \"(\\w+)\" describing (\\S+) bytes at (\\S+)$")
    public void mdlDescribing(String name, String length, String at) {
        long base = world.script().evaluateLong(at);
        long bytes = world.script().evaluateLong(length);
        world.act(() -> world.driver().runAsDriver("scenario", () -> {
            Mdl mdl = world.machine().mm.mdl.allocate((int) Math.max(1, Math.min(MmLayout.spanPages(base, bytes), 1 << 20)));
            world.driver().MmInitializeMdl(mdl, base, bytes);
            world.names.put(name, mdl);
        }));
    }
}
