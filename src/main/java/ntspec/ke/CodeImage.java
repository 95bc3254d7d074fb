package ntspec.ke;

/** A loaded image (nt or a driver): the address range its code occupies. */
public record CodeImage(String name, long base, long size, boolean isDriver) {
    public boolean contains(long address) {
        return Long.compareUnsigned(address, base) >= 0 && Long.compareUnsigned(address, base + size) < 0;
    }

    /** A stable code address for a named routine inside this image (symbol + offset in dumps). */
    public long routine(String routineName) {
        return base + 0x1000 + (Math.floorMod(routineName.hashCode(), (int) Math.min(size - 0x2000, 0x7FFF_F000)) & ~0xFL);
    }
}
