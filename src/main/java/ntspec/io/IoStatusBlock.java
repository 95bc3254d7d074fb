package ntspec.io;

import ntspec.nt.KernelMemory;
import ntspec.nt.StructType;
import ntspec.nt.StructType.Prim;
import ntspec.nt.StructView;

/** IO_STATUS_BLOCK (x64: Status or Pointer at +0, Information at +8), wherever it lives: in an IRP or a caller's memory. */
public final class IoStatusBlock extends StructView {
    public static final StructType TYPE = StructType.builder("_IO_STATUS_BLOCK", 0x10)
            .prim("Status", 0x0, Prim.LONG)
            .ptr("Pointer", 0x0, "Void")
            .prim("Information", 0x8, Prim.ULONG64)
            .build();

    public IoStatusBlock(KernelMemory mem, long address) {
        super(mem, address);
    }

    @Override
    public StructType type() {
        return TYPE;
    }

    public int Status() {
        return s32(0x0);
    }

    public void setStatus(int status) {
        write(0x0, 4, status);
    }

    public long Information() {
        return u64(0x8);
    }

    public void setInformation(long information) {
        write(0x8, 8, information);
    }
}
