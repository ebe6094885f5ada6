package org.dtprobed.jail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Writes frames to a stream; the body may be given in parts so that a DOF is never copied. */
public final class FrameWriter {
    private final OutputStream out;

    public FrameWriter(OutputStream out) {
        this.out = out;
    }

    public synchronized void write(FrameType type, long requestId, byte[]... bodyParts) throws IOException {
        long length = 0;
        for (byte[] p : bodyParts) {
            length += p.length;
        }
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("frame body of " + length + " bytes");
        }
        out.write(header(type, requestId, (int) length));
        for (byte[] p : bodyParts) {
            out.write(p);
        }
        out.flush();
    }

    static byte[] header(FrameType type, long requestId, int bodyLength) {
        ByteBuffer h = ByteBuffer.allocate(FrameLayout.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(FrameLayout.OFF_MAGIC, FrameLayout.MAGIC);
        h.putShort(FrameLayout.OFF_VERSION, (short) FrameLayout.VERSION);
        h.putShort(FrameLayout.OFF_TYPE, (short) type.wire());
        h.putLong(FrameLayout.OFF_REQUEST_ID, requestId);
        h.putInt(FrameLayout.OFF_BODY_LENGTH, bodyLength);
        return h.array();
    }
}
