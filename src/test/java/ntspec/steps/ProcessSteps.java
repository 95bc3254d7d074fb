package ntspec.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import java.nio.charset.StandardCharsets;
import ntspec.Machine;
import ntspec.ke.KThread;
import ntspec.ke.NtStatus;
import ntspec.mm.EProcess;
import ntspec.mm.Protection;
import ntspec.mm.VirtualMemory;
import ntspec.wdm.Script;

/** User processes: creating them, their memory, what they read and write, trimming and exit. */
public final class ProcessSteps {
    private final World world;

    public ProcessSteps(World world) {
        this.world = world;
    }

    private Machine machine() {
        return world.machine();
    }

    @Given("^a user process \"([^\"]+)\"$")
    public void userProcess(String name) {
        EProcess p = machine().ps.PsCreateProcess(name);
        KThread t = machine().ps.PsCreateThread(p);
        world.processes.put(name, p);
        world.threads.put(name, t);
        world.names.put(name, p);
        machine().kernel.setCurrentProcessor(0);
        machine().kernel.switchTo(t);
    }

    @Given("^\"([^\"]+)\" is running on processor (\\d+)$")
    public void runsOn(String name, int cpu) {
        world.process(name);
        machine().kernel.setCurrentProcessor(cpu);
        machine().kernel.switchTo(world.threads.get(name));
    }

    @Given("^\"([^\"]+)\" allocates (.+) of (PAGE_[A-Z_| ]+) memory as (\\w+)$")
    public void allocates(String name, String size, String protection, String var) {
        allocate(name, size, protection, var, Protection.MEM_COMMIT | Protection.MEM_RESERVE, 0);
    }

    @Given("^\"([^\"]+)\" allocates (.+) of (PAGE_[A-Z_| ]+) memory at (\\S+) as (\\w+)$")
    public void allocatesAt(String name, String size, String protection, String at, String var) {
        allocate(name, size, protection, var, Protection.MEM_COMMIT | Protection.MEM_RESERVE, world.script().evaluateLong(at));
    }

    @Given("^\"([^\"]+)\" reserves (.+) of (PAGE_[A-Z_| ]+) memory as (\\w+)$")
    public void reserves(String name, String size, String protection, String var) {
        allocate(name, size, protection, var, Protection.MEM_RESERVE, 0);
    }

    private void allocate(String name, String size, String protection, String var, int type, long at) {
        EProcess p = world.process(name);
        int prot = (int) world.script().evaluateLong(protection);
        VirtualMemory.Result r = machine().mm.vm.NtAllocateVirtualMemory(p, at, Sizes.parse(size), type, prot);
        assertThat(r.status()).as("NtAllocateVirtualMemory returned %s", NtStatus.name(r.status())).isEqualTo(NtStatus.STATUS_SUCCESS);
        world.names.put(var, r.base());
    }

    @Given("^\"([^\"]+)\" (?:changes the protection of|protects) (\\S+) for (.+) to (PAGE_[A-Z_| ]+)$")
    public void protect(String name, String at, String size, String protection) {
        VirtualMemory.Result r = machine().mm.vm.NtProtectVirtualMemory(world.process(name), world.script().evaluateLong(at),
                Sizes.parse(size), (int) world.script().evaluateLong(protection));
        assertThat(r.status()).as("NtProtectVirtualMemory returned %s", NtStatus.name(r.status())).isEqualTo(NtStatus.STATUS_SUCCESS);
    }

    @When("^\"([^\"]+)\" frees (\\S+)$")
    public void frees(String name, String at) {
        VirtualMemory.Result r = machine().mm.vm.NtFreeVirtualMemory(world.process(name), world.script().evaluateLong(at), 0,
                Protection.MEM_RELEASE);
        world.names.put("lastStatus", (long) r.status());
    }

    /**
     * A user-mode access made by the process's own thread; an exception is delivered to that thread.
     * Returns the exception's status, 0 when the access completed; remembered for "caught".
     */
    private int asUser(String name, Runnable access) {
        EProcess p = world.process(name);
        if (machine().kernel.currentProcess() != p) machine().kernel.switchTo(world.threads.get(name));
        int[] caught = {0};
        world.act(() -> machine().kernel.tryExcept(access, code -> caught[0] = code));
        world.userCaught.put(name, caught[0]);
        return caught[0];
    }

    /** A setup access must succeed: a fault there is a mistake in the scenario, not an outcome. */
    private void mustSucceed(String name, String what, int caught) {
        if (caught != 0) {
            throw new IllegalStateException("\"" + name + "\" " + what + " raised " + NtStatus.name(caught)
                    + "; a setup step must succeed. When the fault is the point, write '\"" + name + "\" tries to write ...' "
                    + "and assert it with '\"" + name + "\" caught " + NtStatus.name(caught) + "'");
        }
    }

    @Given("^\"([^\"]+)\" writes \"([^\"]*)\" at (\\S+)$")
    public void writes(String name, String text, String at) {
        long va = world.script().evaluateLong(at);
        mustSucceed(name, "writing at " + at, asUser(name, () -> machine().mm.write(va, text.getBytes(StandardCharsets.ISO_8859_1), true)));
    }

    @When("^\"([^\"]+)\" tries to write \"([^\"]*)\" at (\\S+)$")
    public void triesToWrite(String name, String text, String at) {
        long va = world.script().evaluateLong(at);
        asUser(name, () -> machine().mm.write(va, text.getBytes(StandardCharsets.ISO_8859_1), true));
    }

    @Given("^\"([^\"]+)\" touches every page of (\\S+) for (.+)$")
    public void touches(String name, String at, String size) {
        long va = world.script().evaluateLong(at);
        long len = Sizes.parse(size);
        mustSucceed(name, "touching " + at, asUser(name, () -> {
            for (long off = 0; off < len; off += 0x1000) {
                machine().mm.writeByte(va + off, machine().mm.readByte(va + off, true), true);
            }
        }));
    }

    @When("^\"([^\"]+)\" reads (\\S+)$")
    public void readsAt(String name, String at) {
        long va = world.script().evaluateLong(at);
        asUser(name, () -> machine().mm.readByte(va, true));
    }

    @Then("^\"([^\"]+)\" reads \"([^\"]*)\" at (\\S+)$")
    public void readsText(String name, String text, String at) {
        long va = world.script().evaluateLong(at);
        byte[][] got = new byte[1][];
        int caught = asUser(name, () -> got[0] = machine().mm.read(va, text.length(), true));
        assertThat(caught == 0 ? "no exception" : NtStatus.name(caught)).as("\"%s\" reading at %s", name, at).isEqualTo("no exception");
        assertThat(new String(got[0], StandardCharsets.ISO_8859_1)).as("what \"%s\" reads at %s", name, at).isEqualTo(text);
    }

    @Then("^\"([^\"]+)\" (?:got|caught) (STATUS_\\w+)$")
    public void caught(String name, String status) {
        world.process(name);
        Integer code = world.userCaught.get(name);
        if (code == null) {
            throw new IllegalStateException("\"" + name + "\" made no user-mode access yet; write '\"" + name + "\" reads ...' "
                    + "or '\"" + name + "\" tries to write ...' before asserting what it caught");
        }
        assertThat(code == 0 ? "no exception" : NtStatus.name(code)).as("exception delivered to \"%s\" by its last access", name)
                .isEqualTo(status);
    }

    @Given("^the working set of \"([^\"]+)\" is trimmed$")
    public void trimmed(String name) {
        machine().mm.trimWorkingSet(world.process(name), false);
    }

    @Given("^the working set of \"([^\"]+)\" is trimmed to the paging file$")
    public void trimmedToPagingFile(String name) {
        machine().mm.trimWorkingSet(world.process(name), true);
    }

    @Given("^the system working set is trimmed$")
    public void systemTrimmed() {
        machine().mm.trimSystemWorkingSet(false);
    }

    @Given("^the system working set is trimmed to the paging file$")
    public void systemTrimmedToPagingFile() {
        machine().mm.trimSystemWorkingSet(true);
    }

    @When("^\"([^\"]+)\" exits$")
    public void exits(String name) {
        EProcess p = world.process(name);
        world.act(() -> machine().ps.PspExitProcess(p));
    }

    Script script() {
        return world.script();
    }
}
