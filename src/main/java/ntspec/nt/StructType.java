package ntspec.nt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The x64 layout of a structure as the public symbols give it ({@code dt nt!_IRP}): each member's
 * offset and type. Unions are members at the same offset; unnamed unions and structures are
 * embedded types named {@code <anonymous-tag>}. Immutable once built.
 */
public final class StructType {
    /** The scalar types of the symbols, with the names dt prints. */
    public enum Prim {
        CHAR(1, true, "Char"), UCHAR(1, false, "UChar"), SHORT(2, true, "Int2B"), USHORT(2, false, "Uint2B"),
        LONG(4, true, "Int4B"), ULONG(4, false, "Uint4B"), LONG64(8, true, "Int8B"), ULONG64(8, false, "Uint8B"),
        PTR(8, false, "Ptr64");

        public final int size;
        public final boolean signed;
        public final String symbolName;

        Prim(int size, boolean signed, String symbolName) {
            this.size = size;
            this.signed = signed;
            this.symbolName = symbolName;
        }

        /** The value as C reads it from {@code raw} (zero-extended bytes): sign-extended for signed types. */
        public long decode(long raw) {
            if (!signed || size == 8) return raw;
            int shift = 64 - 8 * size;
            return (raw << shift) >> shift;
        }
    }

    /**
     * One member. {@code prim} is null for an embedded structure ({@code struct}); {@code pointee}
     * names what a pointer points at ("_MDL", "Void", "long" for a routine); {@code count} is the
     * element count of an array member, 0 for a scalar.
     */
    public record Field(String name, int offset, Prim prim, String pointee, StructType struct, int count) {
        public boolean isStruct() {
            return struct != null;
        }

        public boolean isPointer() {
            return prim == Prim.PTR;
        }

        public boolean isArray() {
            return count > 0;
        }

        /** Size of one element (the whole member for a scalar). */
        public int elementSize() {
            return struct != null ? struct.size : prim.size;
        }

        /** The type as dt prints it: "Ptr64 _MDL", "Uint4B", "_IO_STATUS_BLOCK", "[28] Ptr64     long". */
        public String typeText() {
            String one;
            if (struct != null) one = struct.name;
            else if (prim == Prim.PTR) one = "long".equals(pointee) || "void".equals(pointee) ? "Ptr64     " + pointee : "Ptr64 " + pointee;
            else one = prim.symbolName;
            return count > 0 ? "[" + count + "] " + one : one;
        }
    }

    /** A member found by a dotted path ("IoStatus.Information"), with its offset from the start. */
    public record Resolved(int offset, Field field) {
    }

    private final String name;
    private final int size;
    private final List<Field> fields;
    private final Map<String, Field> byName;

    private StructType(String name, int size, List<Field> fields) {
        this.name = name;
        this.size = size;
        this.fields = Collections.unmodifiableList(fields);
        Map<String, Field> m = new LinkedHashMap<>();
        for (Field f : fields) m.putIfAbsent(f.name, f);
        this.byName = Collections.unmodifiableMap(m);
    }

    public String name() {
        return name;
    }

    public int size() {
        return size;
    }

    public List<Field> fields() {
        return fields;
    }

    public Field field(String member) {
        return byName.get(member);
    }

    public List<String> fieldNames() {
        return List.copyOf(byName.keySet());
    }

    /** Resolves "A.B.C" through embedded structures; null when a member does not exist. */
    public Resolved resolve(String path) {
        StructType t = this;
        int offset = 0;
        Field f = null;
        for (String part : path.split("\\.")) {
            if (t == null) return null;
            f = t.field(part);
            if (f == null) return null;
            offset += f.offset;
            t = f.struct;
        }
        return f == null ? null : new Resolved(offset, f);
    }

    public int offsetOf(String path) {
        Resolved r = resolve(path);
        if (r == null) throw new IllegalArgumentException(name + " has no member " + path);
        return r.offset;
    }

    @Override
    public String toString() {
        return name;
    }

    public static Builder builder(String name, int size) {
        return new Builder(name, size);
    }

    /** Members in offset order, as the symbols list them. */
    public static final class Builder {
        private final String name;
        private final int size;
        private final List<Field> fields = new ArrayList<>();

        private Builder(String name, int size) {
            this.name = name;
            this.size = size;
        }

        public Builder prim(String member, int offset, Prim prim) {
            return add(new Field(member, offset, prim, null, null, 0));
        }

        public Builder ptr(String member, int offset, String pointee) {
            return add(new Field(member, offset, Prim.PTR, pointee, null, 0));
        }

        public Builder struct(String member, int offset, StructType type) {
            return add(new Field(member, offset, null, null, type, 0));
        }

        public Builder array(String member, int offset, Prim prim, String pointee, int count) {
            return add(new Field(member, offset, prim, pointee, null, count));
        }

        public Builder structArray(String member, int offset, StructType type, int count) {
            return add(new Field(member, offset, null, null, type, count));
        }

        private Builder add(Field f) {
            int extent = f.offset + f.elementSize() * Math.max(1, f.count);
            if (f.offset < 0 || extent > size) {
                throw new IllegalArgumentException(name + "." + f.name + " at +0x" + Integer.toHexString(f.offset)
                        + " does not fit in 0x" + Integer.toHexString(size) + " bytes");
            }
            fields.add(f);
            return this;
        }

        public StructType build() {
            return new StructType(name, size, new ArrayList<>(fields));
        }
    }
}
