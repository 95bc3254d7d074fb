package ntspec.mm;

/**
 * Page protections: the Win32 PAGE_* values callers pass (winnt.h) and the 5-bit MM_ values the
 * memory manager keeps in VADs and software PTEs (ReactOS ntoskrnl/mm/ARM3/miarm.h).
 */
public final class Protection {
    private Protection() {}

    public static final int PAGE_NOACCESS = 0x01;
    public static final int PAGE_READONLY = 0x02;
    public static final int PAGE_READWRITE = 0x04;
    public static final int PAGE_WRITECOPY = 0x08;
    public static final int PAGE_EXECUTE = 0x10;
    public static final int PAGE_EXECUTE_READ = 0x20;
    public static final int PAGE_EXECUTE_READWRITE = 0x40;
    public static final int PAGE_EXECUTE_WRITECOPY = 0x80;
    public static final int PAGE_GUARD = 0x100;
    public static final int PAGE_NOCACHE = 0x200;
    public static final int PAGE_WRITECOMBINE = 0x400;

    public static final int MEM_COMMIT = 0x1000;
    public static final int MEM_RESERVE = 0x2000;
    public static final int MEM_DECOMMIT = 0x4000;
    public static final int MEM_RELEASE = 0x8000;

    public static final int MM_ZERO_ACCESS = 0;
    public static final int MM_READONLY = 1;
    public static final int MM_EXECUTE = 2;
    public static final int MM_EXECUTE_READ = 3;
    public static final int MM_READWRITE = 4;
    public static final int MM_WRITECOPY = 5;
    public static final int MM_EXECUTE_READWRITE = 6;
    public static final int MM_EXECUTE_WRITECOPY = 7;
    public static final int MM_PROTECT_ACCESS = 7;
    public static final int MM_NOCACHE = 0x08;
    public static final int MM_GUARDPAGE = 0x10;
    public static final int MM_WRITECOMBINE = 0x18;
    public static final int MM_DECOMMIT = MM_ZERO_ACCESS | MM_GUARDPAGE;
    public static final int MM_NOACCESS = MM_ZERO_ACCESS | MM_WRITECOMBINE;

    /** Win32 protection to MM protection; -1 if the combination is invalid. */
    public static int toMm(int win32) {
        int base = win32 & 0xFF;
        int mm = switch (base) {
            case PAGE_NOACCESS -> MM_NOACCESS;
            case PAGE_READONLY -> MM_READONLY;
            case PAGE_READWRITE -> MM_READWRITE;
            case PAGE_WRITECOPY -> MM_WRITECOPY;
            case PAGE_EXECUTE -> MM_EXECUTE;
            case PAGE_EXECUTE_READ -> MM_EXECUTE_READ;
            case PAGE_EXECUTE_READWRITE -> MM_EXECUTE_READWRITE;
            case PAGE_EXECUTE_WRITECOPY -> MM_EXECUTE_WRITECOPY;
            default -> -1;
        };
        if (mm < 0) return -1;
        int modifiers = win32 & ~0xFF;
        if (modifiers == 0) return mm;
        if (base == PAGE_NOACCESS) return -1;
        if (modifiers == PAGE_GUARD) return mm | MM_GUARDPAGE;
        if (modifiers == PAGE_NOCACHE) return mm | MM_NOCACHE;
        if (modifiers == PAGE_WRITECOMBINE) return mm | MM_WRITECOMBINE;
        return -1;
    }

    /** MM protection back to Win32 (what NtQueryVirtualMemory reports). */
    public static int toWin32(int mm) {
        if (mm == MM_NOACCESS || mm == MM_DECOMMIT) return PAGE_NOACCESS;
        int base = switch (mm & MM_PROTECT_ACCESS) {
            case MM_READONLY -> PAGE_READONLY;
            case MM_EXECUTE -> PAGE_EXECUTE;
            case MM_EXECUTE_READ -> PAGE_EXECUTE_READ;
            case MM_READWRITE -> PAGE_READWRITE;
            case MM_WRITECOPY -> PAGE_WRITECOPY;
            case MM_EXECUTE_READWRITE -> PAGE_EXECUTE_READWRITE;
            case MM_EXECUTE_WRITECOPY -> PAGE_EXECUTE_WRITECOPY;
            default -> PAGE_NOACCESS;
        };
        int special = mm & MM_WRITECOMBINE;
        if (special == MM_GUARDPAGE) base |= PAGE_GUARD;
        else if (special == MM_NOCACHE) base |= PAGE_NOCACHE;
        else if (special == MM_WRITECOMBINE) base |= PAGE_WRITECOMBINE;
        return base;
    }

    public static boolean isNoAccess(int mm) {
        return (mm & MM_PROTECT_ACCESS) == MM_ZERO_ACCESS;
    }

    public static boolean isGuard(int mm) {
        return (mm & MM_WRITECOMBINE) == MM_GUARDPAGE && !isNoAccess(mm);
    }

    public static boolean canRead(int mm) {
        return !isNoAccess(mm);
    }

    public static boolean canWrite(int mm) {
        int a = mm & MM_PROTECT_ACCESS;
        return a == MM_READWRITE || a == MM_WRITECOPY || a == MM_EXECUTE_READWRITE || a == MM_EXECUTE_WRITECOPY;
    }

    public static boolean canExecute(int mm) {
        int a = mm & MM_PROTECT_ACCESS;
        return a == MM_EXECUTE || a == MM_EXECUTE_READ || a == MM_EXECUTE_READWRITE || a == MM_EXECUTE_WRITECOPY;
    }

    public static String win32Name(int win32) {
        StringBuilder sb = new StringBuilder();
        switch (win32 & 0xFF) {
            case PAGE_NOACCESS -> sb.append("PAGE_NOACCESS");
            case PAGE_READONLY -> sb.append("PAGE_READONLY");
            case PAGE_READWRITE -> sb.append("PAGE_READWRITE");
            case PAGE_WRITECOPY -> sb.append("PAGE_WRITECOPY");
            case PAGE_EXECUTE -> sb.append("PAGE_EXECUTE");
            case PAGE_EXECUTE_READ -> sb.append("PAGE_EXECUTE_READ");
            case PAGE_EXECUTE_READWRITE -> sb.append("PAGE_EXECUTE_READWRITE");
            case PAGE_EXECUTE_WRITECOPY -> sb.append("PAGE_EXECUTE_WRITECOPY");
            default -> sb.append(String.format("0x%X", win32 & 0xFF));
        }
        if ((win32 & PAGE_GUARD) != 0) sb.append(" | PAGE_GUARD");
        if ((win32 & PAGE_NOCACHE) != 0) sb.append(" | PAGE_NOCACHE");
        return sb.toString();
    }
}
