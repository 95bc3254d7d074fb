package ntspec.ke;

import ntspec.nt.KernelMemory;
import ntspec.trace.Trace;

/**
 * Executive spin locks as x64 Windows implements them: a KSPIN_LOCK is a ULONG_PTR in nonpaged
 * memory whose bit 0 is taken with {@code lock bts} and cleared on release; acquiring raises IRQL
 * to DISPATCH_LEVEL first (KeAcquireSpinLockRaiseToDpc, what wdm.h's KeAcquireSpinLock expands to on
 * x64), releasing writes the old IRQL back
 * (https://learn.microsoft.com/windows-hardware/drivers/kernel/introduction-to-spin-locks,
 * https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-keacquirespinlock). Nothing
 * records an owner: a lock nobody releases stays taken, and the next acquire spins for ever -- at
 * DISPATCH_LEVEL the DPC watchdog ends that (see {@link Kernel#hang}).
 */
public final class SpinLocks {
    private final Kernel kernel;
    private final KernelMemory memory;

    public SpinLocks(Kernel kernel, KernelMemory memory) {
        this.kernel = kernel;
        this.memory = memory;
    }

    /** KeInitializeSpinLock: *SpinLock = 0. */
    public void KeInitializeSpinLock(long lock) {
        memory.write(lock, 8, 0);
    }

    /** True when bit 0 of the lock is set (what {@code dq lock} shows as 1). */
    public boolean isHeld(long lock) {
        return (memory.read(lock, 8) & 1) != 0;
    }

    /** KeAcquireSpinLock (x64: KeAcquireSpinLockRaiseToDpc): raises to DISPATCH_LEVEL, takes the lock; returns the old IRQL. */
    public int KeAcquireSpinLock(long lock, String routine) {
        int old = kernel.KeGetCurrentIrql();
        kernel.setIrql(Irql.DISPATCH_LEVEL);
        KeAcquireSpinLockAtDpcLevel(lock, routine);
        return old;
    }

    /**
     * KeAcquireSpinLockAtDpcLevel: {@code lock bts [SpinLock], 0}; while the bit was already set the
     * processor spins, re-reading the lock. Nothing in this machine runs while it spins, so a taken
     * lock is never released: the thread never returns.
     */
    public void KeAcquireSpinLockAtDpcLevel(long lock, String routine) {
        long v = memory.read(lock, 8);
        if ((v & 1) != 0) {
            kernel.trace().add(Trace.Kind.NOTE, routine + " spins on the spin lock at " + Trace.hex(lock) + ", which is held: nobody releases it");
            throw kernel.hang(routine + " spinning on the spin lock at " + Trace.hex(lock));
        }
        memory.write(lock, 8, v | 1);
    }

    /** KeReleaseSpinLockFromDpcLevel: clears the lock, IRQL unchanged. */
    public void KeReleaseSpinLockFromDpcLevel(long lock) {
        memory.write(lock, 8, memory.read(lock, 8) & ~1L);
    }

    /** KeReleaseSpinLock: clears the lock, then writes NewIrql to CR8. */
    public void KeReleaseSpinLock(long lock, int newIrql) {
        KeReleaseSpinLockFromDpcLevel(lock);
        kernel.KeLowerIrql(newIrql);
    }
}
