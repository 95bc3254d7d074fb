package ntspec.nt;

/**
 * A Java view over a structure in simulated memory: an address and accessors that read and write
 * its members there, as kernel-mode code on the current processor would. The view holds no state of
 * its own, so a driver that corrupts the bytes (or frees them) changes what every view reads.
 * Views are equal when they are of the same type at the same address.
 */
public abstract class StructView implements KernelObject {
    protected final KernelMemory mem;
    public final long address;

    protected StructView(KernelMemory mem, long address) {
        this.mem = mem;
        this.address = address;
    }

    @Override
    public final long address() {
        return address;
    }

    public final KernelMemory memory() {
        return mem;
    }

    protected final long read(int offset, int size) {
        return mem.read(address + offset, size);
    }

    protected final void write(int offset, int size, long value) {
        mem.write(address + offset, size, value);
    }

    protected final int u8(int offset) {
        return (int) mem.read(address + offset, 1);
    }

    protected final int u16(int offset) {
        return (int) mem.read(address + offset, 2);
    }

    protected final short s16(int offset) {
        return (short) mem.read(address + offset, 2);
    }

    protected final int s32(int offset) {
        return (int) mem.read(address + offset, 4);
    }

    protected final long u32(int offset) {
        return mem.read(address + offset, 4);
    }

    protected final long u64(int offset) {
        return mem.read(address + offset, 8);
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && ((StructView) o).address == address;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(address) * 31 + getClass().hashCode();
    }

    @Override
    public String toString() {
        return String.format("%s %X", type().name().replaceFirst("^_", ""), address);
    }
}
