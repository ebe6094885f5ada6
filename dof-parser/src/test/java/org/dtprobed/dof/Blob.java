package org.dtprobed.dof;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** A DOF blob under test, with field access through the layout constants (for mutation). */
final class Blob {
    final ByteBuffer b;

    Blob(byte[] bytes) {
        this.b = ByteBuffer.wrap(bytes.clone()).order(ByteOrder.LITTLE_ENDIAN);
    }

    byte[] bytes() {
        return b.array();
    }

    byte[] truncated(int length) {
        return Arrays.copyOf(b.array(), length);
    }

    long sectionHeader(int index) {
        return b.getLong(DofHeader.OFF_SECOFF) + (long) index * b.getInt(DofHeader.OFF_SECSIZE);
    }

    long sectionOffset(int index) {
        return b.getLong((int) sectionHeader(index) + DofSectionHeader.OFF_OFFSET);
    }

    long sectionSize(int index) {
        return b.getLong((int) sectionHeader(index) + DofSectionHeader.OFF_SIZE);
    }

    int sectionType(int index) {
        return b.getInt((int) sectionHeader(index) + DofSectionHeader.OFF_TYPE);
    }

    /** Index of the first section of that type. */
    int section(int type) {
        int n = b.getInt(DofHeader.OFF_SECNUM);
        for (int i = 0; i < n; i++) {
            if (sectionType(i) == type) {
                return i;
            }
        }
        throw new IllegalArgumentException("no section of type " + type);
    }

    Blob u8(long at, int v) {
        b.put((int) at, (byte) v);
        return this;
    }

    Blob u16(long at, int v) {
        b.putShort((int) at, (short) v);
        return this;
    }

    Blob u32(long at, long v) {
        b.putInt((int) at, (int) v);
        return this;
    }

    Blob u64(long at, long v) {
        b.putLong((int) at, v);
        return this;
    }

    Blob sectionField(int index, int fieldOffset, long v, int width) {
        long at = sectionHeader(index) + fieldOffset;
        return width == 8 ? u64(at, v) : u32(at, v);
    }

    /** Position of field {@code off} of probe {@code i} of the first PROBES section. */
    long probeField(int i, int off) {
        int s = section(DofSectionType.PROBES);
        return sectionOffset(s) + (long) i * DofProbeRecord.SIZE + off;
    }

    long providerField(int off) {
        return sectionOffset(section(DofSectionType.PROVIDER)) + off;
    }
}
