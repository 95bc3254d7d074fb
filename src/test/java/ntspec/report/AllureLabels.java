package ntspec.report;

import io.cucumber.plugin.ConcurrentEventListener;
import io.cucumber.plugin.event.EventPublisher;
import io.cucumber.plugin.event.TestCaseStarted;
import io.qameta.allure.Allure;
import io.qameta.allure.AllureLifecycle;
import io.qameta.allure.model.Label;
import io.qameta.allure.model.Link;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Groups the Allure report: the first of the tags {@code @forum}, {@code @mm}, {@code @io} becomes the epic, and
 * every {@code @ddi:Name} a link to that DDI's Microsoft reference page.
 *
 * <p>A Cucumber plugin rather than a {@code @Before} hook: allure-cucumber7-jvm runs hooks as
 * fixtures, where {@code Allure.epic(...)} finds no running test case and is silently dropped. The
 * plugin updates the test case by its id (allure-cucumber7-jvm uses the Cucumber test case id as
 * the Allure uuid), so it must be registered after {@code AllureCucumber7Jvm} in
 * {@code cucumber.plugin}; handlers run in registration order on the scenario's thread.
 */
public final class AllureLabels implements ConcurrentEventListener {
    /** DDIs documented under ntifs.h rather than wdm.h. */
    private static final Set<String> NTIFS = Set.of("NtDeviceIoControlFile", "NtReadFile", "NtWriteFile",
            "NtAllocateVirtualMemory", "NtFreeVirtualMemory", "NtProtectVirtualMemory", "NtFsControlFile",
            "KeStackAttachProcess", "KeUnstackDetachProcess", "MmProbeAndLockProcessPages", "IoGetRelatedDeviceObject");
    /** DDIs documented under ntddk.h. */
    private static final Set<String> NTDDK = Set.of("MmAllocateContiguousMemory", "MmAllocateContiguousMemorySpecifyCache",
            "MmFreeContiguousMemory", "MmAllocateNonCachedMemory", "MmFreeNonCachedMemory", "MmIsAddressValid", "MmGetPhysicalAddress");

    private final AllureLifecycle lifecycle;

    public AllureLabels() {
        this(Allure.getLifecycle());
    }

    AllureLabels(AllureLifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public void setEventPublisher(EventPublisher publisher) {
        publisher.registerHandlerFor(TestCaseStarted.class, this::label);
    }

    private void label(TestCaseStarted event) {
        List<Label> labels = new ArrayList<>();
        List<Link> links = new ArrayList<>();
        for (String tag : event.getTestCase().getTags()) {
            String epic = epic(tag);
            // One epic per scenario, from its first epic tag (feature tags come first).
            if (epic != null && labels.isEmpty()) labels.add(new Label().setName("epic").setValue(epic));
            if (tag.startsWith("@ddi:")) {
                String ddi = tag.substring("@ddi:".length());
                links.add(new Link().setName(ddi).setUrl(ddiPage(ddi)).setType("link"));
            }
        }
        lifecycle.updateTestCase(event.getTestCase().getId().toString(), result -> {
            // allure-cucumber7-jvm makes each scenario its own story: a Behaviors level holding one
            // scenario each. Epic > feature > scenario reads better.
            result.getLabels().removeIf(l -> "story".equals(l.getName()));
            result.getLabels().addAll(labels);
            result.getLinks().addAll(links);
        });
    }

    static String epic(String tag) {
        return switch (tag) {
            case "@forum" -> "The ntdev thread (2006)";
            case "@mm" -> "Memory manager";
            case "@io" -> "I/O manager";
            case "@misuse" -> "Misuse: what wrong driver code does";
            case "@verifier" -> "Driver Verifier and the checked kernel";
            default -> null;
        };
    }

    static String ddiPage(String ddi) {
        String header = NTIFS.contains(ddi) ? "ntifs" : NTDDK.contains(ddi) ? "ntddk" : "wdm";
        return "https://learn.microsoft.com/windows-hardware/drivers/ddi/" + header + "/nf-" + header + "-"
                + ddi.toLowerCase(Locale.ROOT);
    }
}
