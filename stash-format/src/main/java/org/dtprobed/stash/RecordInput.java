package org.dtprobed.stash;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.dtprobed.dof.wire.WireFormatException;
import org.dtprobed.dof.wire.WireReader;

/**
 * Reads one stored value: checks the header (kind, CRC) first, then its little-endian fields through
 * the one bounded reader ({@link WireReader}, which the parser's frames use too). Every failure is
 * a {@link StashException.Kind#CORRUPT} naming the value and the position.
 */
public final class RecordInput {
    private final String what;
    private final int version;
    private final WireReader wire;
    private final byte[] value;

    private RecordInput(byte[] buf, String what, int version) {
        this.what = what;
        this.value = buf;
        this.version = version;
        this.wire = new WireReader(ByteBuffer.wrap(buf, StashLayout.VALUE_HEADER_SIZE,
                buf.length - StashLayout.VALUE_HEADER_SIZE));
    }

    /** Opens a value of the given kind after checking its size and CRC; the caller checks {@link #version()}. */
    public static RecordInput open(byte[] value, int kind, String what) throws StashException {
        if (value == null || value.length < StashLayout.VALUE_HEADER_SIZE) {
            throw new StashException(StashException.Kind.CORRUPT,
                    what + ": value of " + (value == null ? 0 : value.length) + " bytes is shorter than its header");
        }
        int k = (value[StashLayout.VALUE_OFF_KIND] & 0xFF) | (value[StashLayout.VALUE_OFF_KIND + 1] & 0xFF) << 8;
        if (k != kind) {
            throw new StashException(StashException.Kind.CORRUPT, what + ": value kind " + k + ", expected " + kind);
        }
        long stored = 0;
        for (int i = 0; i < 4; i++) {
            stored |= (long) (value[StashLayout.VALUE_OFF_CRC + i] & 0xFF) << (8 * i);
        }
        long actual = RecordOutput.crc(value);
        if (stored != actual) {
            throw new StashException(StashException.Kind.CORRUPT,
                    what + ": CRC32C " + Long.toHexString(actual) + " does not match stored " + Long.toHexString(stored));
        }
        int v = (value[StashLayout.VALUE_OFF_VERSION] & 0xFF) | (value[StashLayout.VALUE_OFF_VERSION + 1] & 0xFF) << 8;
        return new RecordInput(value, what, v);
    }

    public int version() {
        return version;
    }

    /** Position in the whole value (header included). */
    public int position() {
        return StashLayout.VALUE_HEADER_SIZE + wire.position();
    }

    /** Refuses a version this code does not know (the versioning rule: a new codec beside the old). */
    public RecordInput requireVersion(int expected) throws StashException {
        if (version != expected) {
            throw new StashException(StashException.Kind.CORRUPT,
                    what + ": layout version " + version + ", this build reads " + expected);
        }
        return this;
    }

    /** Runs one read of the shared bounded reader; its failure is this value's CORRUPT. */
    private <T> T read(WireRead<T> op) throws StashException {
        try {
            return op.read(wire);
        } catch (WireFormatException e) {
            throw new StashException(StashException.Kind.CORRUPT, what + " (value byte " + StashLayout.VALUE_HEADER_SIZE
                    + " onwards): " + e.getMessage(), e);
        }
    }

    private interface WireRead<T> {
        T read(WireReader r) throws WireFormatException;
    }

    public int u8() throws StashException {
        return read(r -> r.u8("u8"));
    }

    public int u16() throws StashException {
        return read(r -> r.u8("u16") | r.u8("u16") << 8);
    }

    public long u32() throws StashException {
        return read(r -> Integer.toUnsignedLong(r.i32("u32")));
    }

    public long u64() throws StashException {
        return read(r -> r.i64("u64"));
    }

    /** The whole value this reads (header included; {@link #position()} indexes it). */
    byte[] value() {
        return value;
    }

    /** Whether the bytes at the position are {@code src[from..to)} (nothing is read). */
    boolean startsWith(byte[] src, int from, int to) {
        int at = position();
        int n = to - from;
        return n <= value.length - at && Arrays.equals(src, from, to, value, at, at + n);
    }

    /** Moves past {@code n} bytes (ones {@link #startsWith} compared). */
    void skip(int n) throws StashException {
        read(r -> {
            r.skip(n, "bytes");
            return null;
        });
    }

    public byte[] bytes(int n) throws StashException {
        return read(r -> r.bytes(n, "bytes"));
    }

    /** A count written by {@link RecordOutput#count}; also bounded by the bytes left (each element ≥ minBytes). */
    public int count(int minBytes) throws StashException {
        int n = read(r -> r.count("count", Math.max(1, minBytes)));
        if (n > StashLayout.MAX_LIST_SIZE) {
            throw new StashException(StashException.Kind.CORRUPT, what + ": count " + n + " exceeds "
                    + StashLayout.MAX_LIST_SIZE);
        }
        return n;
    }

    public String str() throws StashException {
        String s = read(r -> r.string("string"));
        if (s == null) {
            throw new StashException(StashException.Kind.CORRUPT, what + ": a string is missing");
        }
        // chars never outnumber UTF-8 bytes: only a long string needs its bytes counted
        if (s.length() > StashLayout.MAX_STRING_BYTES / 4
                && s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > StashLayout.MAX_STRING_BYTES) {
            throw new StashException(StashException.Kind.CORRUPT, what + ": a string longer than "
                    + StashLayout.MAX_STRING_BYTES + " bytes");
        }
        return s;
    }

    public List<String> strings() throws StashException {
        int n = count(4);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(str());
        }
        return out;
    }

    /** Fails unless every byte was consumed: trailing bytes mean a layout this code misreads. */
    public void end() throws StashException {
        read(r -> {
            r.end(what);
            return null;
        });
    }
}
