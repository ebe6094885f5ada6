package org.dtprobed.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dtprobed.health.Heartbeat;
import org.dtprobed.linux.Errno;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request loop of one FUSE connection: a fixed set of threads of which one at a time reads
 * the device into one reused direct buffer (sized from {@code max_write}, never below the
 * kernel's 8 KiB minimum), decodes the message and answers it. A slow one (a registration) goes
 * through a {@link FairQueue} (one queue per uid, root first, the others round robin), so that
 * one slow registration, or one user's storm of them, does not hold up other callers: while
 * another thread is idle the reader runs it itself (an idle thread takes over reading if it
 * runs long), otherwise it is queued for the first thread to finish. Every reply is one
 * {@code write}.
 */
public final class FuseSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FuseSession.class);
    private static final int POLL_MILLIS = 200;
    /** Room for the in-header and the largest fixed request body in front of max_write data. */
    private static final int HEADROOM = 4096;

    private final String name;
    private final FuseDevice device;
    private final FuseHandler handler;
    /** Only the thread holding the reader's role touches the buffer and the decoder. */
    private final ByteBuffer buffer;
    private final FuseDecoder decoder;
    private final FairQueue queue;
    private final org.dtprobed.helper.RefusalLog refusals = org.dtprobed.helper.RefusalLog.standard(LOG);
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean closing;
    private final Heartbeat readerBeat;

    /** A reader turns every POLL_MILLIS and answers non-ioctl requests inline (no waiting in them). */
    static final Duration READER_STUCK_AFTER = Duration.ofSeconds(10);

    FuseSession(String name, FuseDevice device, FuseHandler handler, int maxWrite, int workerCount,
                int maxInFlightPerUid) {
        this(name, device, handler, maxWrite, workerCount, maxInFlightPerUid, READER_STUCK_AFTER);
    }

    /** {@code workerCount} threads run slow requests at once, and one more reads meanwhile. */
    FuseSession(String name, FuseDevice device, FuseHandler handler, int maxWrite, int workerCount,
                int maxInFlightPerUid, Duration readerStuckAfter) {
        this.readerBeat = new Heartbeat(name + " reader", readerStuckAfter);
        this.name = name;
        this.device = device;
        this.handler = handler;
        int size = Math.max(FuseLayout.MIN_READ_BUFFER, maxWrite + HEADROOM);
        this.buffer = FuseDevice.allocateReadBuffer(size);
        this.decoder = new FuseDecoder(size);
        this.queue = new FairQueue(maxInFlightPerUid);
        for (int i = 1; i <= workerCount + 1; i++) {
            Thread t = new Thread(this::serve, name + "-worker-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
    }

    static int bufferSize(int maxWrite) {
        return Math.max(FuseLayout.MIN_READ_BUFFER, maxWrite + HEADROOM);
    }

    void start() {
        threads.forEach(Thread::start);
    }

    private void serve() {
        try {
            Runnable r;
            while ((r = queue.next()) != null) {
                if (r != FairQueue.READ) {
                    r.run();
                } else if (!read()) {
                    queue.endReading();
                    ended.countDown();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until the connection has ended (unmounted, aborted, DESTROY) or the session was closed. */
    public boolean awaitEnd(Duration timeout) throws InterruptedException {
        return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean ended() {
        return ended.getCount() == 0;
    }

    /** Beats on every turn of the reader loop. */
    public Heartbeat readerHeartbeat() {
        return readerBeat;
    }

    /**
     * Reads while this thread holds the reader's role. Returns true when the role has passed to
     * another thread (this one ran a slow request for long), false when the connection has ended
     * or the session is closing.
     */
    private boolean read() {
        try {
            while (!closing) {
                readerBeat.beat();
                FuseDevice.ReadStatus status = device.read(buffer, POLL_MILLIS);
                if (status == FuseDevice.ReadStatus.ENDED) {
                    LOG.info("{}: the kernel ended the connection", name);
                    return false;
                }
                if (status == FuseDevice.ReadStatus.TIMEOUT) {
                    continue;
                }
                FuseRequest request = decodeOne();
                if (request == null) {
                    continue;
                }
                if (!handler.slow(request)) {
                    reply(request, answer(request));
                    if (request instanceof FuseDestroy) {
                        return false;
                    }
                    continue;
                }
                Runnable now = dispatch(request);
                if (now != null) {
                    now.run();
                    if (!queue.finishInline()) {
                        return true;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!closing) {
                LOG.error("{}: request loop failed, the device is no longer served", name, e);
            }
        }
        return false;
    }

    private FuseRequest decodeOne() throws IOException {
        long unique = buffer.remaining() >= FuseLayout.IN_HEADER_SIZE ? buffer.getLong(FuseLayout.IN_UNIQUE) : 0;
        try {
            FuseRequest r = decoder.decode(buffer);
            if (r == null || buffer.hasRemaining()) {
                throw new FuseProtocolException("read of " + buffer.limit() + " bytes is not exactly one message");
            }
            return r;
        } catch (FuseProtocolException e) {
            // the kernel never sends this; answer so that no caller waits forever, and go on
            LOG.warn("{}: malformed request {}: {}", name, unique, e.getMessage());
            if (unique != 0) {
                device.write(FuseReplies.error(unique, Errno.EINVAL));
            }
            return null;
        }
    }

    /**
     * To the caller's uid's queue; beyond its share of requests in flight, EAGAIN at once. Returns
     * the work this thread is to run now (another thread is idle to take over reading), or null.
     */
    private Runnable dispatch(FuseRequest request) throws IOException {
        int uid = request.header().uid();
        Runnable now = queue.offerFromReader(uid, () -> {
            try {
                reply(request, answer(request));
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: reply to request {} failed: {}", name, request.unique(), e.toString());
            }
        });
        if (now == null) {
            refusals.warn(uid, "{}: request {} of uid {} refused with EAGAIN: the uid has its share of requests in"
                    + " flight", name, request.unique(), uid);
            device.write(FuseReplies.error(request.unique(), closing ? Errno.ENODEV : Errno.EAGAIN));
            return null;
        }
        return now == FairQueue.KEEP_READING ? null : now;
    }

    /**
     * The handler's reply; a bug in it costs this one caller Errno.EIO, an exhausted heap or stack
     * Errno.ENOMEM, never the connection: a caller left without a reply waits in the kernel,
     * unkillable, until the daemon stops (issue 19).
     */
    private byte[] answer(FuseRequest request) {
        int errno;
        try {
            return handler.handle(request);
        } catch (RuntimeException e) {
            LOG.error("{}: request {} (opcode {}) failed inside the daemon", name, request.unique(),
                    request.header().opcode(), e);
            errno = Errno.EIO;
        } catch (VirtualMachineError e) {
            LOG.error("{}: request {} (opcode {}): {}", name, request.unique(), request.header().opcode(), e.toString());
            errno = Errno.ENOMEM;
        }
        boolean noReply = request instanceof FuseForget || request instanceof FuseBatchForget
                || request instanceof FuseInterrupt;
        return noReply ? null : FuseReplies.error(request.unique(), errno);
    }

    private void reply(FuseRequest request, byte[] reply) throws IOException {
        if (reply != null && !device.write(reply)) {
            LOG.debug("{}: request {} was gone before its reply (caller interrupted)", name, request.unique());
        }
    }

    /** Stops reading, lets running requests finish (bounded), and closes the device. */
    @Override
    public void close() {
        closing = true;
        try {
            queue.close();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (Thread t : threads) {
                if (t != Thread.currentThread()) {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                }
            }
            if (threads.stream().anyMatch(t -> t != Thread.currentThread() && t.isAlive())) {
                LOG.warn("{}: requests still running at close", name);
                threads.forEach(t -> {
                    if (t != Thread.currentThread()) {
                        t.interrupt();
                    }
                });
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            device.close();
            ended.countDown();
        }
    }
}
