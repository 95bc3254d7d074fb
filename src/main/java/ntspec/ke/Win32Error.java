package ntspec.ke;

import java.util.Map;

/**
 * Win32 error codes (winerror.h) and RtlNtStatusToDosError, the translation kernel32 applies
 * before SetLastError when a file API fails (DeviceIoControl, ReadFile, WriteFile ...).
 *
 * <p>The rules of the translation, as ReactOS and Wine implement it
 * (https://github.com/reactos/reactos/blob/master/sdk/lib/rtl/error.c): STATUS_SUCCESS and
 * customer-defined codes (bit 29) are returned unchanged; 0xD... codes are the 0xC... ones;
 * FACILITY_WIN32 codes (0x8007xxxx, 0xC007xxxx) carry the Win32 code in their low word; any other
 * code is looked up in ntdll's table, and one it does not hold is ERROR_MR_MID_NOT_FOUND. The
 * entries here are those of the statuses this machine produces, with the values of Microsoft's
 * mapping (https://learn.microsoft.com/windows/win32/debug/system-error-codes and
 * https://learn.microsoft.com/openspecs/windows_protocols/ms-erref/). Which statuses a file API
 * treats as failure is kernel32's rule, not this table's: see {@code IoFunc.Request}.
 */
public final class Win32Error {
    private Win32Error() {}

    public static final int ERROR_SUCCESS = 0;
    public static final int ERROR_INVALID_FUNCTION = 1;
    public static final int ERROR_FILE_NOT_FOUND = 2;
    public static final int ERROR_ACCESS_DENIED = 5;
    public static final int ERROR_INVALID_HANDLE = 6;
    public static final int ERROR_NOT_ENOUGH_MEMORY = 8;
    public static final int ERROR_NO_MORE_FILES = 18;
    public static final int ERROR_NOT_READY = 21;
    public static final int ERROR_GEN_FAILURE = 31;
    public static final int ERROR_HANDLE_EOF = 38;
    public static final int ERROR_NOT_SUPPORTED = 50;
    public static final int ERROR_INVALID_PARAMETER = 87;
    public static final int ERROR_INSUFFICIENT_BUFFER = 122;
    public static final int ERROR_BUSY = 170;
    public static final int ERROR_MORE_DATA = 234;
    /** WAIT_TIMEOUT (winerror.h 258): GetQueuedCompletionStatus's last error when nothing came in time. */
    public static final int WAIT_TIMEOUT = 258;
    public static final int ERROR_PARTIAL_COPY = 299;
    public static final int ERROR_MR_MID_NOT_FOUND = 317;
    public static final int ERROR_OPERATION_ABORTED = 995;
    /** ERROR_ABANDONED_WAIT_0 (735): the completion port was closed while the thread waited on it. */
    public static final int ERROR_ABANDONED_WAIT_0 = 735;
    public static final int ERROR_IO_INCOMPLETE = 996;
    public static final int ERROR_IO_PENDING = 997;
    public static final int ERROR_NOACCESS = 998;
    public static final int ERROR_SWAPERROR = 999;
    public static final int ERROR_IO_DEVICE = 1117;
    public static final int ERROR_PRIVILEGE_NOT_HELD = 1314;
    public static final int ERROR_NO_SYSTEM_RESOURCES = 1450;
    public static final int ERROR_INVALID_USER_BUFFER = 1784;

    private static final Map<Integer, Integer> TABLE = Map.ofEntries(
            Map.entry(NtStatus.STATUS_PENDING, ERROR_IO_PENDING),
            Map.entry(NtStatus.STATUS_ABANDONED_WAIT_0, ERROR_ABANDONED_WAIT_0),
            Map.entry(NtStatus.STATUS_DATATYPE_MISALIGNMENT, ERROR_NOACCESS),
            Map.entry(NtStatus.STATUS_BUFFER_OVERFLOW, ERROR_MORE_DATA),
            Map.entry(NtStatus.STATUS_NO_MORE_FILES, ERROR_NO_MORE_FILES),
            Map.entry(NtStatus.STATUS_PARTIAL_COPY, ERROR_PARTIAL_COPY),
            Map.entry(NtStatus.STATUS_DEVICE_BUSY, ERROR_BUSY),
            Map.entry(NtStatus.STATUS_UNSUCCESSFUL, ERROR_GEN_FAILURE),
            Map.entry(NtStatus.STATUS_NOT_IMPLEMENTED, ERROR_INVALID_FUNCTION),
            Map.entry(NtStatus.STATUS_ACCESS_VIOLATION, ERROR_NOACCESS),
            Map.entry(NtStatus.STATUS_IN_PAGE_ERROR, ERROR_SWAPERROR),
            Map.entry(NtStatus.STATUS_INVALID_HANDLE, ERROR_INVALID_HANDLE),
            Map.entry(NtStatus.STATUS_INVALID_PARAMETER, ERROR_INVALID_PARAMETER),
            Map.entry(NtStatus.STATUS_NO_SUCH_DEVICE, ERROR_FILE_NOT_FOUND),
            Map.entry(NtStatus.STATUS_INVALID_DEVICE_REQUEST, ERROR_INVALID_FUNCTION),
            Map.entry(NtStatus.STATUS_END_OF_FILE, ERROR_HANDLE_EOF),
            Map.entry(NtStatus.STATUS_NO_MEMORY, ERROR_NOT_ENOUGH_MEMORY),
            Map.entry(NtStatus.STATUS_ACCESS_DENIED, ERROR_ACCESS_DENIED),
            Map.entry(NtStatus.STATUS_BUFFER_TOO_SMALL, ERROR_INSUFFICIENT_BUFFER),
            Map.entry(NtStatus.STATUS_OBJECT_NAME_NOT_FOUND, ERROR_FILE_NOT_FOUND),
            Map.entry(NtStatus.STATUS_DELETE_PENDING, ERROR_ACCESS_DENIED),
            Map.entry(NtStatus.STATUS_PRIVILEGE_NOT_HELD, ERROR_PRIVILEGE_NOT_HELD),
            Map.entry(NtStatus.STATUS_INSUFFICIENT_RESOURCES, ERROR_NO_SYSTEM_RESOURCES),
            Map.entry(NtStatus.STATUS_DEVICE_NOT_READY, ERROR_NOT_READY),
            Map.entry(NtStatus.STATUS_NOT_SUPPORTED, ERROR_NOT_SUPPORTED),
            Map.entry(NtStatus.STATUS_INVALID_USER_BUFFER, ERROR_INVALID_USER_BUFFER),
            Map.entry(NtStatus.STATUS_CANCELLED, ERROR_OPERATION_ABORTED),
            Map.entry(NtStatus.STATUS_IO_DEVICE_ERROR, ERROR_IO_DEVICE),
            Map.entry(NtStatus.STATUS_INVALID_BUFFER_SIZE, ERROR_INVALID_USER_BUFFER));

    /** RtlNtStatusToDosError(status). */
    public static int fromNtStatus(int status) {
        if (status == 0 || (status & 0x20000000) != 0) return status;
        if ((status & 0xF0000000) == 0xD0000000) status &= ~0x10000000;
        if ((status & 0xFFFF0000) == 0x80070000 || (status & 0xFFFF0000) == 0xC0070000) return status & 0xFFFF;
        return TABLE.getOrDefault(status, ERROR_MR_MID_NOT_FOUND);
    }

    private static final Map<Integer, String> NAMES = ConstantNames.of(Win32Error.class, n -> n.startsWith("ERROR_") || n.startsWith("WAIT_"), false);

    /** Every ERROR_ name with its value. */
    public static Map<String, Integer> byName() {
        return ConstantNames.byName(NAMES);
    }

    public static String name(int error) {
        String n = NAMES.get(error);
        return n != null ? n : Integer.toString(error);
    }
}
