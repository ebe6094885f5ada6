package org.dtprobed.jail;

import java.nio.ByteBuffer;

/**
 * One decoded frame. The body array belongs to the frame; {@link #bodyBuffer()} gives a
 * little-endian view for the body decoders.
 */
public record Frame(FrameType type, long requestId, byte[] body) {
    public ByteBuffer bodyBuffer() {
        return ByteBuffer.wrap(body).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    }
}
