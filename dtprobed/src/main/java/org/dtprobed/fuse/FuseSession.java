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
 * The request loop of one FUSE connection: one reader thread reads each message into one reused
 * direct buffer (sized from {@code max_write}, never below the kernel's 8 KiB minimum), decodes
 * it, and either answers at once or hands slow requests to a fixed set of workers through a
 * {@link FairQueue} (one queue per uid, root first, the others round robin), so that one slow
 * registration, or one user's storm of them, does not hold up other callers. Every reply is one
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
    private final ByteBuffer buffer;
    private final FuseDecoder decoder;
    private final FairQueue queue;
    private final org.dtprobed.helper.RefusalLog refusals = org.dtprobed.helper.RefusalLog.standard(LOG);
    private final List<Thread> workers = new ArrayList<>();
    private final Thread reader;
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean closing;
    private final Heartbeat readerBeat;

    /** A reader turns every POLL_MILLIS and answers non-ioctl requests inline (no waiting in them). */
    static final Duration READER_STUCK_AFTER = Duration.ofSeconds(10);

    FuseSession(String name, FuseDevice device, FuseHandler handler, int maxWrite, int workerCount,
                int maxInFlightPerUid) {
        this(name, device, handler, maxWrite, workerCount, maxInFlightPerUid, READER_STUCK_AFTER);
    }

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
        for (int i = 1; i <= workerCount; i++) {
            Thread t = new Thread(this::work, name + "-worker-" + i);
            t.setDaemon(true);
            workers.add(t);
        }
        this.reader = new Thread(this::run, name + "-reader");
        this.reader.setDaemon(true);
    }

    static int bufferSize(int maxWrite) {
        return Math.max(FuseLayout.MIN_READ_BUFFER, maxWrite + HEADROOM);
    }

    void start() {
        workers.forEach(Thread::start);
        reader.start();
    }

    private void work() {
        try {
            Runnable r;
            while ((r = queue.take()) != null) {
                r.run();
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

    private void run() {
        try {
            loop();
        } catch (IOException | RuntimeException e) {
            if (!closing) {
                LOG.error("{}: request loop failed, the device is no longer served", name, e);
            }
        } finally {
            ended.countDown();
        }
    }

    private void loop() throws IOException {
        while (!closing) {
            readerBeat.beat();
            FuseDevice.ReadStatus status = device.read(buffer, POLL_MILLIS);
            if (status == FuseDevice.ReadStatus.ENDED) {
                LOG.info("{}: the kernel ended the connection", name);
                return;
            }
            if (status == FuseDevice.ReadStatus.TIMEOUT) {
                continue;
            }
            FuseRequest request = decodeOne();
            if (request == null) {
                continue;
            }
            if (handler.slow(request)) {
                dispatch(request);
            } else {
                reply(request, answer(request));
            }
            if (request instanceof FuseDestroy) {
                return;
            }
        }
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

    /** To the caller's uid's queue; beyond its share of requests in flight, EAGAIN at once. */
    private void dispatch(FuseRequest request) throws IOException {
        int uid = request.header().uid();
        boolean queued = queue.offer(uid, () -> {
            try {
                reply(request, answer(request));
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: reply to request {} failed: {}", name, request.unique(), e.toString());
            }
        });
        if (!queued) {
            refusals.warn(uid, "{}: request {} of uid {} refused with EAGAIN: the uid has its share of requests in"
                    + " flight", name, request.unique(), uid);
            device.write(FuseReplies.error(request.unique(), closing ? Errno.ENODEV : Errno.EAGAIN));
        }
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
            if (Thread.currentThread() != reader) {
                reader.join(Duration.ofSeconds(5).toMillis());
            }
            queue.close();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (Thread t : workers) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            if (workers.stream().anyMatch(Thread::isAlive)) {
                LOG.warn("{}: requests still running at close", name);
                workers.forEach(Thread::interrupt);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            device.close();
            ended.countDown();
        }
    }
}
