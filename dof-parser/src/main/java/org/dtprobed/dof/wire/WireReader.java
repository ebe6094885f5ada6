package org.dtprobed.dof.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Bounded little-endian body decoder: every read and every count is checked against the bytes
 * left before anything is allocated; errors name the field and the byte position in the body.
 */
public final class WireReader {
    private final ByteBuffer buf;

    public WireReader(ByteBuffer body) {
        this.buf = body.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    public int position() {
        return buf.position();
    }

    public void require(long n, String field) throws WireFormatException {
        if (n < 0 || n > buf.remaining()) {
            throw error(field, "needs " + n + " bytes, " + buf.remaining() + " left");
        }
    }

    /** Moves past {@code n} bytes the caller already knows (compared elsewhere), within the body. */
    public void skip(int n, String field) throws WireFormatException {
        require(n, field);
        buf.position(buf.position() + n);
    }

    public int u8(String field) throws WireFormatException {
        require(1, field);
        return Byte.toUnsignedInt(buf.get());
    }

    public boolean bool(String field) throws WireFormatException {
        int at = buf.position();
        int v = u8(field);
        if (v > 1) {
            throw new WireFormatException("body byte " + at + ": " + field + " is " + v + ", expected 0 or 1");
        }
        return v == 1;
    }

    public int i32(String field) throws WireFormatException {
        require(4, field);
        return buf.getInt();
    }

    public long i64(String field) throws WireFormatException {
        require(8, field);
        return buf.getLong();
    }

    /**
     * A count of elements that each take at least {@code minElementSize} bytes, so a count the
     * remaining bytes cannot hold is refused before any list is sized by it.
     */
    public int count(String field, int minElementSize) throws WireFormatException {
        int at = buf.position();
        int n = i32(field);
        if (n < 0 || (long) n * minElementSize > buf.remaining()) {
            throw new WireFormatException("body byte " + at + ": " + field + " count " + Integer.toUnsignedString(n)
                    + " cannot fit in the " + buf.remaining() + " bytes left");
        }
        return n;
    }

    public byte[] bytes(int n, String field) throws WireFormatException {
        require(n, field);
        byte[] b = new byte[n];
        buf.get(b);
        return b;
    }

    public String string(String field) throws WireFormatException {
        int at = buf.position();
        int n = i32(field);
        if (n == WireWriter.NULL_STRING) {
            return null;
        }
        if (n < 0) {
            throw new WireFormatException("body byte " + at + ": " + field + " length " + n + " is negative");
        }
        require(n, field);
        if (isAscii(buf, buf.position(), n)) {
            byte[] b = new byte[n];
            buf.get(b);
            return new String(b, StandardCharsets.US_ASCII);
        }
        ByteBuffer slice = buf.slice(buf.position(), n);
        buf.position(buf.position() + n);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw new WireFormatException("body byte " + at + ": " + field + " is not valid UTF-8");
        }
    }

    private static boolean isAscii(ByteBuffer b, int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (b.get(i) < 0) {
                return false;
            }
        }
        return true;
    }

    /** The body must be used up exactly: trailing bytes mean the two sides disagree on the layout. */
    public void end(String what) throws WireFormatException {
        if (buf.hasRemaining()) {
            throw new WireFormatException(what + ": " + buf.remaining() + " unexpected bytes after byte " + buf.position());
        }
    }

    private WireFormatException error(String field, String detail) {
        return new WireFormatException("body byte " + buf.position() + ": " + field + " " + detail);
    }
}
