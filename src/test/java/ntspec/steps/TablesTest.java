package ntspec.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.cucumber.datatable.DataTable;
import java.util.List;
import org.junit.jupiter.api.Test;

class TablesTest {
    @Test
    void oneStatementPerRow() {
        assertThat(Tables.statements(DataTable.create(List.of(List.of("a = 1"), List.of(" b = 2 "))), "runs:")).containsExactly("a = 1", "b = 2");
    }

    @Test
    void aTableWithoutStatementsOrARowWithoutCellsIsRefusedWithTheReason() {
        assertThat(catchThrowable(() -> Tables.statements(DataTable.create(List.of(List.of())), "the driver calls:")))
                .hasMessageContaining("closing |");
        assertThat(catchThrowable(() -> Tables.statements(DataTable.emptyDataTable(), "the driver calls:")))
                .hasMessageContaining("holds no statement").hasMessageContaining("closing |");
        assertThat(catchThrowable(() -> Tables.statements(DataTable.create(List.of(List.of("a", "b"))), "runs:")))
                .hasMessageContaining("one statement per row");
    }
}
