package ntspec.ke;

import java.util.Map;

/** Bug-check codes (bugcodes.h; https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-code-reference2). */
public final class BugCheckCode {
    private BugCheckCode() {}

    public static final int APC_INDEX_MISMATCH = 0x01;
    public static final int IRQL_NOT_GREATER_OR_EQUAL = 0x09;
    public static final int IRQL_NOT_LESS_OR_EQUAL = 0x0A;
    public static final int MEMORY_MANAGEMENT = 0x1A;
    public static final int KMODE_EXCEPTION_NOT_HANDLED = 0x1E;
    public static final int NO_MORE_SYSTEM_PTES = 0x3F;
    public static final int TARGET_MDL_TOO_SMALL = 0x40;
    public static final int NO_MORE_IRP_STACK_LOCATIONS = 0x35;
    public static final int MULTIPLE_IRP_COMPLETE_REQUESTS = 0x44;
    public static final int PFN_LIST_CORRUPT = 0x4E;
    public static final int PAGE_FAULT_IN_NONPAGED_AREA = 0x50;
    public static final int PROCESS_HAS_LOCKED_PAGES = 0x76;
    public static final int ATTEMPTED_WRITE_TO_READONLY_MEMORY = 0xBE;
    public static final int BAD_POOL_CALLER = 0xC2;
    public static final int DRIVER_VERIFIER_DETECTED_VIOLATION = 0xC4;
    public static final int DRIVER_VERIFIER_IOMANAGER_VIOLATION = 0xC9;
    public static final int DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS = 0xCB;
    public static final int DRIVER_IRQL_NOT_LESS_OR_EQUAL = 0xD1;
    public static final int SYSTEM_PTE_MISUSE = 0xDA;
    public static final int ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY = 0xFC;
    public static final int BAD_POOL_HEADER = 0x19;
    public static final int SYSTEM_SERVICE_EXCEPTION = 0x3B;
    public static final int SYSTEM_THREAD_EXCEPTION_NOT_HANDLED = 0x7E;
    public static final int DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS = 0xCE;
    public static final int DPC_WATCHDOG_VIOLATION = 0x133;
    public static final int ATTEMPTED_SWITCH_FROM_DPC = 0xB8;
    public static final int SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION = 0xC1;
    public static final int PAGE_FAULT_IN_FREED_SPECIAL_POOL = 0xCC;
    public static final int PAGE_FAULT_BEYOND_END_OF_ALLOCATION = 0xCD;
    public static final int DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL = 0xD5;
    public static final int DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION = 0xD6;
    public static final int SYSTEM_SCAN_AT_RAISED_IRQL_CAUGHT_IMPROPER_DRIVER_UNLOAD = 0xD4;
    public static final int DRIVER_CORRUPTED_SYSPTES = 0xDB;
    public static final int DRIVER_USED_EXCESSIVE_PTES = 0xD8;
    /** 0x48: IoCancelIrp found a cancel routine on an IRP that was already completed (IRP, cancel routine, 0, 0). */
    public static final int CANCEL_STATE_IN_COMPLETED_IRP = 0x48;
    /** 0x139: a __fastfail, e.g. FAST_FAIL_CORRUPT_LIST_ENTRY (3) from RemoveEntryList's link check. */
    public static final int KERNEL_SECURITY_CHECK_FAILURE = 0x139;

    private static final Map<Integer, String> NAMES = ConstantNames.of(BugCheckCode.class, n -> true, true);

    public static String name(int code) {
        return NAMES.getOrDefault(code, String.format("BUGCHECK_0x%X", code));
    }

    public static Map<String, Integer> byName() {
        return ConstantNames.byName(NAMES);
    }
}
