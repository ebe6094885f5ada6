package org.dtprobed.dof;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A bounded, little-endian, read-only view of one DOF blob. Every read is absolute and checked
 * against the view's size first, so a bad offset becomes a {@link DofFormatException} naming the
 * position, never an {@code IndexOutOfBoundsException}. The blob is not copied.
 */
final class DofInput {
    private final ByteBuffer buf;
    private final int size;

    DofInput(ByteBuffer source, int size) {
        this.buf = source.slice(source.position(), size).order(ByteOrder.LITTLE_ENDIAN);
        this.size = size;
    }

    int size() {
        return size;
    }

    /** Whether {@code [offset, offset + length)} lies inside the view (unsigned, overflow-safe). */
    boolean contains(long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= size && length <= size - offset;
    }

    private void require(long offset, int length, DofRule rule) throws DofFormatException {
        if (!contains(offset, length)) {
            throw new DofFormatException(rule, "read of " + length + " bytes at offset " + offset
                    + " passes the load size " + size);
        }
    }

    int u8(long offset, DofRule rule) throws DofFormatException {
        require(offset, 1, rule);
        return buf.get((int) offset) & 0xFF;
    }

    int u16(long offset, DofRule rule) throws DofFormatException {
        require(offset, 2, rule);
        return buf.getShort((int) offset) & 0xFFFF;
    }

    long u32(long offset, DofRule rule) throws DofFormatException {
        require(offset, 4, rule);
        return buf.getInt((int) offset) & 0xFFFF_FFFFL;
    }

    long u64(long offset, DofRule rule) throws DofFormatException {
        require(offset, 8, rule);
        return buf.getLong((int) offset);
    }

    /**
     * The position of the first NUL in {@code [offset, end)}, or -1 when there is none. The
     * caller has checked that the range lies inside the view.
     */
    int indexOfNul(int offset, int end) {
        for (int i = offset; i < end; i++) {
            if (buf.get(i) == 0) {
                return i;
            }
        }
        return -1;
    }

    /** Whether every byte of the range is below 0x80 (the caller has bounds-checked it). */
    boolean isAscii(int offset, int end) {
        for (int i = offset; i < end; i++) {
            if (buf.get(i) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Decodes a bounds-checked range; invalid UTF-8 becomes U+FFFD (the caller reports it). */
    String string(int offset, int end) {
        int length = end - offset;
        if (buf.hasArray()) {
            return new String(buf.array(), buf.arrayOffset() + offset, length, StandardCharsets.UTF_8);
        }
        byte[] bytes = new byte[length];
        buf.get(offset, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Copies a bounds-checked range out of the view. */
    byte[] bytes(int offset, int length) {
        byte[] out = new byte[length];
        buf.get(offset, out);
        return out;
    }
}
