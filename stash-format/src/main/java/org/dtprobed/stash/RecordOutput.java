package org.dtprobed.stash;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/** Builds one stored value: the common header, then little-endian fields, each bounded. */
public final class RecordOutput {
    private byte[] buf;
    private int pos;

    /** Starts a value of the given kind and layout version (the header's CRC is set by {@link #finish()}). */
    public RecordOutput(int kind, int version, int capacityHint) {
        buf = new byte[Math.max(64, capacityHint)];
        u16(version);
        u16(kind);
        u32(0);
    }

    private void ensure(int n) {
        if (buf.length - pos < n) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }

    public RecordOutput u8(int v) {
        ensure(1);
        buf[pos++] = (byte) v;
        return this;
    }

    public RecordOutput u16(int v) {
        ensure(2);
        buf[pos++] = (byte) v;
        buf[pos++] = (byte) (v >>> 8);
        return this;
    }

    public RecordOutput u32(long v) {
        ensure(4);
        for (int i = 0; i < 4; i++) {
            buf[pos++] = (byte) (v >>> (8 * i));
        }
        return this;
    }

    public RecordOutput u64(long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            buf[pos++] = (byte) (v >>> (8 * i));
        }
        return this;
    }

    public RecordOutput bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
        return this;
    }

    /** A u32 element count, refused when beyond {@link StashLayout#MAX_LIST_SIZE}. */
    public RecordOutput count(int n, String what) throws StashException {
        if (n < 0 || n > StashLayout.MAX_LIST_SIZE) {
            throw new StashException(StashException.Kind.REFUSED,
                    what + ": " + n + " elements; at most " + StashLayout.MAX_LIST_SIZE);
        }
        return u32(n);
    }

    /**
     * A u32 byte length and the UTF-8 bytes. Any content is stored exactly (a NUL, '/', ".." are
     * just bytes here); only the length is bounded, and malformed UTF-16 is refused rather than
     * silently replaced.
     */
    public RecordOutput str(String s, String what) throws StashException {
        if (s == null) {
            throw new StashException(StashException.Kind.REFUSED, what + ": missing");
        }
        if (s.length() > StashLayout.MAX_STRING_BYTES) {
            throw tooLong(what, s.length());
        }
        boolean ascii = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            ascii &= c < 0x80;
            if (Character.isSurrogate(c) && !validPair(s, i++)) {
                throw new StashException(StashException.Kind.REFUSED, what + ": not valid Unicode (unpaired surrogate)");
            }
        }
        if (ascii) {
            // the common case, written in place: no byte array per string on the commit path
            u32(s.length());
            ensure(s.length());
            for (int i = 0; i < s.length(); i++) {
                buf[pos++] = (byte) s.charAt(i);
            }
            return this;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > StashLayout.MAX_STRING_BYTES) {
            throw tooLong(what, b.length);
        }
        u32(b.length);
        return bytes(b);
    }

    private static boolean validPair(String s, int i) {
        return Character.isHighSurrogate(s.charAt(i)) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }

    private static StashException tooLong(String what, int n) {
        return new StashException(StashException.Kind.REFUSED,
                what + ": " + n + " bytes; at most " + StashLayout.MAX_STRING_BYTES);
    }

    /** Bytes written so far, the header included. */
    int position() {
        return pos;
    }

    /** Writes a u32 over bytes already written at {@code at} (a length known only afterwards). */
    RecordOutput u32At(int at, long v) {
        if (at < 0 || at + 4 > pos) {
            throw new IndexOutOfBoundsException("u32 at " + at + " of " + pos + " bytes written");
        }
        for (int i = 0; i < 4; i++) {
            buf[at + i] = (byte) (v >>> (8 * i));
        }
        return this;
    }

    /** Fills in the CRC and returns the value. */
    public byte[] finish() {
        byte[] out = Arrays.copyOf(buf, pos);
        long crc = crc(out);
        for (int i = 0; i < 4; i++) {
            out[StashLayout.VALUE_OFF_CRC + i] = (byte) (crc >>> (8 * i));
        }
        return out;
    }

    static long crc(byte[] value) {
        CRC32C c = new CRC32C();
        c.update(value, StashLayout.VALUE_HEADER_SIZE, value.length - StashLayout.VALUE_HEADER_SIZE);
        return c.getValue();
    }
}
