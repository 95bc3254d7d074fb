package ntspec.steps;

import io.cucumber.datatable.DataTable;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the one-column tables of statements the steps take, refusing what would make a scenario do
 * nothing: Gherkin drops the text after a row's last `|`, so a row that lost its closing `|` has no
 * cell at all; a table of such rows holds no statement.
 */
final class Tables {
    private Tables() {
    }

    static List<String> statements(DataTable table, String step) {
        List<String> out = new ArrayList<>();
        List<List<String>> rows = table.cells();
        for (int i = 0; i < rows.size(); i++) {
            List<String> row = rows.get(i);
            if (row.isEmpty()) {
                throw new IllegalArgumentException("row " + (i + 1) + " of the table of '" + step + "' has no cell: every row needs"
                        + " its closing | (Gherkin drops the text after a row's last |), as in | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL) |");
            }
            if (row.size() != 1) {
                throw new IllegalArgumentException("row " + (i + 1) + " of the table of '" + step + "' has " + row.size()
                        + " cells; it takes one statement per row: | statement |");
            }
            String s = row.get(0) == null ? "" : row.get(0).trim();
            if (s.isEmpty()) throw new IllegalArgumentException("row " + (i + 1) + " of the table of '" + step + "' is empty");
            out.add(s);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("the table of '" + step + "' holds no statement: did a row lose its closing |?"
                    + " Gherkin drops the text after a row's last |; write | statement |");
        }
        return out;
    }
}
