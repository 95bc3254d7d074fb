package ntspec.io;

import ntspec.mm.EProcess;

/**
 * An entry of a process's handle table: the handle value, the file object it refers to and the
 * access granted when it was opened (what NtDeviceIoControlFile checks an IOCTL's access bits against).
 */
public record Handle(long value, EProcess process, FileObject file, int grantedAccess) {
    @Override
    public String toString() {
        return String.format("handle 0x%X of %s (%s)", value, process.name, file);
    }
}
