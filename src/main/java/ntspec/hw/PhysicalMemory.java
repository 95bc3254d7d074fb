package ntspec.hw;

/**
 * Sparse physical memory. A frame is a {@code long[512]} (4 KiB) created the first time something
 * non-zero is written to it; reading an untouched frame reads zeros. A 64 GiB machine therefore
 * costs only a table of chunk references (16 Ki of them) until pages are used.
 */
public final class PhysicalMemory {
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    private static final int CHUNK_SHIFT = 10; // 1024 frames = 4 MiB per chunk
    private static final int CHUNK_MASK = (1 << CHUNK_SHIFT) - 1;

    private final long frameCount;
    private final long[][][] chunks;
    private long touchedFrames;

    public PhysicalMemory(long bytes) {
        if (bytes < PAGE_SIZE * 64L || (bytes & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("physical memory must be a multiple of 4 KiB and at least 256 KiB: " + bytes);
        }
        this.frameCount = bytes >>> PAGE_SHIFT;
        this.chunks = new long[(int) ((frameCount + CHUNK_MASK) >>> CHUNK_SHIFT)][][];
    }

    public long frameCount() {
        return frameCount;
    }

    /** Frames that hold memory on the host (were written with something non-zero). */
    public long touchedFrames() {
        return touchedFrames;
    }

    private void checkPfn(long pfn) {
        if (pfn < 0 || pfn >= frameCount) {
            throw new PhysicalAddressException(pfn << PAGE_SHIFT, frameCount);
        }
    }

    /**
     * The frame's backing array, or null if it was never written (reads as zeros). A frame number
     * beyond the installed memory reads as zeros too: nothing answers at that physical address.
     */
    public long[] frameOrNull(long pfn) {
        if (pfn < 0 || pfn >= frameCount) return null;
        long[][] chunk = chunks[(int) (pfn >>> CHUNK_SHIFT)];
        return chunk == null ? null : chunk[(int) (pfn & CHUNK_MASK)];
    }

    /**
     * The frame's backing array, created if needed. Beyond the installed memory writes go nowhere:
     * a scratch array that nothing reads back.
     */
    public long[] frame(long pfn) {
        if (pfn < 0 || pfn >= frameCount) return new long[PAGE_SIZE / 8];
        int ci = (int) (pfn >>> CHUNK_SHIFT);
        long[][] chunk = chunks[ci];
        if (chunk == null) chunk = chunks[ci] = new long[1 << CHUNK_SHIFT][];
        long[] f = chunk[(int) (pfn & CHUNK_MASK)];
        if (f == null) {
            f = chunk[(int) (pfn & CHUNK_MASK)] = new long[PAGE_SIZE / 8];
            touchedFrames++;
        }
        return f;
    }

    public long readQword(long pa) {
        long[] f = frameOrNull(pa >>> PAGE_SHIFT);
        return f == null ? 0 : f[(int) ((pa & (PAGE_SIZE - 1)) >>> 3)];
    }

    public void writeQword(long pa, long value) {
        long pfn = pa >>> PAGE_SHIFT;
        long[] f = value == 0 ? frameOrNull(pfn) : frame(pfn);
        if (f != null) f[(int) ((pa & (PAGE_SIZE - 1)) >>> 3)] = value;
    }

    public int readByte(long pa) {
        long q = readQword(pa & ~7L);
        return (int) (q >>> ((pa & 7) * 8)) & 0xFF;
    }

    public void writeByte(long pa, int value) {
        long qa = pa & ~7L;
        int shift = (int) ((pa & 7) * 8);
        long q = readQword(qa);
        q = (q & ~(0xFFL << shift)) | ((long) (value & 0xFF) << shift);
        writeQword(qa, q);
    }

    /**
     * Reads {@code size} (1, 2, 4 or 8) bytes at pa, little-endian, zero-extended. The bytes must
     * lie in one frame (the MMU splits accesses that cross a page).
     */
    public long read(long pa, int size) {
        int shift = (int) (pa & 7) * 8;
        long qa = pa & ~7L;
        long v = readQword(qa) >>> shift;
        if (shift + size * 8 > 64) v |= readQword(qa + 8) << (64 - shift);
        return size == 8 ? v : v & ((1L << (size * 8)) - 1);
    }

    /** Writes the low {@code size} bytes of value at pa, little-endian (within one frame). */
    public void write(long pa, int size, long value) {
        int shift = (int) (pa & 7) * 8;
        if (shift == 0 && size == 8) {
            writeQword(pa, value);
        } else if (shift + size * 8 <= 64) {
            long mask = ((1L << (size * 8)) - 1) << shift;
            long qa = pa & ~7L;
            writeQword(qa, (readQword(qa) & ~mask) | ((value << shift) & mask));
        } else {
            for (int i = 0; i < size; i++) writeByte(pa + i, (int) (value >>> (8 * i)));
        }
    }

    /** Fills the frame with zeros (releases its host memory). */
    public void zeroFrame(long pfn) {
        checkPfn(pfn);
        long[][] chunk = chunks[(int) (pfn >>> CHUNK_SHIFT)];
        if (chunk != null && chunk[(int) (pfn & CHUNK_MASK)] != null) {
            chunk[(int) (pfn & CHUNK_MASK)] = null;
            touchedFrames--;
        }
    }

    /** A copy of the frame's contents (null if all zeros), e.g. for writing it to the paging file. */
    public long[] copyOut(long pfn) {
        long[] f = frameOrNull(pfn);
        return f == null ? null : f.clone();
    }

    /** Replaces the frame's contents (null means zeros), e.g. when reading from the paging file. */
    public void copyIn(long pfn, long[] contents) {
        if (contents == null) {
            zeroFrame(pfn);
        } else {
            System.arraycopy(contents, 0, frame(pfn), 0, contents.length);
        }
    }
}
