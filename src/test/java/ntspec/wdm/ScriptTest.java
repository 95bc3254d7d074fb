package ntspec.wdm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import ntspec.TestMachine;
import ntspec.mm.Mdl;
import ntspec.mm.Protection;
import org.junit.jupiter.api.Test;

/** The statement language of scenario tables: it calls the facade, and bad input names the accepted forms. */
class ScriptTest {
    private final TestMachine t = new TestMachine();
    private final Map<String, Object> vars = new HashMap<>();
    private final Script script = new Script(t.wdm, vars);

    @Test
    void aDdiCallBindsItsResultAndFieldsReadTheMachine() {
        long va = t.allocate(0x2000, Protection.PAGE_READWRITE);
        vars.put("buf", va);
        script.execute("mdl = IoAllocateMdl(buf + 0x10, 0x1000, FALSE, FALSE, NULL)");
        assertThat(vars.get("mdl")).isInstanceOf(Mdl.class);
        t.asDriver(() -> script.execute("MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)"));
        assertThat(script.evaluateLong("mdl->MdlFlags & MDL_PAGES_LOCKED")).isEqualTo(Mdl.MDL_PAGES_LOCKED);
        assertThat(script.evaluateLong("mdl->ByteOffset")).isEqualTo(0x10);
        assertThat(script.evaluateLong("MmGetMdlByteCount(mdl)")).isEqualTo(0x1000);
        assertThat(script.evaluateLong("MmSystemLockPagesCount")).isEqualTo(2);
    }

    @Test
    void andAndOrShortCircuitAsInC() {
        // The right operand would read address 0 (a page fault): C never evaluates it.
        assertThat(script.evaluateLong("0 && *(PULONG)0")).isZero();
        assertThat(script.evaluateLong("1 || *(PULONG)0")).isEqualTo(1);
        assertThat(script.evaluateLong("(0 && *(PULONG)0) || 2 == 2")).isEqualTo(1);
        assertThat(t.machine.bugCheck()).isNull();
    }

    @Test
    void addressOfAMemberCastsAndContainingRecord() {
        long head = t.machine.mm.pool.allocateObject(0x10, ntspec.mm.Pool.tag("Test"));
        vars.put("head", head);
        script.execute("InitializeListHead(head)");
        assertThat(script.evaluateLong("((PLIST_ENTRY)head)->Flink")).isEqualTo(head);
        script.execute("irp = IoAllocateIrp(1, FALSE)");
        long irp = ((ntspec.io.Irp) vars.get("irp")).address;
        assertThat(script.evaluateLong("&irp->Tail.Overlay.ListEntry")).isEqualTo(irp + 0xA8);
        assertThat(script.evaluateLong("CONTAINING_RECORD(&irp->Tail.Overlay.ListEntry, IRP, Tail.Overlay.ListEntry)")).isEqualTo(irp);
        assertThatThrownBy(() -> script.evaluate("&irp->StackCount")).isInstanceOf(Script.ScriptException.class)
                .hasMessageContaining("& takes the address of a structure member");
    }

    @Test
    void aStoreChangesTheMdlField() {
        long va = t.allocate(0x1000, Protection.PAGE_READWRITE);
        vars.put("buf", va);
        script.execute("mdl = IoAllocateMdl(buf, 0x100, FALSE, FALSE, NULL)");
        script.execute("mdl->MdlFlags = mdl->MdlFlags | MDL_MAPPING_CAN_FAIL");
        assertThat(((Mdl) vars.get("mdl")).hasFlag(Mdl.MDL_MAPPING_CAN_FAIL)).isTrue();
    }

    @Test
    void anUnknownDdiListsTheAcceptedOnes() {
        assertThatThrownBy(() -> script.execute("MmLockPagesPlease(1)"))
                .isInstanceOf(Script.ScriptException.class)
                .hasMessageContaining("unknown DDI 'MmLockPagesPlease'")
                .hasMessageContaining("MmProbeAndLockPages");
    }

    @Test
    void theWrongNumberOfArgumentsShowsTheSignature() {
        assertThatThrownBy(() -> script.execute("MmUnlockPages()"))
                .isInstanceOf(Script.ScriptException.class)
                .hasMessageContaining("MmUnlockPages takes 1");
    }

    @Test
    void anUnknownNameListsConstantsMachineValuesAndNumbers() {
        assertThatThrownBy(() -> script.evaluate("NoSuchThing + 1"))
                .hasMessageContaining("unknown name 'NoSuchThing'")
                .hasMessageContaining("a wdm.h constant")
                .hasMessageContaining("FreeSystemPtes")
                .hasMessageContaining("0x1000");
    }

    @Test
    void malformedSyntaxNamesTheColumnAndTheAcceptedForms() {
        assertThatThrownBy(() -> script.execute("x = (1 + "))
                .hasMessageContaining("column")
                .hasMessageContaining("Accepted forms");
        assertThatThrownBy(() -> script.execute("x = 0xZZ"))
                .isInstanceOf(Script.ScriptException.class);
    }

    @Test
    void constantsCannotBeAssigned() {
        assertThatThrownBy(() -> script.execute("MDL_PAGES_LOCKED = 3"))
                .hasMessageContaining("cannot assign to MDL_PAGES_LOCKED");
    }

    @Test
    void constantsHaveTheirWdmValues() {
        assertThat(script.evaluateLong("MDL_MAPPED_TO_SYSTEM_VA")).isEqualTo(1);
        assertThat(script.evaluateLong("MDL_PAGES_LOCKED")).isEqualTo(2);
        assertThat(script.evaluateLong("STATUS_ACCESS_VIOLATION")).as("NTSTATUS is a signed LONG").isEqualTo((long) 0xC0000005);
        assertThat(Script.same(script.evaluate("STATUS_ACCESS_VIOLATION"), 0xC0000005L)).as("equal as 32-bit values").isTrue();
        assertThat(script.evaluateLong("DISPATCH_LEVEL")).isEqualTo(2);
        assertThat(script.evaluateLong("SYSTEM_PTE_MISUSE")).isEqualTo(0xDA);
    }

    @Test
    void misspeltNamesGetTheNearestOneAndBlocksNameTheRow() {
        assertThatThrownBy(() -> script.execute("p = ExAllocatePoolWithTagg(NonPagedPool, 0x10, 0x74736554)"))
                .hasMessageContaining("unknown DDI 'ExAllocatePoolWithTagg' (did you mean ExAllocatePoolWithTag?)");
        assertThatThrownBy(() -> script.evaluateLong("NonPagedPol"))
                .hasMessageContaining("(did you mean NonPagedPool?)");
        Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> t.asDriver(() ->
                script.executeBlock(java.util.List.of("a = 1", "b = Nope(1)"))));
        assertThat(e).hasMessageStartingWith("row 2, | b = Nope(1) |:");
        assertThat(e.getStackTrace()).as("a script error carries no parser frames").isEmpty();
    }

    @Test
    void aConstantOfAnotherKindIsRefusedWithTheParametersTypeAndItsNames() {
        long va = t.allocate(0x1000, Protection.PAGE_READWRITE);
        vars.put("buf", va);
        script.execute("mdl = IoAllocateMdl(buf, 0x100, FALSE, FALSE, NULL)");
        assertThatThrownBy(() -> script.execute("MmProbeAndLockPages(mdl, IoReadAccess, UserMode)"))
                .hasMessageContaining("accessMode (argument 2) is a KPROCESSOR_MODE (KernelMode, UserMode); IoReadAccess is a LOCK_OPERATION");
        assertThatThrownBy(() -> script.execute("MmProbeAndLockPages(mdl, UserMode, PAGE_READWRITE)"))
                .hasMessageContaining("operation (argument 3) is a LOCK_OPERATION").hasMessageContaining("PAGE_READWRITE is a page protection");
        assertThatThrownBy(() -> script.execute("p = ExAllocatePoolWithTag(NormalPagePriority, 0x10, 0x74736554)"))
                .hasMessageContaining("poolType (argument 1) is a POOL_TYPE");
    }

    @Test
    void cOperatorsWithCPrecedenceCharacterConstantsAndSizeof() {
        assertThat(script.evaluateLong("1 + 2 * 3")).isEqualTo(7);
        assertThat(script.evaluateLong("(1 + 2) * 3")).isEqualTo(9);
        assertThat(script.evaluateLong("0x1000 >> 4 | 1 << 1")).isEqualTo(0x102);
        assertThat(script.evaluateLong("17 % 5 + 17 / 5")).isEqualTo(5);
        assertThat(script.evaluateLong("1 < 2 && 3 >= 3")).isEqualTo(1);
        assertThat(script.evaluateLong("0 || 2 > 3")).isEqualTo(0);
        assertThat(script.evaluateLong("0xFFFFFFFFFFFFF000 > 0x1000")).as("unsigned, as addresses compare").isEqualTo(1);
        assertThat(script.evaluateLong("'Test'")).isEqualTo(0x54657374L);
        assertThat(script.evaluateLong("sizeof(MDL)")).isEqualTo(0x30);
        assertThat(script.evaluateLong("sizeof(IRP)")).isEqualTo(0xD0);
        assertThat(script.evaluateLong("sizeof(IO_STACK_LOCATION)")).isEqualTo(0x48);
        assertThat(script.evaluateLong("sizeof(PFN_NUMBER)")).isEqualTo(8);
        assertThatThrownBy(() -> script.evaluateLong("1 / 0")).hasMessageContaining("division by zero");
        assertThatThrownBy(() -> script.evaluateLong("sizeof(NOPE)")).hasMessageContaining("not a type this machine lays out");
    }

    @Test
    void typedPointersReadAndWriteMemoryAsTheDriversCodeDoes() {
        t.asDriver(() -> script.execute("p = ExAllocatePoolWithTag(NonPagedPool, 0x20, 'tseT')"));
        t.asDriver(() -> script.execute("*(PULONG)p = 0x11223344"));
        t.asDriver(() -> script.execute("*(PUCHAR)(p + 4) = 0x55"));
        assertThat(script.evaluateLong("*(PULONG)p")).isEqualTo(0x11223344L);
        assertThat(script.evaluateLong("*(PUCHAR)(p + 1)")).isEqualTo(0x33);
        assertThat(script.evaluateLong("((PUSHORT)p)[1]")).isEqualTo(0x1122);
        assertThat(script.evaluateLong("((PUCHAR)p)[4]")).isEqualTo(0x55);
        assertThatThrownBy(() -> script.evaluateLong("*p")).hasMessageContaining("typed pointer");
    }

    @Test
    void tryExceptRunsTheHandlerWithTheCaughtCodeAndExAllocatePoolIsTheMacro() {
        t.asDriver(() -> script.execute("__try { x = 1; MmProbeAndLockPages(NULL, KernelMode, IoReadAccess); x = 2 }"
                + " __except (EXCEPTION_EXECUTE_HANDLER) { code = GetExceptionCode() }"));
        assertThat(vars.get("x")).isEqualTo(1L);
        assertThat(script.evaluateLong("code")).isEqualTo(script.evaluateLong("STATUS_ACCESS_VIOLATION"));
        assertThatThrownBy(() -> script.evaluateLong("GetExceptionCode()")).hasMessageContaining("only valid inside an __except block");
        t.asDriver(() -> script.execute("p = ExAllocatePool(NonPagedPool, 0x20)"));
        assertThat(script.evaluateLong("pool(p)->Tag")).isEqualTo(script.evaluateLong("'enoN'"));
    }

    @Test
    void ifElseBlocksAndBoundedLoops() {
        script.execute("s = 0");
        script.execute("for (i = 0; i < 10; i = i + 1) { s = s + i; t2 = i }");
        assertThat(script.evaluateLong("s")).isEqualTo(45);
        script.execute("while (s > 40) s = s - 1");
        assertThat(script.evaluateLong("s")).isEqualTo(40);
        script.execute("if (s == 40) { a = 1; b = 2 } else { a = 3 }");
        assertThat(script.evaluateLong("a + b")).isEqualTo(3);
        script.execute("if (s != 40) a = 7 else a = 8");
        assertThat(script.evaluateLong("a")).isEqualTo(8);
        assertThatThrownBy(() -> script.execute("while (1) s = s + 1")).hasMessageContaining("give it a bound");
    }

    @Test
    void wdmAddressAndSizeMacros() {
        assertThat(script.evaluateLong("PAGE_ALIGN(0x12345)")).isEqualTo(0x12000);
        assertThat(script.evaluateLong("BYTE_OFFSET(0x12345)")).isEqualTo(0x345);
        assertThat(script.evaluateLong("BYTES_TO_PAGES(0x1001)")).isEqualTo(2);
        assertThat(script.evaluateLong("ROUND_TO_PAGES(0x1001)")).isEqualTo(0x2000);
        assertThat(script.evaluateLong("ADDRESS_AND_SIZE_TO_SPAN_PAGES(0xFFF, 2)")).isEqualTo(2);
    }

    @Test
    void aBlockMaySpanRowsAsCIsWritten() {
        java.util.List<String> rows = java.util.List.of(
                "s = 0",
                "for (i = 0; i < 4; i++) {",
                "    s = s + i;",
                "    if (s > 2) {",
                "        big = 1",
                "    } else {",
                "        big = 0",
                "    }",
                "}",
                "if (s == 6) {",
                "    r = 1",
                "}",
                "else {",
                "    r = 2",
                "}");
        assertThat(Script.statements(rows)).extracting(Script.Statement::firstRow, Script.Statement::lastRow)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, 1), org.assertj.core.groups.Tuple.tuple(2, 9),
                        org.assertj.core.groups.Tuple.tuple(10, 15));
        assertThat(Script.statements(java.util.List.of("msg = \"{ not a block\"", "c = '{'"))).hasSize(2);
        script.executeBlock(rows);
        assertThat(script.evaluateLong("s")).isEqualTo(6);
        assertThat(script.evaluateLong("big")).isEqualTo(1);
        assertThat(script.evaluateLong("r")).isEqualTo(1);
    }

    @Test
    void aBlockThatNeverClosesOrABraceThatClosesNothingNamesItsRow() {
        assertThatThrownBy(() -> Script.statements(java.util.List.of("a = 1", "if (a == 1) {", "b = 2")))
                .hasMessageContaining("row 2, | if (a == 1) { |").hasMessageContaining("never closes");
        assertThatThrownBy(() -> Script.statements(java.util.List.of("a = 1", "}")))
                .hasMessageContaining("row 2").hasMessageContaining("closes no block");
        assertThatThrownBy(() -> script.executeBlock(java.util.List.of("a = 1", "if (a == 1) {", "b = NoSuchName", "}")))
                .hasMessageStartingWith("rows 2-4, | if (a == 1) { b = NoSuchName } |");
    }

    @Test
    void incrementsAndCompoundAssignmentsAreTheAssignmentsTheyStandFor() {
        assertThat(Script.desugar("i++")).isEqualTo("i = i + 1");
        assertThat(Script.desugar("--n")).isEqualTo("n = n - 1");
        assertThat(Script.desugar("mdl->MdlFlags |= MDL_MAPPING_CAN_FAIL")).isEqualTo("mdl->MdlFlags = mdl->MdlFlags | (MDL_MAPPING_CAN_FAIL)");
        assertThat(Script.desugar("x <<= 2")).isEqualTo("x = x << (2)");
        assertThat(Script.desugar("a = b <= c")).isEqualTo("a = b <= c");
        assertThat(Script.desugar("if (a) b += 1")).isEqualTo("if (a) b += 1");
        script.execute("x = 5");
        script.execute("x *= 3");
        script.execute("x -= 1");
        script.execute("x++");
        script.execute("if (x == 15) x += 100");
        assertThat(script.evaluateLong("x")).isEqualTo(115);
    }

    @Test
    void pointerArithmeticIsCs() {
        long va = t.allocate(0x2000, Protection.PAGE_READWRITE);
        vars.put("buf", va);
        script.execute("mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL)");
        long mdl = ((Mdl) vars.get("mdl")).address;
        assertThat(script.evaluateLong("mdl + 1")).isEqualTo(mdl + 0x30);
        assertThat(script.evaluateLong("mdl + 1")).isEqualTo(script.evaluateLong("MmGetMdlPfnArray(mdl)"));
        assertThat(script.evaluateLong("(mdl + 2) - mdl")).isEqualTo(2);
        assertThat(script.evaluateLong("(ULONG_PTR)mdl + 0x28")).isEqualTo(mdl + 0x28);
        assertThat(script.evaluateLong("(PULONG)buf + 3")).isEqualTo(va + 12);
        assertThat(script.evaluateLong("((PULONG)buf + 3) - (PULONG)buf")).isEqualTo(3);
        assertThat(script.evaluateLong("buf + 3")).as("an address that is a number counts bytes").isEqualTo(va + 3);
        assertThat(script.evaluateLong("((PMDL)(ULONG_PTR)mdl)->ByteCount")).isEqualTo(0x2000);
        t.asDriver(() -> script.execute("MmProbeAndLockPages(mdl, UserMode, IoReadAccess)"));
        assertThat(script.evaluateLong("((PPFN_NUMBER)(mdl + 1))[1]")).isEqualTo(script.evaluateLong("MmGetMdlPfnArray(mdl)[1]"));
        script.execute("irp = IoAllocateIrp(2, FALSE)");
        assertThat(script.evaluateLong("(PIO_STACK_LOCATION)(irp + 1) + 2")).isEqualTo(script.evaluateLong("irp->Tail.Overlay.CurrentStackLocation"));
        assertThatThrownBy(() -> script.evaluateLong("mdl - irp")).hasMessageContaining("C subtracts pointers of one type only");
    }

    @Test
    void shortCircuitXorAndCsPrecedence() {
        vars.put("m", null);
        assertThat(script.evaluateLong("m != NULL && m->ByteCount > 0")).isZero();
        assertThat(script.evaluateLong("m == NULL || m->ByteCount > 0")).isEqualTo(1);
        script.execute("irp = IoAllocateIrp(1, FALSE)");
        assertThat(script.evaluateLong("0 && irp->Tail.Overlay.CurrentStackLocation->MajorFunction")).as("member paths are skipped whole").isZero();
        assertThat(script.evaluateLong("0 && MmGetMdlByteCount(m)")).isZero();
        assertThat(script.evaluateLong("1 && 2 || *(PULONG)0")).isEqualTo(1);
        assertThat(script.evaluateLong("0x0F ^ 0xFF")).isEqualTo(0xF0);
        assertThat(script.evaluateLong("0x2 & 0x2 == 2")).as("C: & binds looser than ==, the classic flag-test bug").isZero();
        assertThat(script.evaluateLong("(0x2 & 0x2) == 2")).isEqualTo(1);
        assertThat(script.evaluateLong("1 | 2 ^ 3 & 6")).as("& before ^ before |").isEqualTo(1 | (2 ^ (3 & 6)));
        assertThat(script.evaluateLong("1 << 4 > 8")).as("shifts bind tighter than comparisons").isEqualTo(1);
        assertThatThrownBy(() -> script.evaluateLong("0 && NoSuchName")).as("names are still checked where C would not evaluate")
                .isInstanceOf(Script.ScriptException.class);
    }
}
