package org.dtprobed.jail;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Reads whole frames from a blocking stream (a pipe end) through a {@link FrameDecoder}: headers
 * and small bodies through one buffer, the rest of a body that the buffer did not hold straight
 * into the frame's array.
 */
public final class FrameReader {
    private static final int CHUNK = 64 * 1024;

    private final InputStream in;
    private final FrameDecoder decoder;
    private final ByteBuffer buffer = ByteBuffer.allocate(CHUNK);

    public FrameReader(InputStream in, int maxBodyLength) {
        this.in = in;
        this.decoder = new FrameDecoder(maxBodyLength);
        buffer.flip();
    }

    /**
     * Blocks until a frame is complete.
     *
     * @return the frame, or null at a clean end of stream (between frames)
     * @throws EOFException when the stream ends inside a frame
     */
    public Frame read() throws IOException {
        while (true) {
            Optional<Frame> f = decoder.decode(buffer);
            if (f.isPresent()) {
                return f.get();
            }
            // the buffer is used up here: the rest of a body begun goes straight into the frame's array
            boolean direct = decoder.bodyMissing() > 0;
            int n = direct ? decoder.fillBody(in) : in.read(buffer.array(), 0, buffer.capacity());
            buffer.clear();
            if (n < 0) {
                buffer.limit(0);
                if (decoder.idle()) {
                    return null;
                }
                throw new EOFException("stream ended inside a frame");
            }
            buffer.limit(direct ? 0 : n);
        }
    }
}
