package ntspec.ke;

/**
 * A special kernel-mode APC (KAPC with a KernelRoutine and no NormalRoutine): runs in its target
 * thread at APC_LEVEL as soon as the thread runs below APC_LEVEL (https://learn.microsoft.com/windows-hardware/drivers/kernel/types-of-apcs).
 */
public record KApc(String kernelRoutine, Runnable routine) {
}
