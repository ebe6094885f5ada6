package org.dtprobed.fuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;
import org.dtprobed.linux.Errno;

/**
 * Plays the kernel's part of CUSE unrestricted ioctls, at the byte level: it writes FUSE_IOCTL
 * frames (fed to a real {@link FuseDecoder} in random splits), reads the handler's reply bytes,
 * and on RETRY copies the requested ranges from a simulated caller's memory into the next round,
 * failing the caller with Errno.EFAULT or Errno.ENOMEM the way the kernel does, without telling the daemon.
 */
final class SimulatedCuseKernel {
    /** The kernel refuses a RETRY asking for more than max_pages (32) pages. */
    static final long MAX_RETRY_BYTES = 128 * 1024;

    private final FuseHandler handler;
    private final FuseDecoder decoder = new FuseDecoder(FuseSession.bufferSize(TransportConfig.DEFAULT_MAX_WRITE));
    private final SplittableRandom split;
    private long unique = 100;

    SimulatedCuseKernel(FuseHandler handler, long seed) {
        this.handler = handler;
        this.split = new SplittableRandom(seed);
    }

    /** A caller process's memory: disjoint regions by start address. */
    static final class Memory {
        final TreeMap<Long, byte[]> regions = new TreeMap<>();

        long map(long base, byte[] content) {
            regions.put(base, content);
            return base;
        }

        byte[] read(long base, long len) {
            Map.Entry<Long, byte[]> e = regions.floorEntry(base);
            if (e == null || base - e.getKey() + len > e.getValue().length) {
                return null;
            }
            byte[] out = new byte[(int) len];
            System.arraycopy(e.getValue(), (int) (base - e.getKey()), out, 0, (int) len);
            return out;
        }
    }

    /** One blocked ioctl call, advanced one round trip at a time. */
    final class Call {
        final int tid;
        final int cmd;
        final long arg;
        final Memory memory;
        byte[] in = new byte[0];
        Integer result;
        Integer errno;
        int rounds;
        final List<Long> roundSizes = new ArrayList<>();

        Call(int tid, int cmd, long arg, Memory memory) {
            this.tid = tid;
            this.cmd = cmd;
            this.arg = arg;
            this.memory = memory;
        }

        boolean done() {
            return result != null || errno != null;
        }

        /** One request to the daemon and the kernel's handling of its reply. */
        void step() throws FuseProtocolException {
            rounds++;
            roundSizes.add((long) in.length);
            byte[] frame = FuseFrames.ioctl(unique++, tid, FuseLayout.IOCTL_UNRESTRICTED, cmd, arg, in);
            FuseRequest request = deliver(frame);
            byte[] reply = handler.handle(request);
            ByteBuffer b = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
            if (b.getInt(0) != reply.length || b.getLong(8) != request.unique()) {
                throw new AssertionError("reply header does not match the request");
            }
            if (b.getInt(4) != 0) {
                errno = -b.getInt(4);
                return;
            }
            int flags = b.getInt(16 + 4);
            if ((flags & FuseLayout.IOCTL_RETRY) == 0) {
                result = b.getInt(16);
                return;
            }
            retry(b);
        }

        private void retry(ByteBuffer b) {
            int iovs = b.getInt(16 + 8);
            long total = 0;
            java.io.ByteArrayOutputStream next = new java.io.ByteArrayOutputStream();
            for (int i = 0; i < iovs; i++) {
                long base = b.getLong(32 + i * 16);
                long len = b.getLong(32 + i * 16 + 8);
                total += len;
                if (total > MAX_RETRY_BYTES) {
                    errno = Errno.ENOMEM;
                    return;
                }
                byte[] got = memory.read(base, len);
                if (got == null) {
                    errno = Errno.EFAULT;
                    return;
                }
                next.writeBytes(got);
            }
            in = next.toByteArray();
        }

        int run() throws FuseProtocolException {
            while (!done()) {
                step();
            }
            return result != null ? result : -errno;
        }
    }

    Call call(int tid, int cmd, long arg, Memory memory) {
        return new Call(tid, cmd, arg, memory);
    }

    /** Feeds the frame to the decoder in random pieces; exactly one request comes out, at the end. */
    private FuseRequest deliver(byte[] frame) throws FuseProtocolException {
        ByteBuffer cumulation = ByteBuffer.allocate(frame.length);
        int pos = 0;
        FuseRequest r = null;
        while (pos < frame.length) {
            int n = Math.min(frame.length - pos, 1 + split.nextInt(64));
            cumulation.put(frame, pos, n);
            pos += n;
            cumulation.flip();
            FuseRequest got = decoder.decode(cumulation);
            cumulation.compact();
            if (got != null) {
                if (pos != frame.length) {
                    throw new AssertionError("decoded before the frame was complete");
                }
                r = got;
            }
        }
        if (r == null || cumulation.position() != 0) {
            throw new AssertionError("frame not decoded exactly");
        }
        return r;
    }

    /** Runs a handler over a single non-ioctl frame. */
    byte[] handleFrame(byte[] frame) throws FuseProtocolException {
        return handler.handle(deliver(frame));
    }

    static Function<FuseRequest, byte[]> unused() {
        return r -> null;
    }
}
