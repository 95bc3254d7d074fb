package ntspec.mm;

/** A virtual address descriptor: one allocated range of a process's user space. */
public final class Vad {
    public enum Type { PRIVATE, MDL_MAPPING }

    /** First and last VPN (inclusive), as the VAD tree keeps them. */
    public final long startingVpn;
    public final long endingVpn;
    /** MM protection given at allocation (pages may differ after NtProtectVirtualMemory). */
    final int protection;
    /** MEM_COMMIT was given for the whole range at allocation. */
    final boolean committed;
    public final Type type;

    Vad(long startingVpn, long endingVpn, int protection, boolean committed, Type type) {
        this.startingVpn = startingVpn;
        this.endingVpn = endingVpn;
        this.protection = protection;
        this.committed = committed;
        this.type = type;
    }

    public long start() {
        return startingVpn << 12;
    }

    public long size() {
        return (endingVpn - startingVpn + 1) << 12;
    }

    public boolean contains(long va) {
        long vpn = va >>> 12;
        return vpn >= startingVpn && vpn <= endingVpn;
    }

    public int protection() {
        return protection;
    }

    public boolean committed() {
        return committed;
    }
}
