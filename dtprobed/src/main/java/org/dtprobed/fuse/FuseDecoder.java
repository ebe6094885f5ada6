package org.dtprobed.fuse;

import static org.dtprobed.fuse.FuseLayout.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Turns bytes from the FUSE device into {@link FuseRequest}s, the way netty's
 * {@code LengthFieldBasedFrameDecoder} does: peek the length without consuming, compare it with
 * the maximum before allocating anything, return {@code null} until a whole frame is there, and
 * skip a bad frame before throwing. The device hands over exactly one message per {@code read},
 * but the decoder does not rely on that, so it can be tested with bytes in any split.
 *
 * <p>Not thread-safe: one decoder per reading thread.
 */
public final class FuseDecoder {
    private final int maxMessage;
    /** Bytes of a refused, oversized frame that have not arrived yet and must be skipped. */
    private long discarding;

    /** @param maxMessage largest whole message accepted (header included) */
    public FuseDecoder(int maxMessage) {
        if (maxMessage < IN_HEADER_SIZE) {
            throw new IllegalArgumentException("maximum message " + maxMessage + " is below the header size");
        }
        this.maxMessage = maxMessage;
    }

    /**
     * Decodes one request from {@code in} (from its position), consuming exactly its bytes, or
     * returns {@code null} and consumes nothing when the frame is not complete yet.
     */
    public FuseRequest decode(ByteBuffer in) throws FuseProtocolException {
        if (discarding > 0) {
            int n = (int) Math.min(discarding, in.remaining());
            in.position(in.position() + n);
            discarding -= n;
            if (discarding > 0) {
                return null;
            }
        }
        if (in.remaining() < Integer.BYTES) {
            return null;
        }
        int start = in.position();
        long length = Integer.toUnsignedLong(in.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(start + IN_LEN));
        if (length < IN_HEADER_SIZE) {
            // a length this small leaves no way to find the next frame: drop what we hold
            in.position(in.limit());
            throw new FuseProtocolException("message length " + length + " is below the "
                    + IN_HEADER_SIZE + "-byte header");
        }
        if (length > maxMessage) {
            int have = (int) Math.min(length, in.remaining());
            in.position(start + have);
            discarding = length - have;
            throw new FuseProtocolException("message length " + length + " exceeds the maximum " + maxMessage);
        }
        if (in.remaining() < length) {
            return null;
        }
        ByteBuffer frame = in.slice(start, (int) length).order(ByteOrder.LITTLE_ENDIAN);
        in.position(start + (int) length);
        return decodeFrame(frame);
    }

    private static FuseRequest decodeFrame(ByteBuffer f) throws FuseProtocolException {
        int extLength = Short.toUnsignedInt(f.getShort(IN_TOTAL_EXTLEN)) * EXTLEN_UNIT;
        FuseInHeader h = new FuseInHeader(f.getInt(IN_LEN), f.getInt(IN_OPCODE), f.getLong(IN_UNIQUE),
                f.getLong(IN_NODEID), f.getInt(IN_UID), f.getInt(IN_GID), f.getInt(IN_PID), extLength);
        int bodyLength = f.limit() - IN_HEADER_SIZE - extLength;
        if (bodyLength < 0) {
            throw new FuseProtocolException("opcode " + h.opcode() + ": extensions of " + extLength
                    + " bytes exceed the message length " + f.limit());
        }
        ByteBuffer body = f.slice(IN_HEADER_SIZE, bodyLength).order(ByteOrder.LITTLE_ENDIAN);
        Optional<FuseOpcode> op = FuseOpcode.of(h.opcode());
        if (op.isEmpty()) {
            return new FuseUnsupported(h);
        }
        return decodeBody(op.get(), h, body);
    }

    private static FuseRequest decodeBody(FuseOpcode op, FuseInHeader h, ByteBuffer b) throws FuseProtocolException {
        switch (op) {
            case INIT:
                require(op, b, INIT_IN_MIN_SIZE);
                int minor = b.getInt(INIT_IN_MINOR);
                int flags2 = minor >= MINOR_INIT_IN_FLAGS2 && b.limit() >= INIT_IN_FULL_SIZE ? b.getInt(INIT_IN_FLAGS2) : 0;
                return new FuseInit(h, b.getInt(INIT_IN_MAJOR), minor, b.getInt(INIT_IN_MAX_READAHEAD),
                        b.getInt(INIT_IN_FLAGS), flags2);
            case CUSE_INIT:
                require(op, b, CUSE_INIT_IN_SIZE);
                return new CuseInit(h, b.getInt(CUSE_INIT_IN_MAJOR), b.getInt(CUSE_INIT_IN_MINOR),
                        b.getInt(CUSE_INIT_IN_FLAGS));
            case LOOKUP:
                return new FuseLookup(h, cString(op, b));
            case GETATTR:
                return new FuseGetattr(h);
            case OPEN:
                require(op, b, OPEN_IN_SIZE);
                return new FuseOpen(h, b.getInt(OPEN_IN_FLAGS));
            case OPENDIR:
                require(op, b, OPEN_IN_SIZE);
                return new FuseOpendir(h, b.getInt(OPEN_IN_FLAGS));
            case RELEASE:
                require(op, b, RELEASE_IN_SIZE);
                return new FuseRelease(h, b.getLong(FH));
            case RELEASEDIR:
                require(op, b, RELEASE_IN_SIZE);
                return new FuseReleasedir(h, b.getLong(FH));
            case FLUSH:
                require(op, b, FLUSH_IN_SIZE);
                return new FuseFlush(h, b.getLong(FH));
            case READDIR:
                require(op, b, READ_IN_SIZE);
                return new FuseReaddir(h, b.getLong(FH), b.getLong(READ_IN_OFFSET), b.getInt(READ_IN_SIZE_FIELD));
            case IOCTL:
                return ioctl(h, b);
            case INTERRUPT:
                require(op, b, INTERRUPT_IN_SIZE);
                return new FuseInterrupt(h, b.getLong(0));
            case FORGET:
                require(op, b, FORGET_IN_SIZE);
                return new FuseForget(h, b.getLong(0));
            case BATCH_FORGET:
                require(op, b, BATCH_FORGET_IN_SIZE);
                return new FuseBatchForget(h, b.getInt(0));
            case DESTROY:
                return new FuseDestroy(h);
            case STATFS:
                return new FuseStatfs(h);
            case ACCESS:
                require(op, b, ACCESS_IN_SIZE);
                return new FuseAccess(h, b.getInt(0));
            default:
                return new FuseUnsupported(h);
        }
    }

    private static FuseIoctl ioctl(FuseInHeader h, ByteBuffer b) throws FuseProtocolException {
        require(FuseOpcode.IOCTL, b, IOCTL_IN_SIZE);
        long inSize = Integer.toUnsignedLong(b.getInt(IOCTL_IN_IN_SIZE));
        int follows = b.limit() - IOCTL_IN_SIZE;
        if (inSize != follows) {
            throw new FuseProtocolException("FUSE_IOCTL: in_size " + inSize + " but " + follows + " bytes follow");
        }
        byte[] data = new byte[follows]; // bounded: the whole frame was checked against the maximum
        b.get(IOCTL_IN_SIZE, data);
        return new FuseIoctl(h, b.getLong(IOCTL_IN_FH), b.getInt(IOCTL_IN_FLAGS), b.getInt(IOCTL_IN_CMD),
                b.getLong(IOCTL_IN_ARG), b.getInt(IOCTL_IN_OUT_SIZE), data);
    }

    private static void require(FuseOpcode op, ByteBuffer body, int size) throws FuseProtocolException {
        if (body.limit() < size) {
            throw new FuseProtocolException(op + ": body is " + body.limit() + " bytes, needs " + size);
        }
    }

    private static String cString(FuseOpcode op, ByteBuffer b) throws FuseProtocolException {
        for (int i = 0; i < b.limit(); i++) {
            if (b.get(i) == 0) {
                byte[] name = new byte[i];
                b.get(0, name);
                return new String(name, StandardCharsets.UTF_8);
            }
        }
        throw new FuseProtocolException(op + ": name of " + b.limit() + " bytes is not NUL-terminated");
    }
}
