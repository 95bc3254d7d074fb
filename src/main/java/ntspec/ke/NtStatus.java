package ntspec.ke;

import java.util.Map;

/** NTSTATUS values the simulator uses (ntstatus.h; https://learn.microsoft.com/openspecs/windows_protocols/ms-erref/596a1078-e883-4972-9bbc-49e60bebca55). */
public final class NtStatus {
    private NtStatus() {}

    public static final int STATUS_SUCCESS = 0x00000000;
    public static final int STATUS_WAIT_1 = 0x00000001;
    /** STATUS_ABANDONED_WAIT_0: a wait on a queue whose object was closed (KeRundownQueue). */
    public static final int STATUS_ABANDONED_WAIT_0 = 0x00000080;
    /** STATUS_USER_APC: an alertable user-mode wait ended to deliver user APCs (WAIT_IO_COMPLETION). */
    public static final int STATUS_USER_APC = 0x000000C0;
    public static final int STATUS_KERNEL_APC = 0x00000100;
    public static final int STATUS_ALERTED = 0x00000101;
    public static final int STATUS_TIMEOUT = 0x00000102;
    public static final int STATUS_PENDING = 0x00000103;
    public static final int STATUS_OBJECT_NAME_EXISTS = 0x40000000;
    public static final int STATUS_GUARD_PAGE_VIOLATION = 0x80000001;
    public static final int STATUS_DATATYPE_MISALIGNMENT = 0x80000002;
    public static final int STATUS_BREAKPOINT = 0x80000003;
    public static final int STATUS_BUFFER_OVERFLOW = 0x80000005;
    public static final int STATUS_PARTIAL_COPY = 0x8000000D;
    public static final int STATUS_DEVICE_BUSY = 0x80000011;
    public static final int STATUS_VERIFY_REQUIRED = 0x80000016;
    public static final int STATUS_UNSUCCESSFUL = 0xC0000001;
    public static final int STATUS_NOT_IMPLEMENTED = 0xC0000002;
    public static final int STATUS_ACCESS_VIOLATION = 0xC0000005;
    public static final int STATUS_IN_PAGE_ERROR = 0xC0000006;
    public static final int STATUS_INVALID_HANDLE = 0xC0000008;
    public static final int STATUS_ILLEGAL_INSTRUCTION = 0xC000001D;
    public static final int STATUS_INVALID_PARAMETER = 0xC000000D;
    public static final int STATUS_INVALID_DEVICE_REQUEST = 0xC0000010;
    public static final int STATUS_END_OF_FILE = 0xC0000011;
    public static final int STATUS_MORE_PROCESSING_REQUIRED = 0xC0000016;
    public static final int STATUS_NO_MEMORY = 0xC0000017;
    public static final int STATUS_CONFLICTING_ADDRESSES = 0xC0000018;
    public static final int STATUS_NOT_MAPPED_VIEW = 0xC0000019;
    public static final int STATUS_UNABLE_TO_FREE_VM = 0xC000001A;
    public static final int STATUS_FREE_VM_NOT_AT_BASE = 0xC000009F;
    public static final int STATUS_UNABLE_TO_DELETE_SECTION = 0xC000001B;
    public static final int STATUS_NOT_COMMITTED = 0xC000002D;
    public static final int STATUS_ACCESS_DENIED = 0xC0000022;
    public static final int STATUS_BUFFER_TOO_SMALL = 0xC0000023;
    public static final int STATUS_MEMORY_NOT_ALLOCATED = 0xC00000A0;
    public static final int STATUS_INSUFFICIENT_RESOURCES = 0xC000009A;
    public static final int STATUS_WORKING_SET_QUOTA = 0xC00000A1;
    public static final int STATUS_NOT_SUPPORTED = 0xC00000BB;
    public static final int STATUS_INVALID_PAGE_PROTECTION = 0xC0000045;
    public static final int STATUS_PROCESS_IS_TERMINATING = 0xC000010A;
    public static final int STATUS_CANCELLED = 0xC0000120;
    public static final int STATUS_OBJECT_NAME_NOT_FOUND = 0xC0000034;
    public static final int STATUS_OBJECT_NAME_COLLISION = 0xC0000035;
    public static final int STATUS_INVALID_DEVICE_STATE = 0xC0000184;
    public static final int STATUS_INVALID_ADDRESS = 0xC0000141;
    public static final int STATUS_DATATYPE_MISALIGNMENT_ERROR = 0xC00002C5;
    public static final int STATUS_NO_MORE_FILES = 0x80000006;
    public static final int STATUS_NO_SUCH_DEVICE = 0xC000000E;
    public static final int STATUS_DELETE_PENDING = 0xC0000056;
    public static final int STATUS_PRIVILEGE_NOT_HELD = 0xC0000061;
    public static final int STATUS_DEVICE_NOT_READY = 0xC00000A3;
    public static final int STATUS_INVALID_USER_BUFFER = 0xC00000E8;
    public static final int STATUS_IO_DEVICE_ERROR = 0xC0000185;
    public static final int STATUS_INVALID_BUFFER_SIZE = 0xC0000206;
    /** What NtCancelIoFileEx returns when no request of the handle matched (CancelIoEx: ERROR_NOT_FOUND). */
    public static final int STATUS_NOT_FOUND = 0xC0000225;

    private static final Map<Integer, String> NAMES = ConstantNames.of(NtStatus.class, n -> n.startsWith("STATUS_"), false);

    public static Map<String, Integer> byName() {
        return ConstantNames.byName(NAMES);
    }

    public static String name(int status) {
        String n = NAMES.get(status);
        return n != null ? n : String.format("0x%08X", status);
    }

    public static boolean NT_SUCCESS(int status) {
        return status >= 0;
    }

    public static boolean NT_INFORMATION(int status) {
        return (status >>> 30) == 1;
    }

    public static boolean NT_WARNING(int status) {
        return (status >>> 30) == 2;
    }

    public static boolean NT_ERROR(int status) {
        return (status >>> 30) == 3;
    }
}
