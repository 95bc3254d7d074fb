package ntspec.io;

/** IO_STACK_LOCATION: one per driver in the stack; Parameters is a union in C, separate members here. */
public final class IoStackLocation {
    public final long address;
    public int MajorFunction;
    public int MinorFunction;
    public int Flags;
    public int Control;
    public final Params Parameters = new Params();
    public DeviceObject DeviceObject;
    public FileObject FileObject;
    public IoCompletionRoutine CompletionRoutine;
    /** The image the completion routine belongs to (its code runs as that driver's). */
    public ntspec.ke.CodeImage completionImage;
    public String completionName;
    public Object Context;

    IoStackLocation(long address) {
        this.address = address;
    }

    /** The union Parameters. */
    public static final class Params {
        public final DeviceIoControlParams DeviceIoControl = new DeviceIoControlParams();
        public final ReadWriteParams Read = new ReadWriteParams();
        public final ReadWriteParams Write = Read;
    }

    public static final class DeviceIoControlParams {
        public long OutputBufferLength;
        public long InputBufferLength;
        public int IoControlCode;
        public long Type3InputBuffer;
    }

    public static final class ReadWriteParams {
        public long Length;
        public long ByteOffset;
    }

    /** Copies everything but the completion routine, its context and Control (IoCopyCurrentIrpStackLocationToNext). */
    void copyParametersFrom(IoStackLocation s) {
        MajorFunction = s.MajorFunction;
        MinorFunction = s.MinorFunction;
        Flags = s.Flags;
        Parameters.DeviceIoControl.OutputBufferLength = s.Parameters.DeviceIoControl.OutputBufferLength;
        Parameters.DeviceIoControl.InputBufferLength = s.Parameters.DeviceIoControl.InputBufferLength;
        Parameters.DeviceIoControl.IoControlCode = s.Parameters.DeviceIoControl.IoControlCode;
        Parameters.DeviceIoControl.Type3InputBuffer = s.Parameters.DeviceIoControl.Type3InputBuffer;
        Parameters.Read.Length = s.Parameters.Read.Length;
        Parameters.Read.ByteOffset = s.Parameters.Read.ByteOffset;
        DeviceObject = s.DeviceObject;
        FileObject = s.FileObject;
        CompletionRoutine = null;
        completionImage = null;
        completionName = null;
        Context = null;
        Control = 0;
    }

    /** The I/O manager zeroes a stack location once its driver is done with it (IopCompleteRequest stage 1). */
    void clear() {
        copyParametersFrom(new IoStackLocation(address));
    }
}
