package org.dtprobed.stash;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one stored value: checks the header (kind, CRC) first, then bounded little-endian fields.
 * Every failure is a {@link StashException.Kind#CORRUPT} naming the value and the offset.
 */
public final class RecordInput {
    private final byte[] buf;
    private final String what;
    private final int version;
    private int pos;

    private RecordInput(byte[] buf, String what, int version) {
        this.buf = buf;
        this.what = what;
        this.version = version;
        this.pos = StashLayout.VALUE_HEADER_SIZE;
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

    public int position() {
        return pos;
    }

    /** Refuses a version this code does not know (the versioning rule: a new codec beside the old). */
    public RecordInput requireVersion(int expected) throws StashException {
        if (version != expected) {
            throw new StashException(StashException.Kind.CORRUPT,
                    what + ": layout version " + version + ", this build reads " + expected);
        }
        return this;
    }

    private void require(int n) throws StashException {
        if (n < 0 || buf.length - pos < n) {
            throw new StashException(StashException.Kind.CORRUPT,
                    what + ": needs " + n + " bytes at offset " + pos + ", value has " + buf.length);
        }
    }

    public int u8() throws StashException {
        require(1);
        return buf[pos++] & 0xFF;
    }

    public int u16() throws StashException {
        require(2);
        int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8;
        pos += 2;
        return v;
    }

    public long u32() throws StashException {
        require(4);
        long v = 0;
        for (int i = 0; i < 4; i++) {
            v |= (long) (buf[pos + i] & 0xFF) << (8 * i);
        }
        pos += 4;
        return v;
    }

    public long u64() throws StashException {
        require(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (long) (buf[pos + i] & 0xFF) << (8 * i);
        }
        pos += 8;
        return v;
    }

    public byte[] bytes(int n) throws StashException {
        require(n);
        byte[] b = new byte[n];
        System.arraycopy(buf, pos, b, 0, n);
        pos += n;
        return b;
    }

    /** A count written by {@link RecordOutput#count}; also bounded by the bytes left (each element ≥ minBytes). */
    public int count(int minBytes) throws StashException {
        int at = pos;
        long n = u32();
        if (n > StashLayout.MAX_LIST_SIZE || n * Math.max(1, minBytes) > buf.length - pos) {
            throw new StashException(StashException.Kind.CORRUPT,
                    what + ": count " + n + " at offset " + at + " exceeds what the value can hold");
        }
        return (int) n;
    }

    public String str() throws StashException {
        int at = pos;
        long n = u32();
        if (n > StashLayout.MAX_STRING_BYTES) {
            throw new StashException(StashException.Kind.CORRUPT,
                    what + ": string length " + n + " at offset " + at + " exceeds " + StashLayout.MAX_STRING_BYTES);
        }
        require((int) n);
        boolean ascii = true;
        for (int i = pos; i < pos + n && ascii; i++) {
            ascii = buf[i] >= 0;
        }
        if (ascii) {
            String s = new String(buf, pos, (int) n, StandardCharsets.US_ASCII);
            pos += (int) n;
            return s;
        }
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, pos, (int) n));
            pos += (int) n;
            return cb.toString();
        } catch (CharacterCodingException e) {
            throw new StashException(StashException.Kind.CORRUPT, what + ": string at offset " + at + " is not UTF-8");
        }
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
        if (pos != buf.length) {
            throw new StashException(StashException.Kind.CORRUPT,
                    what + ": " + (buf.length - pos) + " unread bytes at offset " + pos);
        }
    }
}
