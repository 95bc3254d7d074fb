package ntspec.steps;

import io.cucumber.java.en.Given;
import ntspec.verifier.Verifier;

/** Driver Verifier settings: which driver images are verified, with which flags. */
public class VerifierSteps {
    private final World world;

    public VerifierSteps(World world) {
        this.world = world;
    }

    /**
     * {@code verifier /standard /driver X.sys} or {@code verifier /flags 0x... /driver X.sys},
     * effective from the next call (as {@code /volatile}). "the driver" is the image of the
     * scenario's own calls, ScenarioDriver.sys.
     */
    @Given("^Driver Verifier is enabled for (?:\"([^\"]+)\"|the driver) with (standard settings|flags \\S+?|options [^,]+(?:, [^,]+)*?)"
            + "(?:, failing (\\d+) in 10000 calls with seed (\\d+))?$")
    public void enabled(String image, String settings, String rate, String seed) {
        String flags = settings.startsWith("flags ") ? settings.substring(6) : null;
        int value = settings.startsWith("options ") ? Verifier.flagsOf(settings.substring(8))
                : flags == null ? Verifier.STANDARD_FLAGS : (int) world.script().evaluateLong(flags);
        if (flags != null && value == 0) {
            throw new IllegalArgumentException("flags 0 verify nothing; give the verifier /flags value, e.g. 0x209BB (standard settings)");
        }
        String name = image == null ? world.driver().imageName() : image;
        if (rate == null) world.machine().verifier.enable(name, value);
        else world.machine().verifier.enable(name, value, Integer.parseInt(rate), Long.parseLong(seed));
    }
}
