package ntspec.wdm;

import ntspec.io.IoConstants;
import ntspec.ke.BugCheckCode;
import ntspec.ke.Irql;
import ntspec.ke.NtStatus;
import ntspec.mm.Mdl;
import ntspec.mm.MdlRoutines;
import ntspec.mm.MmLayout;
import ntspec.mm.Pool;
import ntspec.mm.Protection;

/**
 * The constants of wdm.h/ntstatus.h/bugcodes.h a driver model uses, under their C names, so code
 * that implements this interface (every {@link Wdm}) reads like WDK C. Values are the real ones;
 * each is defined once, in the component that owns it, and re-exported here.
 */
public interface WdmConstants {
    long NULL = 0;
    boolean TRUE = true;
    boolean FALSE = false;
    long PAGE_SIZE = MmLayout.PAGE_SIZE;

    // KPROCESSOR_MODE, LOCK_OPERATION, MEMORY_CACHING_TYPE, MM_PAGE_PRIORITY
    int KernelMode = MdlRoutines.KernelMode;
    int UserMode = MdlRoutines.UserMode;
    int IoReadAccess = MdlRoutines.IoReadAccess;
    int IoWriteAccess = MdlRoutines.IoWriteAccess;
    int IoModifyAccess = MdlRoutines.IoModifyAccess;
    int MmNonCached = MdlRoutines.MmNonCached;
    int MmCached = MdlRoutines.MmCached;
    int MmWriteCombined = MdlRoutines.MmWriteCombined;
    int LowPagePriority = MdlRoutines.LowPagePriority;
    int NormalPagePriority = MdlRoutines.NormalPagePriority;
    int HighPagePriority = MdlRoutines.HighPagePriority;
    int MdlMappingNoWrite = MdlRoutines.MdlMappingNoWrite;
    int MdlMappingNoExecute = MdlRoutines.MdlMappingNoExecute;
    int MM_DONT_ZERO_ALLOCATION = MdlRoutines.MM_DONT_ZERO_ALLOCATION;
    int MM_ALLOCATE_FROM_LOCAL_NODE_ONLY = MdlRoutines.MM_ALLOCATE_FROM_LOCAL_NODE_ONLY;
    int MM_ALLOCATE_FULLY_REQUIRED = MdlRoutines.MM_ALLOCATE_FULLY_REQUIRED;
    int MM_ALLOCATE_NO_WAIT = MdlRoutines.MM_ALLOCATE_NO_WAIT;

    // MDL flags
    int MDL_MAPPED_TO_SYSTEM_VA = Mdl.MDL_MAPPED_TO_SYSTEM_VA;
    int MDL_PAGES_LOCKED = Mdl.MDL_PAGES_LOCKED;
    int MDL_SOURCE_IS_NONPAGED_POOL = Mdl.MDL_SOURCE_IS_NONPAGED_POOL;
    int MDL_ALLOCATED_FIXED_SIZE = Mdl.MDL_ALLOCATED_FIXED_SIZE;
    int MDL_PARTIAL = Mdl.MDL_PARTIAL;
    int MDL_PARTIAL_HAS_BEEN_MAPPED = Mdl.MDL_PARTIAL_HAS_BEEN_MAPPED;
    int MDL_IO_PAGE_READ = Mdl.MDL_IO_PAGE_READ;
    int MDL_WRITE_OPERATION = Mdl.MDL_WRITE_OPERATION;
    int MDL_PARENT_MAPPED_SYSTEM_VA = Mdl.MDL_PARENT_MAPPED_SYSTEM_VA;
    int MDL_FREE_EXTRA_PTES = Mdl.MDL_FREE_EXTRA_PTES;
    int MDL_DESCRIBES_AWE = Mdl.MDL_DESCRIBES_AWE;
    int MDL_IO_SPACE = Mdl.MDL_IO_SPACE;
    int MDL_NETWORK_HEADER = Mdl.MDL_NETWORK_HEADER;
    int MDL_MAPPING_CAN_FAIL = Mdl.MDL_MAPPING_CAN_FAIL;
    int MDL_PAGE_CONTENTS_INVARIANT = Mdl.MDL_PAGE_CONTENTS_INVARIANT;
    int MDL_INTERNAL = Mdl.MDL_INTERNAL & 0xFFFF;

    // IRQLs
    int PASSIVE_LEVEL = Irql.PASSIVE_LEVEL;
    int APC_LEVEL = Irql.APC_LEVEL;
    int DISPATCH_LEVEL = Irql.DISPATCH_LEVEL;
    /** x64 SYNCH_LEVEL (IPI_LEVEL - 2 = 12), where the dispatcher and thread locks are taken. */
    int SYNCH_LEVEL = ntspec.ke.Kernel.SYNCH_LEVEL;
    int CLOCK_LEVEL = Irql.CLOCK_LEVEL;
    int IPI_LEVEL = Irql.IPI_LEVEL;
    int HIGH_LEVEL = Irql.HIGH_LEVEL;

    // Pool types
    int NonPagedPool = Pool.NonPagedPool;
    int PagedPool = Pool.PagedPool;
    int NonPagedPoolNx = Pool.NonPagedPoolNx;

    // Page protections and allocation types (winnt.h)
    int PAGE_NOACCESS = Protection.PAGE_NOACCESS;
    int PAGE_READONLY = Protection.PAGE_READONLY;
    int PAGE_READWRITE = Protection.PAGE_READWRITE;
    int PAGE_EXECUTE_READ = Protection.PAGE_EXECUTE_READ;
    int PAGE_EXECUTE_READWRITE = Protection.PAGE_EXECUTE_READWRITE;
    int PAGE_GUARD = Protection.PAGE_GUARD;
    int PAGE_NOCACHE = Protection.PAGE_NOCACHE;
    int MEM_COMMIT = Protection.MEM_COMMIT;
    int MEM_RESERVE = Protection.MEM_RESERVE;
    int MEM_DECOMMIT = Protection.MEM_DECOMMIT;
    int MEM_RELEASE = Protection.MEM_RELEASE;

    // Address space
    long MM_HIGHEST_USER_ADDRESS = MmLayout.MM_HIGHEST_USER_ADDRESS;
    long MM_USER_PROBE_ADDRESS = MmLayout.MM_USER_PROBE_ADDRESS;
    long MmUserProbeAddress = MmLayout.MM_USER_PROBE_ADDRESS;
    long MmHighestUserAddress = MmLayout.MM_HIGHEST_USER_ADDRESS;
    long MM_SYSTEM_RANGE_START = MmLayout.MM_SYSTEM_RANGE_START;

    // Status codes
    int STATUS_SUCCESS = NtStatus.STATUS_SUCCESS;
    int STATUS_PENDING = NtStatus.STATUS_PENDING;
    int STATUS_GUARD_PAGE_VIOLATION = NtStatus.STATUS_GUARD_PAGE_VIOLATION;
    int STATUS_DATATYPE_MISALIGNMENT = NtStatus.STATUS_DATATYPE_MISALIGNMENT;
    int STATUS_BUFFER_OVERFLOW = NtStatus.STATUS_BUFFER_OVERFLOW;
    int STATUS_UNSUCCESSFUL = NtStatus.STATUS_UNSUCCESSFUL;
    int STATUS_ACCESS_VIOLATION = NtStatus.STATUS_ACCESS_VIOLATION;
    int STATUS_IN_PAGE_ERROR = NtStatus.STATUS_IN_PAGE_ERROR;
    int STATUS_INVALID_PARAMETER = NtStatus.STATUS_INVALID_PARAMETER;
    int STATUS_INVALID_DEVICE_REQUEST = NtStatus.STATUS_INVALID_DEVICE_REQUEST;
    int STATUS_MORE_PROCESSING_REQUIRED = NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
    int STATUS_NO_MEMORY = NtStatus.STATUS_NO_MEMORY;
    int STATUS_CONFLICTING_ADDRESSES = NtStatus.STATUS_CONFLICTING_ADDRESSES;
    int STATUS_UNABLE_TO_DELETE_SECTION = NtStatus.STATUS_UNABLE_TO_DELETE_SECTION;
    int STATUS_ACCESS_DENIED = NtStatus.STATUS_ACCESS_DENIED;
    int STATUS_BUFFER_TOO_SMALL = NtStatus.STATUS_BUFFER_TOO_SMALL;
    int STATUS_INSUFFICIENT_RESOURCES = NtStatus.STATUS_INSUFFICIENT_RESOURCES;
    int STATUS_INVALID_ADDRESS = NtStatus.STATUS_INVALID_ADDRESS;
    int STATUS_CANCELLED = NtStatus.STATUS_CANCELLED;

    // Bug-check codes
    int IRQL_NOT_LESS_OR_EQUAL = BugCheckCode.IRQL_NOT_LESS_OR_EQUAL;
    int KMODE_EXCEPTION_NOT_HANDLED = BugCheckCode.KMODE_EXCEPTION_NOT_HANDLED;
    int NO_MORE_SYSTEM_PTES = BugCheckCode.NO_MORE_SYSTEM_PTES;
    int PFN_LIST_CORRUPT = BugCheckCode.PFN_LIST_CORRUPT;
    int PAGE_FAULT_IN_NONPAGED_AREA = BugCheckCode.PAGE_FAULT_IN_NONPAGED_AREA;
    int PROCESS_HAS_LOCKED_PAGES = BugCheckCode.PROCESS_HAS_LOCKED_PAGES;
    int DRIVER_IRQL_NOT_LESS_OR_EQUAL = BugCheckCode.DRIVER_IRQL_NOT_LESS_OR_EQUAL;
    int SYSTEM_PTE_MISUSE = BugCheckCode.SYSTEM_PTE_MISUSE;
    int MEMORY_MANAGEMENT = BugCheckCode.MEMORY_MANAGEMENT;

    // I/O manager (ntspec.io.IoConstants)
    int IRP_MJ_CREATE = IoConstants.IRP_MJ_CREATE;
    int IRP_MJ_CLOSE = IoConstants.IRP_MJ_CLOSE;
    int IRP_MJ_READ = IoConstants.IRP_MJ_READ;
    int IRP_MJ_WRITE = IoConstants.IRP_MJ_WRITE;
    int IRP_MJ_FILE_SYSTEM_CONTROL = IoConstants.IRP_MJ_FILE_SYSTEM_CONTROL;
    int IRP_MJ_DEVICE_CONTROL = IoConstants.IRP_MJ_DEVICE_CONTROL;
    int IRP_MJ_INTERNAL_DEVICE_CONTROL = IoConstants.IRP_MJ_INTERNAL_DEVICE_CONTROL;
    int IRP_MJ_CLEANUP = IoConstants.IRP_MJ_CLEANUP;
    int IRP_MJ_FLUSH_BUFFERS = IoConstants.IRP_MJ_FLUSH_BUFFERS;
    int IRP_MJ_SHUTDOWN = IoConstants.IRP_MJ_SHUTDOWN;
    int IRP_MJ_POWER = IoConstants.IRP_MJ_POWER;
    int IRP_MJ_PNP = IoConstants.IRP_MJ_PNP;
    int IRP_MJ_MAXIMUM_FUNCTION = IoConstants.IRP_MJ_MAXIMUM_FUNCTION;
    int IRP_NOCACHE = IoConstants.IRP_NOCACHE;
    int IRP_PAGING_IO = IoConstants.IRP_PAGING_IO;
    int IRP_SYNCHRONOUS_API = IoConstants.IRP_SYNCHRONOUS_API;
    int IRP_ASSOCIATED_IRP = IoConstants.IRP_ASSOCIATED_IRP;
    int IRP_BUFFERED_IO = IoConstants.IRP_BUFFERED_IO;
    int IRP_DEALLOCATE_BUFFER = IoConstants.IRP_DEALLOCATE_BUFFER;
    int IRP_INPUT_OPERATION = IoConstants.IRP_INPUT_OPERATION;
    int IRP_CREATE_OPERATION = IoConstants.IRP_CREATE_OPERATION;
    int FILE_OPEN = IoConstants.FILE_OPEN;
    int FILE_OPENED = IoConstants.FILE_OPENED;
    int FILE_SYNCHRONOUS_IO_NONALERT = IoConstants.FILE_SYNCHRONOUS_IO_NONALERT;
    int FILE_SHARE_READ = IoConstants.FILE_SHARE_READ;
    int FILE_SHARE_WRITE = IoConstants.FILE_SHARE_WRITE;
    int IRP_READ_OPERATION = IoConstants.IRP_READ_OPERATION;
    int IRP_WRITE_OPERATION = IoConstants.IRP_WRITE_OPERATION;
    int IRP_CLOSE_OPERATION = IoConstants.IRP_CLOSE_OPERATION;
    int IRP_DEFER_IO_COMPLETION = IoConstants.IRP_DEFER_IO_COMPLETION;
    int IRP_QUOTA_CHARGED = IoConstants.IRP_QUOTA_CHARGED;
    int IRP_ALLOCATED_FIXED_SIZE = IoConstants.IRP_ALLOCATED_FIXED_SIZE;
    int IRP_LOOKASIDE_ALLOCATION = IoConstants.IRP_LOOKASIDE_ALLOCATION;
    int IRP_ALLOCATED_MUST_SUCCEED = IoConstants.IRP_ALLOCATED_MUST_SUCCEED;
    int IO_TYPE_IRP = IoConstants.IO_TYPE_IRP;

    // Dispatcher objects (wdm.h EVENT_TYPE, KWAIT_REASON; the priority increments of KeSetEvent)
    int NotificationEvent = 0;
    int SynchronizationEvent = 1;
    int Executive = 0;
    int UserRequest = 6;
    int EVENT_INCREMENT = 1;
    int ATTEMPTED_SWITCH_FROM_DPC = BugCheckCode.ATTEMPTED_SWITCH_FROM_DPC;
    int SL_PENDING_RETURNED = IoConstants.SL_PENDING_RETURNED;
    int SL_ERROR_RETURNED = IoConstants.SL_ERROR_RETURNED;
    int SL_INVOKE_ON_CANCEL = IoConstants.SL_INVOKE_ON_CANCEL;
    int SL_INVOKE_ON_SUCCESS = IoConstants.SL_INVOKE_ON_SUCCESS;
    int SL_INVOKE_ON_ERROR = IoConstants.SL_INVOKE_ON_ERROR;
    int DO_BUFFERED_IO = IoConstants.DO_BUFFERED_IO;
    int DO_EXCLUSIVE = IoConstants.DO_EXCLUSIVE;
    int DO_DIRECT_IO = IoConstants.DO_DIRECT_IO;
    int DO_DEVICE_INITIALIZING = IoConstants.DO_DEVICE_INITIALIZING;
    int METHOD_BUFFERED = IoConstants.METHOD_BUFFERED;
    int METHOD_IN_DIRECT = IoConstants.METHOD_IN_DIRECT;
    int METHOD_OUT_DIRECT = IoConstants.METHOD_OUT_DIRECT;
    int METHOD_NEITHER = IoConstants.METHOD_NEITHER;
    int FILE_ANY_ACCESS = IoConstants.FILE_ANY_ACCESS;
    int FILE_SPECIAL_ACCESS = IoConstants.FILE_SPECIAL_ACCESS;
    int FILE_READ_ACCESS = IoConstants.FILE_READ_ACCESS;
    int FILE_WRITE_ACCESS = IoConstants.FILE_WRITE_ACCESS;
    int FILE_DEVICE_UNKNOWN = IoConstants.FILE_DEVICE_UNKNOWN;
    // FILE_OBJECT.Flags (wdm.h)
    int FO_SYNCHRONOUS_IO = ntspec.io.FileObject.FO_SYNCHRONOUS_IO;
    int FO_SKIP_COMPLETION_PORT = ntspec.io.FileObject.FO_SKIP_COMPLETION_PORT;
    int FO_SKIP_SET_EVENT = ntspec.io.FileObject.FO_SKIP_SET_EVENT;
    int FO_SKIP_SET_FAST_IO = ntspec.io.FileObject.FO_SKIP_SET_FAST_IO;
    int FILE_READ_DATA = IoConstants.FILE_READ_DATA;
    int FILE_WRITE_DATA = IoConstants.FILE_WRITE_DATA;
    int GENERIC_READ = IoConstants.GENERIC_READ;
    int GENERIC_WRITE = IoConstants.GENERIC_WRITE;
    int IO_NO_INCREMENT = IoConstants.IO_NO_INCREMENT;
    int IO_DISK_INCREMENT = IoConstants.IO_DISK_INCREMENT;
    int STATUS_CONTINUE_COMPLETION = NtStatus.STATUS_SUCCESS;
    int STATUS_VERIFY_REQUIRED = NtStatus.STATUS_VERIFY_REQUIRED;
    int STATUS_OBJECT_NAME_NOT_FOUND = NtStatus.STATUS_OBJECT_NAME_NOT_FOUND;
    int MULTIPLE_IRP_COMPLETE_REQUESTS = BugCheckCode.MULTIPLE_IRP_COMPLETE_REQUESTS;
    int NO_MORE_IRP_STACK_LOCATIONS = BugCheckCode.NO_MORE_IRP_STACK_LOCATIONS;

    /** NT_SUCCESS(Status). */
    default boolean NT_SUCCESS(int status) {
        return NtStatus.NT_SUCCESS(status);
    }

    /** METHOD_FROM_CTL_CODE(ctrlCode). */
    default int METHOD_FROM_CTL_CODE(int ioControlCode) {
        return IoConstants.METHOD_FROM_CTL_CODE(ioControlCode);
    }

    /** CTL_CODE(DeviceType, Function, Method, Access). */
    default int CTL_CODE(int deviceType, int function, int method, int access) {
        return IoConstants.CTL_CODE(deviceType, function, method, access);
    }
}
