package org.dtprobed.dof.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Little-endian body encoder. Strings are u32 byte length + strict UTF-8 ({@link #NULL_STRING}
 * for null); a string that is not valid UTF-16 (a lone surrogate) cannot be carried losslessly and
 * is refused.
 */
public final class WireWriter {
    public static final int NULL_STRING = -1;

    private ByteBuffer buf;

    public WireWriter(int initialCapacity) {
        buf = ByteBuffer.allocate(Math.max(16, initialCapacity)).order(ByteOrder.LITTLE_ENDIAN);
    }

    public WireWriter u8(int v) {
        ensure(1).put((byte) v);
        return this;
    }

    public WireWriter i32(int v) {
        ensure(4).putInt(v);
        return this;
    }

    public WireWriter i64(long v) {
        ensure(8).putLong(v);
        return this;
    }

    public WireWriter bool(boolean v) {
        return u8(v ? 1 : 0);
    }

    public WireWriter bytes(byte[] v) {
        ensure(v.length).put(v);
        return this;
    }

    public WireWriter string(String s) {
        if (s == null) {
            return i32(NULL_STRING);
        }
        if (isAscii(s)) {
            // nearly every DOF name; one byte per char, no encoder needed
            ByteBuffer b = ensure(4 + s.length());
            b.putInt(s.length());
            for (int i = 0; i < s.length(); i++) {
                b.put((byte) s.charAt(i));
            }
            return this;
        }
        ByteBuffer utf8;
        try {
            utf8 = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("string is not valid UTF-16 and cannot be framed: " + e);
        }
        i32(utf8.remaining());
        ensure(utf8.remaining()).put(utf8);
        return this;
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf.array(), buf.position());
    }

    private ByteBuffer ensure(int n) {
        if (buf.remaining() < n) {
            long want = Math.max((long) buf.capacity() * 2, (long) buf.position() + n);
            if (want > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("frame body would exceed 2 GiB");
            }
            ByteBuffer bigger = ByteBuffer.allocate((int) want).order(ByteOrder.LITTLE_ENDIAN);
            buf.flip();
            bigger.put(buf);
            buf = bigger;
        }
        return buf;
    }
}
