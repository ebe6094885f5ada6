package org.dtprobed.jail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Bounded little-endian body decoder: every read and every count is checked against the bytes
 * left before anything is allocated; errors name the field and the byte position in the body.
 */
final class BodyReader {
    private final ByteBuffer buf;

    BodyReader(ByteBuffer body) {
        this.buf = body.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    int position() {
        return buf.position();
    }

    void require(long n, String field) throws FrameFormatException {
        if (n < 0 || n > buf.remaining()) {
            throw error(field, "needs " + n + " bytes, " + buf.remaining() + " left");
        }
    }

    int u8(String field) throws FrameFormatException {
        require(1, field);
        return Byte.toUnsignedInt(buf.get());
    }

    boolean bool(String field) throws FrameFormatException {
        int at = buf.position();
        int v = u8(field);
        if (v > 1) {
            throw new FrameFormatException("body byte " + at + ": " + field + " is " + v + ", expected 0 or 1");
        }
        return v == 1;
    }

    int i32(String field) throws FrameFormatException {
        require(4, field);
        return buf.getInt();
    }

    long i64(String field) throws FrameFormatException {
        require(8, field);
        return buf.getLong();
    }

    /**
     * A count of elements that each take at least {@code minElementSize} bytes, so a count the
     * remaining bytes cannot hold is refused before any list is sized by it.
     */
    int count(String field, int minElementSize) throws FrameFormatException {
        int at = buf.position();
        int n = i32(field);
        if (n < 0 || (long) n * minElementSize > buf.remaining()) {
            throw new FrameFormatException("body byte " + at + ": " + field + " count " + Integer.toUnsignedString(n)
                    + " cannot fit in the " + buf.remaining() + " bytes left");
        }
        return n;
    }

    byte[] bytes(int n, String field) throws FrameFormatException {
        require(n, field);
        byte[] b = new byte[n];
        buf.get(b);
        return b;
    }

    String string(String field) throws FrameFormatException {
        int at = buf.position();
        int n = i32(field);
        if (n == BodyWriter.NULL_STRING) {
            return null;
        }
        if (n < 0) {
            throw new FrameFormatException("body byte " + at + ": " + field + " length " + n + " is negative");
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
            throw new FrameFormatException("body byte " + at + ": " + field + " is not valid UTF-8");
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
    void end(String what) throws FrameFormatException {
        if (buf.hasRemaining()) {
            throw new FrameFormatException(what + ": " + buf.remaining() + " unexpected bytes after byte " + buf.position());
        }
    }

    private FrameFormatException error(String field, String detail) {
        return new FrameFormatException("body byte " + buf.position() + ": " + field + " " + detail);
    }
}
