package org.dtprobed.jail;

import org.dtprobed.dof.wire.WireFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * Incremental frame decoder: feed it whatever bytes arrived, in any split; it returns a frame
 * when one is complete and leaves the bytes of the next frame in the caller's buffer. A state
 * machine with two states (header, body); the body is allocated only after its length was checked
 * against {@link #maxBodyLength()}. After a {@link WireFormatException} the decoder refuses all
 * further input.
 */
public final class FrameDecoder {
    private enum State { HEADER, BODY, FAILED }

    private final int maxBodyLength;
    private final ByteBuffer header = ByteBuffer.allocate(FrameLayout.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    private State state = State.HEADER;
    private FrameType type;
    private long requestId;
    private byte[] body;
    private int bodyFilled;
    private long consumed;

    public FrameDecoder(int maxBodyLength) {
        if (maxBodyLength < 0) {
            throw new IllegalArgumentException("maxBodyLength " + maxBodyLength);
        }
        this.maxBodyLength = maxBodyLength;
    }

    public int maxBodyLength() {
        return maxBodyLength;
    }

    /** True when no partial frame is buffered. */
    public boolean idle() {
        return state == State.HEADER && header.position() == 0;
    }

    /**
     * Consumes bytes from {@code in} up to the end of the first frame that completes.
     *
     * @return the frame, or empty when more bytes are needed
     */
    public Optional<Frame> decode(ByteBuffer in) throws WireFormatException {
        if (state == State.FAILED) {
            throw new WireFormatException("decoder stopped after an earlier error");
        }
        if (state == State.HEADER) {
            consumed += transfer(in, header);
            if (header.hasRemaining()) {
                return Optional.empty();
            }
            startBody();
        }
        int n = Math.min(in.remaining(), body.length - bodyFilled);
        in.get(body, bodyFilled, n);
        bodyFilled += n;
        consumed += n;
        if (bodyFilled < body.length) {
            return Optional.empty();
        }
        Frame f = new Frame(type, requestId, body);
        header.clear();
        body = null;
        state = State.HEADER;
        return Optional.of(f);
    }

    /** Bytes the body of the frame begun still lacks; 0 between frames. */
    int bodyMissing() {
        return state == State.BODY ? body.length - bodyFilled : 0;
    }

    /**
     * Reads body bytes straight from {@code in} into the frame's own array (no buffer in between),
     * at most {@link #bodyMissing()}; the next {@link #decode} returns the frame once it is whole.
     *
     * @return the bytes read, or -1 at the end of the stream
     */
    int fillBody(InputStream in) throws IOException {
        int n = in.read(body, bodyFilled, body.length - bodyFilled);
        if (n > 0) {
            bodyFilled += n;
            consumed += n;
        }
        return n;
    }

    private static int transfer(ByteBuffer from, ByteBuffer to) {
        int n = Math.min(from.remaining(), to.remaining());
        ByteBuffer slice = from.slice(from.position(), n);
        to.put(slice);
        from.position(from.position() + n);
        return n;
    }

    private void startBody() throws WireFormatException {
        long at = consumed - FrameLayout.HEADER_SIZE;
        int magic = header.getInt(FrameLayout.OFF_MAGIC);
        if (magic != FrameLayout.MAGIC) {
            fail(at + FrameLayout.OFF_MAGIC, String.format("magic is 0x%08x, expected 0x%08x",
                    magic, FrameLayout.MAGIC));
        }
        int version = Short.toUnsignedInt(header.getShort(FrameLayout.OFF_VERSION));
        if (version != FrameLayout.VERSION) {
            fail(at + FrameLayout.OFF_VERSION, "version is " + version + ", expected " + FrameLayout.VERSION);
        }
        int wire = Short.toUnsignedInt(header.getShort(FrameLayout.OFF_TYPE));
        type = FrameType.fromWire(wire);
        if (type == null) {
            fail(at + FrameLayout.OFF_TYPE, "type " + wire + " is unknown");
        }
        requestId = header.getLong(FrameLayout.OFF_REQUEST_ID);
        long length = Integer.toUnsignedLong(header.getInt(FrameLayout.OFF_BODY_LENGTH));
        if (length > maxBodyLength) {
            fail(at + FrameLayout.OFF_BODY_LENGTH, "body length " + length + " exceeds the maximum " + maxBodyLength);
        }
        body = new byte[(int) length];
        bodyFilled = 0;
        state = State.BODY;
    }

    private void fail(long position, String message) throws WireFormatException {
        state = State.FAILED;
        throw new WireFormatException("frame at byte " + position + ": " + message);
    }
}
