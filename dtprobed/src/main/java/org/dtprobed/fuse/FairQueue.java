package org.dtprobed.fuse;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The slow requests waiting for a thread, one queue per uid, served round robin (issue 19,
 * attack 7: with one FIFO, one user's 2,000-thread storm made root wait 5.5-12 s per
 * registration). Root's queue is served before any other, so root is never starved by a user; a
 * user's storm costs every other user one turn per request of theirs, whatever its size.
 *
 * <p>Each uid but root may have at most {@code maxPerUid} requests queued or running; one more is
 * refused at once ({@link #offerFromReader} returns null), so that a storm holds neither memory nor threads
 * beyond its share.
 *
 * <p>It also hands out the reader's role among a session's threads: one thread at a time reads
 * the device. A slow request the reader reads while another thread is idle is run by the reader
 * itself ({@link #offerFromReader}), which wakes no other thread: on a quiet daemon a
 * registration costs no hand-off (before, a reader handed every registration to a worker:
 * ~20-30 µs of its latency and ~35 µs of CPU, `scripts/bench/same-dof`). So that a slow or
 * stalled registration (a hostile caller's memory) does not hold up other callers, one idle
 * thread stands by on a timer while requests come, and takes the reader's role once the reader
 * has been busy for {@code takeoverAfter}; the old reader finishes its request as a worker. While
 * no other thread is idle, the reader queues the request and reads on (answering the fast
 * requests, refusing a uid beyond its share), and the first thread to finish takes the queued
 * work by turn.
 */
final class FairQueue {
    static final int ROOT = 0;
    /** From {@link #next}: the caller now holds the reader's role. Never run. */
    static final Runnable READ = () -> {
        throw new IllegalStateException("the reader's role is not work");
    };
    /** From {@link #offerFromReader}: queued for a busy thread to take; the caller stays the reader. */
    static final Runnable KEEP_READING = () -> {
        throw new IllegalStateException("the reader's role is not work");
    };

    private final int maxPerUid;
    private final Map<Integer, ArrayDeque<Runnable>> queues = new HashMap<>();
    /** Uids other than root with queued work, in turn order. */
    private final ArrayDeque<Integer> turns = new ArrayDeque<>();
    private final Map<Integer, Integer> inFlight = new HashMap<>();
    private boolean closed;
    /** The connection ended: nobody reads again. */
    private boolean readingEnded;
    private final long takeoverNanos;
    private final long takeoverMillis;
    /** The thread holding the reader's role, or null. */
    private Thread reader;
    /** The reader is running a slow request itself, since {@link #busySince}. */
    private boolean readerBusy;
    private long busySince;
    /** When the reader last ran a slow request itself: the standby watches for ACTIVE_NANOS after it. */
    private long lastInline = System.nanoTime() - ACTIVE_NANOS;
    /** The idle thread that takes over a busy reader's role, or null. */
    private Thread standby;
    /** The standby waits on the takeover timer (otherwise it must be woken to watch). */
    private boolean standbyTimed;
    /** Threads waiting in {@link #next}. */
    private int idle;

    /** How long the reader may run a slow request itself before an idle thread reads instead. */
    static final Duration TAKEOVER_AFTER = Duration.ofMillis(5);
    /** How long after the last such request the standby keeps its timer (no wake-ups when idle). */
    private static final long ACTIVE_NANOS = TimeUnit.SECONDS.toNanos(1);

    FairQueue(int maxPerUid) {
        this(maxPerUid, TAKEOVER_AFTER);
    }

    FairQueue(int maxPerUid, Duration takeoverAfter) {
        if (maxPerUid < 1) {
            throw new IllegalArgumentException("maxPerUid must be at least 1, got " + maxPerUid);
        }
        this.maxPerUid = maxPerUid;
        this.takeoverNanos = takeoverAfter.toNanos();
        this.takeoverMillis = Math.max(1, takeoverAfter.toMillis());
    }

    /** Queues work of a uid; false when that uid already has its share in flight, or when closed. */
    private boolean enqueue(int uid, Runnable work) {
        if (closed) {
            return false;
        }
        int n = inFlight.getOrDefault(uid, 0);
        if (uid != ROOT && n >= maxPerUid) {
            return false;
        }
        inFlight.put(uid, n + 1);
        ArrayDeque<Runnable> q = queues.computeIfAbsent(uid, k -> new ArrayDeque<>());
        if (q.isEmpty() && uid != ROOT) {
            turns.addLast(uid);
        }
        q.addLast(() -> {
            try {
                work.run();
            } finally {
                done(uid);
            }
        });
        return true;
    }

    /**
     * What a session thread does next, waiting until there is something: {@link #READ} when the
     * reader's role is free, or when this thread stands by and the reader has been busy with one
     * request for {@code takeoverAfter}; else the next work by turn; null once closed and drained.
     */
    synchronized Runnable next() throws InterruptedException {
        Thread me = Thread.currentThread();
        try {
            while (true) {
                boolean open = !readingEnded && !closed;
                if (open && (reader == null
                        || standby == me && readerBusy && System.nanoTime() - busySince >= takeoverNanos)) {
                    reader = me;
                    readerBusy = false;
                    return READ;
                }
                Runnable r = pollByTurn();
                if (r != null) {
                    return r;
                }
                if (closed) {
                    return null;
                }
                if (standby == null) {
                    standby = me;
                }
                boolean timed = standby == me && open
                        && (readerBusy || System.nanoTime() - lastInline < ACTIVE_NANOS);
                if (standby == me) {
                    standbyTimed = timed;
                }
                idle++;
                try {
                    if (timed) {
                        wait(takeoverMillis);
                    } else {
                        wait();
                    }
                } finally {
                    idle--;
                }
            }
        } finally {
            if (standby == me) {
                standby = null;
                standbyTimed = false;
            }
        }
    }

    /**
     * A slow request the reader read, queued under its uid's share. Returns null when refused;
     * {@link #KEEP_READING} when no other thread is idle (the caller reads on, the first thread
     * to finish takes the work); otherwise the work, for the caller to run now while it keeps the
     * reader's role, after which it calls {@link #finishInline}.
     */
    synchronized Runnable offerFromReader(int uid, Runnable work) {
        if (!enqueue(uid, work)) {
            return null;
        }
        if (idle == 0) {
            return KEEP_READING;
        }
        readerBusy = true;
        busySince = System.nanoTime();
        lastInline = busySince;
        if (!standbyTimed) {
            notifyAll(); // the first request after a quiet spell: an idle thread stands by on the timer
        }
        return pollByTurn(); // an idle thread would have taken any queued work: this is the caller's
    }

    /** After the reader ran a request itself: true if it still holds the role (a standby may have taken it). */
    synchronized boolean finishInline() {
        if (reader != Thread.currentThread()) {
            return false;
        }
        readerBusy = false;
        return true;
    }

    /** The connection has ended: the reader's role is not handed out again. */
    synchronized void endReading() {
        reader = null;
        readerBusy = false;
        readingEnded = true;
        notifyAll();
    }

    private Runnable pollByTurn() {
        Runnable r = poll(ROOT);
        if (r == null && !turns.isEmpty()) {
            int uid = turns.pollFirst();
            r = poll(uid);
            if (queues.containsKey(uid)) { // poll drops a queue it emptied
                turns.addLast(uid);
            }
        }
        return r;
    }

    private Runnable poll(int uid) {
        ArrayDeque<Runnable> q = queues.get(uid);
        if (q == null) {
            return null;
        }
        Runnable r = q.pollFirst();
        if (q.isEmpty()) {
            queues.remove(uid);
        }
        return r;
    }

    private synchronized void done(int uid) {
        int n = inFlight.getOrDefault(uid, 1) - 1;
        if (n <= 0) {
            inFlight.remove(uid);
        } else {
            inFlight.put(uid, n);
        }
    }

    /** Requests of a uid queued or running. */
    synchronized int inFlight(int uid) {
        return inFlight.getOrDefault(uid, 0);
    }

    /** Refuses new work; what is queued is still handed out, then {@link #next} returns null. */
    synchronized void close() {
        closed = true;
        notifyAll();
    }
}
