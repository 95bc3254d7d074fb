package ntspec.steps;

import io.cucumber.java.en.Given;
import ntspec.Machine;

/** Describing the machine before it boots. */
public final class MachineSteps {
    private final World world;

    public MachineSteps(World world) {
        this.world = world;
    }

    @Given("^a machine$")
    public void aMachine() {
        world.machine();
    }

    @Given("^a machine with (.+) of physical memory$")
    public void withMemory(String size) {
        world.configure(world.config().withPhysicalMemory(Sizes.parse(size)));
        world.machine();
    }

    @Given("^the machine has (.+) of physical memory$")
    public void memory(String size) {
        world.configure(world.config().withPhysicalMemory(Sizes.parse(size)));
    }

    @Given("^the machine has (\\d+) processors?$")
    public void processors(int n) {
        world.configure(world.config().withProcessors(n));
    }

    @Given("^the machine has (.+) system PTEs$")
    public void systemPtes(String n) {
        world.configure(world.config().withSystemPtes(Sizes.parse(n)));
    }

    @Given("^the machine has a paging file of (.+)$")
    public void pagingFile(String size) {
        world.configure(world.config().withPagingFile(Sizes.parse(size)));
    }

    /** The checked kernel: the documented ASSERTs of the kernel's routines fire and stop the machine. */
    @Given("^the machine runs the checked kernel$")
    public void checkedKernel() {
        world.machine().kernel.setCheckedBuild(true);
    }

    /** TrackLockedPages = 1: who locked each MDL is recorded; an exit with pages locked is 0xCB naming the MDL. */
    @Given("^the machine tracks locked pages$")
    public void tracksLockedPages() {
        world.configure(world.config().withTrackLockedPages(true));
    }

    /** TrackPtes = 3: owners tracked and frees validated (SYSTEM_PTE_MISUSE types 1-5 become possible). */
    @Given("^the machine tracks system PTEs$")
    public void tracksPtes() {
        world.configure(world.config().withTrackPtes(3));
    }

    /** TrackPtes = 0, Windows's default: names the assumption (also once the machine has booted). */
    @Given("^the machine does not track system PTEs$")
    public void doesNotTrackPtes() {
        if (world.booted()) {
            if (world.machine().config.trackPtes() != 0) {
                throw new IllegalStateException("the machine booted with TrackPtes = " + world.machine().config.trackPtes());
            }
            return;
        }
        world.configure(world.config().withTrackPtes(0));
    }

    Machine machine() {
        return world.machine();
    }
}
