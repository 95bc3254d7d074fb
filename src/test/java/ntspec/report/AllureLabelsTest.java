package ntspec.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AllureLabelsTest {
    @Test
    void ddiTagsLinkToTheHeaderPageOfTheDdi() {
        assertThat(AllureLabels.ddiPage("MmProbeAndLockPages"))
                .isEqualTo("https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmprobeandlockpages");
        assertThat(AllureLabels.ddiPage("NtDeviceIoControlFile"))
                .isEqualTo("https://learn.microsoft.com/windows-hardware/drivers/ddi/ntifs/nf-ntifs-ntdeviceiocontrolfile");
    }

    @Test
    void componentTagsBecomeEpicsAndOthersDoNot() {
        assertThat(AllureLabels.epic("@mm")).isEqualTo("Memory manager");
        assertThat(AllureLabels.epic("@io")).isEqualTo("I/O manager");
        assertThat(AllureLabels.epic("@forum")).isEqualTo("The ntdev thread (2006)");
        assertThat(AllureLabels.epic("@misuse")).startsWith("Misuse");
        assertThat(AllureLabels.epic("@verifier")).isEqualTo("Driver Verifier and the checked kernel");
        assertThat(AllureLabels.epic("@ddi:MmUnlockPages")).isNull();
    }
}
