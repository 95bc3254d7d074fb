package ntspec.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.cucumber.datatable.DataTable;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import java.util.List;
import java.util.Map;
import ntspec.debug.Debugger;
import ntspec.ke.BugCheck;
import ntspec.ke.BugCheckCode;
import ntspec.mm.Mdl;
import ntspec.wdm.Script;

/**
 * Then steps: each evaluates expressions against the machine as it is now (MDL fields, PTEs,
 * PFN entries, pool and PTE counters, the bug-check record) and compares.
 */
public final class StateSteps {
    private final World world;

    public StateSteps(World world) {
        this.world = world;
    }

    /** Evaluates as the debugger reads the machine (no faults, no side effects). */
    private Object eval(String expression) {
        return world.check(() -> world.inspector().evaluate(expression));
    }

    private long evalLong(String expression) {
        return world.check(() -> world.inspector().evaluateLong(expression));
    }

    @Given("^(.+) is noted as (\\w+)$")
    public void note(String expression, String name) {
        world.names.put(name, eval(expression));
    }

    /**
     * {@code X is Y}, {@code X is not Y}, {@code X is greater than Y}, {@code X is less than Y} (unsigned): both sides are expressions
     * evaluated against the machine now.
     */
    @Then("^(?!the )(?!Driver Verifier )(?!\")(?!.* is noted as )(.+?) is (.+)$")
    public void compare(String left, String right) {
        Object l = eval(left);
        if (right.startsWith("not ")) {
            Object r = eval(right.substring(4));
            assertThat(Script.same(l, r)).as("%s is %s, which should differ from %s = %s", left, Script.describe(l),
                    right.substring(4), Script.describe(r)).isFalse();
        } else if (right.startsWith("greater than ") || right.startsWith("less than ")) {
            // Unsigned, as addresses compare: system addresses are above user addresses.
            boolean greater = right.startsWith("greater than ");
            String rightExpr = right.substring(greater ? 13 : 10);
            long r = evalLong(rightExpr);
            long lv = Script.toLong(l, left);
            int cmp = Long.compareUnsigned(lv, r);
            assertThat(greater ? cmp > 0 : cmp < 0).as("%s (0x%X) %s %s (0x%X)", left, lv, greater ? ">" : "<", rightExpr, r).isTrue();
        } else {
            Object r = eval(right);
            assertThat(Script.same(l, r)).as("%s is %s, expected %s = %s", left, Script.describe(l), right, Script.describe(r)).isTrue();
        }
    }

    @Then("^(.+?) (?:has|includes) (MDL_\\w+(?:\\s*\\|\\s*MDL_\\w+)*)$")
    public void hasFlags(String left, String flags) {
        long v = evalLong(left);
        long f = evalLong(flags);
        assertThat(v & f).as("%s is 0x%X (%s), which lacks %s", left, v, Mdl.flagNames((int) v), Mdl.flagNames((int) (f & ~v)))
                .isEqualTo(f);
    }

    @Then("^(.+?) (?:lacks|has no) (MDL_\\w+(?:\\s*\\|\\s*MDL_\\w+)*)$")
    public void lacksFlags(String left, String flags) {
        long v = evalLong(left);
        long f = evalLong(flags);
        assertThat(v & f).as("%s is 0x%X (%s), which has %s", left, v, Mdl.flagNames((int) v), Mdl.flagNames((int) (v & f)))
                .isZero();
    }

    @Then("^these hold:$")
    public void theseHold(DataTable table) {
        for (Map<String, String> row : table.asMaps()) {
            String left = row.get("expression");
            String right = row.get("value");
            if (left == null || right == null) {
                throw new IllegalArgumentException("the table needs the columns | expression | value |, got " + table.row(0));
            }
            compare(left, right);
        }
    }

    @Then("^the machine is running$")
    public void running() {
        BugCheck bc = world.machine().bugCheck();
        assertThat(bc).as("the machine should be running, but:%n%s", new Debugger(world.machine()).analyze()).isNull();
        assertThat(world.machine().kernel.hang()).as("the machine should be running, but a thread hung").isNull();
        assertThat(world.machine().kernel.assertion()).as("the machine should be running, but the checked kernel asserted").isNull();
    }

    @Then("^the checked kernel asserted \"([^\"]+)\" in (\\w+)$")
    public void asserted(String expression, String routine) {
        world.bugCheckExpected = true;
        var a = world.machine().kernel.assertion();
        assertThat(a).as("no assertion fired; the machine %s", world.machine().bugCheck() == null ? "is running" : "bug-checked: " + world.machine().bugCheck()).isNotNull();
        assertThat(a.expression()).as("the asserted expression").isEqualTo(expression);
        assertThat(a.routine()).as("the routine that asserted").contains(routine);
    }

    @Then("^the current thread hung in (\\w+)$")
    public void hung(String routine) {
        world.bugCheckExpected = true;
        String hang = world.machine().kernel.hang();
        assertThat(hang).as("no thread hung; the machine %s", world.machine().bugCheck() == null ? "is running" : "bug-checked: " + world.machine().bugCheck()).isNotNull();
        assertThat(hang).as("where the thread hung").startsWith(routine + " ");
    }

    @Then("^the machine bug-checked with (\\w+)(?: \\((.+)\\))?$")
    public void bugChecked(String name, String parameters) {
        world.bugCheckExpected = true;
        BugCheck bc = world.machine().bugCheck();
        assertThat(bc).as("the machine did not bug-check; expected %s", name).isNotNull();
        long code = evalLong(name);
        assertThat(bc.name()).as("bug check").isEqualTo(BugCheckCode.name((int) code));
        if (parameters == null) return;
        List<String> ps = splitArguments(parameters);
        if (ps.size() != 4) {
            throw new IllegalArgumentException("a bug check has four parameters; give four expressions, or * for any: (" + parameters + ")");
        }
        long[] actual = {bc.p1(), bc.p2(), bc.p3(), bc.p4()};
        for (int i = 0; i < 4; i++) {
            if (ps.get(i).equals("*")) continue;
            long expected = evalLong(ps.get(i));
            assertThat(actual[i]).as("parameter %d of %s is 0x%X, expected %s = 0x%X", i + 1, bc.name(), actual[i], ps.get(i), expected)
                    .isEqualTo(expected);
        }
    }

    static List<String> splitArguments(String s) {
        List<String> out = new java.util.ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '[') depth++;
            else if (c == ')' || c == ']') depth--;
            else if (c == ',' && depth == 0) {
                out.add(s.substring(start, i).trim());
                start = i + 1;
            }
        }
        out.add(s.substring(start).trim());
        return out;
    }
}
