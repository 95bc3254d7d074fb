package ntspec.hw;

/**
 * x64 page-table entry encoding (Intel SDM vol. 3A, "Format of a Page-Table Entry that Maps a
 * 4-KByte Page"), and the Windows software formats of an invalid PTE (Windows Internals,
 * "Page fault handling").
 */
public final class Pte {
    private Pte() {}

    // Hardware bits (valid PTE).
    public static final long P = 1L;              // present / Valid
    public static final long RW = 1L << 1;        // writable (Windows: Dirty1)
    public static final long US = 1L << 2;        // user accessible (Windows: Owner)
    public static final long PWT = 1L << 3;       // write-through
    public static final long PCD = 1L << 4;       // cache disable
    public static final long A = 1L << 5;         // accessed
    public static final long D = 1L << 6;         // dirty
    public static final long PS = 1L << 7;        // large page (PDE/PDPTE) / PAT (PTE)
    public static final long G = 1L << 8;         // global
    public static final long COPY_ON_WRITE = 1L << 9;  // Windows software bit
    public static final long PROTOTYPE = 1L << 10;     // Windows software bit
    public static final long WRITE = 1L << 11;         // Windows software "Write" bit (MP systems)
    public static final long NX = 1L << 63;       // execute disable
    public static final long PFN_MASK = 0x000F_FFFF_FFFF_F000L; // bits 51:12

    // Software (invalid) PTE fields, x64 MMPTE_SOFTWARE / MMPTE_TRANSITION.
    public static final long TRANSITION = 1L << 11;
    public static final int PROTECTION_SHIFT = 5;      // bits 9:5, an MM_ protection value
    public static final long PROTECTION_MASK = 0x1FL << PROTECTION_SHIFT;
    public static final int PAGE_FILE_LOW_SHIFT = 1;   // bits 4:1, which paging file
    public static final int PAGE_FILE_HIGH_SHIFT = 32; // bits 63:32, offset (in pages) in the file

    public static boolean isValid(long pte) {
        return (pte & P) != 0;
    }

    public static long pfn(long pte) {
        return (pte & PFN_MASK) >>> PhysicalMemory.PAGE_SHIFT;
    }

    public static long valid(long pfn, boolean writable, boolean user, boolean global, boolean noExecute) {
        long v = (pfn << PhysicalMemory.PAGE_SHIFT) | P;
        if (writable) v |= RW | WRITE;
        if (user) v |= US;
        if (global) v |= G;
        if (noExecute) v |= NX;
        return v;
    }

    public static boolean isTransition(long pte) {
        return !isValid(pte) && (pte & TRANSITION) != 0 && (pte & PROTOTYPE) == 0;
    }

    public static int protection(long pte) {
        return (int) ((pte & PROTECTION_MASK) >>> PROTECTION_SHIFT);
    }

    public static long transition(long pfn, int protection) {
        return (pfn << PhysicalMemory.PAGE_SHIFT) | TRANSITION | ((long) protection << PROTECTION_SHIFT);
    }

    /** A demand-zero PTE (page-file PTE with file 0, offset 0) carrying a protection. */
    public static long demandZero(int protection) {
        return (long) protection << PROTECTION_SHIFT;
    }

    /** A page-file PTE: page {@code slot} of paging file {@code file} (file numbers start at 1 here). */
    public static long pageFile(int file, long slot, int protection) {
        return ((long) file << PAGE_FILE_LOW_SHIFT) | ((long) protection << PROTECTION_SHIFT)
                | (slot << PAGE_FILE_HIGH_SHIFT);
    }

    public static int pageFileNumber(long pte) {
        return (int) ((pte >>> PAGE_FILE_LOW_SHIFT) & 0xF);
    }

    public static long pageFileSlot(long pte) {
        return pte >>> PAGE_FILE_HIGH_SHIFT;
    }

    /** Decodes an entry the way the debugger's {@code !pte} does. */
    public static String describe(long pte) {
        if (pte == 0) return "zero (not yet described: consult the VAD)";
        if (isValid(pte)) {
            StringBuilder sb = new StringBuilder("pfn ").append(Long.toHexString(pfn(pte))).append(' ');
            sb.append((pte & COPY_ON_WRITE) != 0 ? 'C' : '-');
            sb.append((pte & G) != 0 ? 'G' : '-');
            sb.append((pte & PS) != 0 ? 'L' : '-');
            sb.append((pte & D) != 0 ? 'D' : '-');
            sb.append((pte & A) != 0 ? 'A' : '-');
            sb.append((pte & PCD) != 0 ? 'N' : '-');
            sb.append((pte & PWT) != 0 ? 'T' : '-');
            sb.append((pte & US) != 0 ? 'U' : 'K');
            sb.append((pte & RW) != 0 ? 'W' : 'R');
            sb.append((pte & NX) != 0 ? '-' : 'E');
            sb.append('V');
            return sb.toString();
        }
        if ((pte & PROTOTYPE) != 0) return "prototype PTE reference";
        if (isTransition(pte)) {
            return "transition: pfn " + Long.toHexString(pfn(pte)) + ", protection " + protection(pte);
        }
        if (pageFileNumber(pte) != 0) {
            return "in paging file " + pageFileNumber(pte) + " at page offset " + Long.toHexString(pageFileSlot(pte))
                    + ", protection " + protection(pte);
        }
        return "demand zero, protection " + protection(pte);
    }
}
