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
    /** The backing array of a heap buffer (null for direct buffers), for byte scans without per-byte checks. */
    private final byte[] array;
    private final int arrayBase;

    DofInput(ByteBuffer source, int size) {
        this.buf = source.slice(source.position(), size).order(ByteOrder.LITTLE_ENDIAN);
        this.size = size;
        boolean heap = buf.hasArray() && !buf.isReadOnly();
        this.array = heap ? buf.array() : null;
        this.arrayBase = heap ? buf.arrayOffset() : 0;
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
        if (array != null) {
            for (int i = arrayBase + offset, e = arrayBase + end; i < e; i++) {
                if (array[i] == 0) {
                    return i - arrayBase;
                }
            }
            return -1;
        }
        for (int i = offset; i < end; i++) {
            if (buf.get(i) == 0) {
                return i;
            }
        }
        return -1;
    }

    /** Whether every byte of the range is below 0x80 (the caller has bounds-checked it). */
    boolean isAscii(int offset, int end) {
        if (array != null) {
            for (int i = arrayBase + offset, e = arrayBase + end; i < e; i++) {
                if (array[i] < 0) {
                    return false;
                }
            }
            return true;
        }
        for (int i = offset; i < end; i++) {
            if (buf.get(i) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Decodes a bounds-checked range of ASCII bytes (the fastest decoding there is). */
    String ascii(int offset, int end) {
        if (array != null) {
            return new String(array, arrayBase + offset, end - offset, StandardCharsets.ISO_8859_1);
        }
        return new String(bytes(offset, end - offset), StandardCharsets.ISO_8859_1);
    }

    /** Decodes a bounds-checked range; invalid UTF-8 becomes U+FFFD (the caller reports it). */
    String string(int offset, int end) {
        int length = end - offset;
        if (array != null) {
            return new String(array, arrayBase + offset, length, StandardCharsets.UTF_8);
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
