package ntspec.io;

/** I/O manager constants with their wdm.h values (https://learn.microsoft.com/windows-hardware/drivers/kernel/defining-i-o-control-codes). */
public final class IoConstants {
    private IoConstants() {}

    // Major functions
    public static final int IRP_MJ_CREATE = 0x00;
    public static final int IRP_MJ_CLOSE = 0x02;
    public static final int IRP_MJ_READ = 0x03;
    public static final int IRP_MJ_WRITE = 0x04;
    public static final int IRP_MJ_FLUSH_BUFFERS = 0x09;
    public static final int IRP_MJ_FILE_SYSTEM_CONTROL = 0x0D;
    public static final int IRP_MJ_SHUTDOWN = 0x10;
    public static final int IRP_MJ_POWER = 0x16;
    public static final int IRP_MJ_PNP = 0x1B;
    public static final int IRP_MJ_DEVICE_CONTROL = 0x0E;
    public static final int IRP_MJ_INTERNAL_DEVICE_CONTROL = 0x0F;
    public static final int IRP_MJ_CLEANUP = 0x12;
    public static final int IRP_MJ_MAXIMUM_FUNCTION = 0x1B;

    // IRP Flags
    public static final int IRP_NOCACHE = 0x1;
    public static final int IRP_PAGING_IO = 0x2;
    public static final int IRP_SYNCHRONOUS_API = 0x4;
    public static final int IRP_ASSOCIATED_IRP = 0x8;
    public static final int IRP_BUFFERED_IO = 0x10;
    public static final int IRP_DEALLOCATE_BUFFER = 0x20;
    public static final int IRP_INPUT_OPERATION = 0x40;
    public static final int IRP_CREATE_OPERATION = 0x80;
    public static final int IRP_READ_OPERATION = 0x100;
    public static final int IRP_WRITE_OPERATION = 0x200;
    public static final int IRP_CLOSE_OPERATION = 0x400;
    public static final int IRP_DEFER_IO_COMPLETION = 0x800;

    // IRP AllocationFlags
    public static final int IRP_QUOTA_CHARGED = 0x1;
    public static final int IRP_ALLOCATED_MUST_SUCCEED = 0x2;
    public static final int IRP_ALLOCATED_FIXED_SIZE = 0x4;
    public static final int IRP_LOOKASIDE_ALLOCATION = 0x8;

    // Stack-location Control
    public static final int SL_PENDING_RETURNED = 0x01;
    public static final int SL_ERROR_RETURNED = 0x02;
    public static final int SL_INVOKE_ON_CANCEL = 0x20;
    public static final int SL_INVOKE_ON_SUCCESS = 0x40;
    public static final int SL_INVOKE_ON_ERROR = 0x80;

    // Device object flags
    public static final int DO_BUFFERED_IO = 0x4;
    public static final int DO_EXCLUSIVE = 0x8;
    public static final int DO_DIRECT_IO = 0x10;
    public static final int DO_DEVICE_HAS_NAME = 0x40;
    public static final int DO_DEVICE_INITIALIZING = 0x80;

    // IOCTL transfer methods and access
    public static final int METHOD_BUFFERED = 0;
    public static final int METHOD_IN_DIRECT = 1;
    public static final int METHOD_OUT_DIRECT = 2;
    public static final int METHOD_NEITHER = 3;
    public static final int FILE_ANY_ACCESS = 0;
    public static final int FILE_SPECIAL_ACCESS = 0;
    public static final int FILE_READ_ACCESS = 1;
    public static final int FILE_WRITE_ACCESS = 2;
    public static final int FILE_DEVICE_UNKNOWN = 0x22;

    // Access rights on a handle (winnt.h)
    public static final int FILE_READ_DATA = 0x1;
    /** CreateDisposition FILE_OPEN and CreateOptions FILE_SYNCHRONOUS_IO_NONALERT (wdm.h), ShareAccess bits. */
    public static final int FILE_OPEN = 0x1;
    public static final int FILE_SYNCHRONOUS_IO_NONALERT = 0x20;
    public static final int FILE_SHARE_READ = 0x1;
    public static final int FILE_SHARE_WRITE = 0x2;
    /** IO_STATUS_BLOCK.Information of a create (wdm.h). */
    public static final int FILE_OPENED = 0x1;
    public static final int FILE_WRITE_DATA = 0x2;
    public static final int GENERIC_READ = 0x80000000;
    public static final int GENERIC_WRITE = 0x40000000;

    /** IO_NO_INCREMENT and friends (priority boosts for IoCompleteRequest). */
    public static final int IO_NO_INCREMENT = 0;
    public static final int IO_DISK_INCREMENT = 1;

    /** IO_TYPE_IRP. */
    public static final short IO_TYPE_IRP = 6;
    /** sizeof(IRP) and sizeof(IO_STACK_LOCATION) on x64. */
    public static final int SIZEOF_IRP = 0xD0;
    public static final int SIZEOF_IO_STACK_LOCATION = 0x48;
    /** KOBJECTS ApcObject: the Type of a KAPC. */
    public static final int APC_OBJECT = 0x12;

    public static int CTL_CODE(int deviceType, int function, int method, int access) {
        return (deviceType << 16) | (access << 14) | (function << 2) | method;
    }

    public static int METHOD_FROM_CTL_CODE(int code) {
        return code & 3;
    }

    public static String majorName(int mj) {
        return switch (mj) {
            case IRP_MJ_CREATE -> "IRP_MJ_CREATE";
            case IRP_MJ_CLOSE -> "IRP_MJ_CLOSE";
            case IRP_MJ_READ -> "IRP_MJ_READ";
            case IRP_MJ_WRITE -> "IRP_MJ_WRITE";
            case IRP_MJ_FLUSH_BUFFERS -> "IRP_MJ_FLUSH_BUFFERS";
            case IRP_MJ_FILE_SYSTEM_CONTROL -> "IRP_MJ_FILE_SYSTEM_CONTROL";
            case IRP_MJ_SHUTDOWN -> "IRP_MJ_SHUTDOWN";
            case IRP_MJ_POWER -> "IRP_MJ_POWER";
            case IRP_MJ_PNP -> "IRP_MJ_PNP";
            case IRP_MJ_DEVICE_CONTROL -> "IRP_MJ_DEVICE_CONTROL";
            case IRP_MJ_INTERNAL_DEVICE_CONTROL -> "IRP_MJ_INTERNAL_DEVICE_CONTROL";
            case IRP_MJ_CLEANUP -> "IRP_MJ_CLEANUP";
            default -> String.format("IRP_MJ_0x%X", mj);
        };
    }

    /** The IRP_MJ_ value of a name, or -1. */
    public static int majorFunction(String name) {
        for (int mj = 0; mj <= IRP_MJ_MAXIMUM_FUNCTION; mj++) if (majorName(mj).equals(name)) return mj;
        return -1;
    }
}
