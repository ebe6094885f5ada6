package org.dtprobed.fuse;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The slow requests waiting for a worker, one queue per uid, served round robin (issue 19,
 * attack 7: with one FIFO, one user's 2,000-thread storm made root wait 5.5-12 s per
 * registration). Root's queue is served before any other, so root is never starved by a user; a
 * user's storm costs every other user one turn per request of theirs, whatever its size.
 *
 * <p>Each uid but root may have at most {@code maxPerUid} requests queued or running; one more is
 * refused at once ({@link #offer} returns false), so that a storm holds neither memory nor workers
 * beyond its share.
 */
final class FairQueue {
    static final int ROOT = 0;

    private final int maxPerUid;
    private final Map<Integer, ArrayDeque<Runnable>> queues = new HashMap<>();
    /** Uids other than root with queued work, in turn order. */
    private final ArrayDeque<Integer> turns = new ArrayDeque<>();
    private final Map<Integer, Integer> inFlight = new HashMap<>();
    private boolean closed;

    FairQueue(int maxPerUid) {
        if (maxPerUid < 1) {
            throw new IllegalArgumentException("maxPerUid must be at least 1, got " + maxPerUid);
        }
        this.maxPerUid = maxPerUid;
    }

    /** Queues work of a uid; false when that uid already has its share in flight, or when closed. */
    synchronized boolean offer(int uid, Runnable work) {
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
        notify();
        return true;
    }

    /** The next work by turn, waiting for some; null once closed and drained. */
    synchronized Runnable take() throws InterruptedException {
        while (true) {
            Runnable r = poll(ROOT);
            if (r == null && !turns.isEmpty()) {
                int uid = turns.pollFirst();
                r = poll(uid);
                if (queues.containsKey(uid)) { // poll drops a queue it emptied
                    turns.addLast(uid);
                }
            }
            if (r != null) {
                return r;
            }
            if (closed) {
                return null;
            }
            wait();
        }
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

    /** Refuses new work; what is queued is still handed out, then {@link #take} returns null. */
    synchronized void close() {
        closed = true;
        notifyAll();
    }
}
