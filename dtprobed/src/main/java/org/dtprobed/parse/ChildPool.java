package org.dtprobed.parse;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.dtprobed.health.Heartbeat;
import org.dtprobed.jail.ChildCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parser children, each lent to one registration thread at a time, which talks to it itself.
 * There are {@code children} slots; a slot's child is ready, lent, or being started. A child that
 * failed an attempt (or died while idle) is replaced on the {@code parser-start} thread, so that
 * a caller waits for a JVM start only when no other child is ready.
 */
final class ChildPool {
    private static final Logger LOG = LoggerFactory.getLogger(ChildPool.class);
    /** How often the idle children are checked for being alive (on the deadline timer). */
    private static final long IDLE_CHECK_MILLIS = 500;
    private static final long FIRST_BACKOFF_MILLIS = 250;
    private static final long MAX_BACKOFF_MILLIS = 10_000;
    /**
     * Starts tried before the daemon gives up at its own start. A JVM can die while starting for
     * reasons of the moment (a SIGSEGV in C1-compiled code under qemu TCG was seen in CI), so one
     * failed start is not a broken set-up; five in a row, 3.75 s of backoff apart in all, are.
     */
    static final int FIRST_START_ATTEMPTS = 5;

    private final SupervisorConfig config;
    private final ChildCommand command;
    private final StatsRecorder stats;
    private final ScheduledExecutorService timer;
    private final Heartbeat heartbeat;
    private final ExecutorService starter = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "parser-start");
        t.setDaemon(true);
        return t;
    });
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<ParserChild> ready = new ArrayDeque<>();
    private final Set<ParserChild> lent = new HashSet<>();
    private int starting;
    /** Failed background starts so far: a caller waiting for a child fails its attempt on a new one. */
    private long startFailures;
    private String lastStartFailure = "";
    private int failuresInARow;
    private long nextStartNanos = System.nanoTime();
    private boolean closed;

    ChildPool(SupervisorConfig config, StatsRecorder stats, ScheduledExecutorService timer) {
        this.config = config;
        this.command = config.childCommand();
        this.stats = stats;
        this.timer = timer;
        // the timer also runs the deadline kills: it beats here, and a parse cannot outlast this
        Duration budget = config.parseTimeout().plus(config.startTimeout())
                .multipliedBy(config.maxAttempts()).plusSeconds(10);
        this.heartbeat = new Heartbeat("parser deadline timer", budget);
    }

    Heartbeat heartbeat() {
        return heartbeat;
    }

    /**
     * Starts every child on the caller's thread, so that a broken set-up fails the daemon's start;
     * a child that dies while starting is replaced after a backoff, up to
     * {@link #FIRST_START_ATTEMPTS} starts in a row.
     */
    void startAll() throws AttemptFailure {
        for (int i = 0; i < config.children(); i++) {
            ParserChild c = startFirst();
            lock.lock();
            try {
                ready.addLast(c);
            } finally {
                lock.unlock();
            }
        }
        timer.scheduleWithFixedDelay(this::checkIdle, IDLE_CHECK_MILLIS, IDLE_CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private ParserChild startFirst() throws AttemptFailure {
        for (int n = 1; ; n++) {
            try {
                return launch();
            } catch (AttemptFailure f) {
                if (n == FIRST_START_ATTEMPTS) {
                    throw new AttemptFailure(f.reason(), "parser child start failed " + n + " times in a row; last: "
                            + f.getMessage());
                }
                LOG.warn("parser child start {} of {} failed, next in {} ms: {}", n, FIRST_START_ATTEMPTS,
                        Math.max(0, TimeUnit.NANOSECONDS.toMillis(nextStartNanos - System.nanoTime())), firstLine(f));
                if (!awaitBackoff()) {
                    throw new AttemptFailure(FailureReason.CLOSED, "interrupted while starting the parser child");
                }
            }
        }
    }

    /**
     * A ready child for one attempt, waiting while none is. The caller gives it back with
     * {@link #giveBack} or, after a failed attempt, {@link #discard}s it.
     *
     * @throws AttemptFailure CLOSED once the pool closed; START_FAILED when a replacement failed to
     *                        start while this caller waited
     */
    ParserChild borrow() throws AttemptFailure {
        lock.lock();
        try {
            long failuresSeen = startFailures;
            while (true) {
                if (closed) {
                    throw new AttemptFailure(FailureReason.CLOSED, "the parser supervisor closed");
                }
                ParserChild c = ready.pollFirst();
                if (c != null && c.alive()) {
                    lent.add(c);
                    return c;
                }
                if (c != null) {
                    LOG.warn("parser child {} exited{}; replacing it", c.pid(), exitOf(c));
                    replaceLocked();
                    continue;
                }
                if (startFailures != failuresSeen) {
                    throw new AttemptFailure(FailureReason.START_FAILED, lastStartFailure);
                }
                changed.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AttemptFailure(FailureReason.CLOSED, "interrupted while waiting for a parser child");
        } finally {
            lock.unlock();
        }
    }

    /** A child that answered its attempt serves the next caller. */
    void giveBack(ParserChild c) {
        lock.lock();
        try {
            lent.remove(c);
            if (!closed) {
                ready.addFirst(c); // the child whose JIT saw the most parses goes first
                changed.signal();
                return;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        c.close();
    }

    /** A child that failed an attempt is not used again (the caller kills it); a new one starts. */
    void discard(ParserChild c) {
        lock.lock();
        try {
            lent.remove(c);
            replaceLocked();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    List<Long> pids() {
        List<Long> out = new ArrayList<>();
        lock.lock();
        try {
            for (ParserChild c : ready) {
                if (c.alive()) {
                    out.add(c.pid());
                }
            }
            for (ParserChild c : lent) {
                if (c.alive()) {
                    out.add(c.pid());
                }
            }
        } finally {
            lock.unlock();
        }
        return out;
    }

    /** An idle child that exited is replaced now, not when the next parse arrives. */
    private void checkIdle() {
        heartbeat.beat();
        lock.lock();
        try {
            for (var it = ready.iterator(); it.hasNext(); ) {
                ParserChild c = it.next();
                if (!c.alive()) {
                    it.remove();
                    LOG.warn("parser child {} exited while idle{}", c.pid(), exitOf(c));
                    replaceLocked();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void replaceLocked() {
        if (closed) {
            return;
        }
        starting++;
        starter.execute(this::startReplacement);
    }

    /** On {@code parser-start}: starts one child, after the backoff of earlier failures, until one is ready. */
    private void startReplacement() {
        while (true) {
            lock.lock();
            try {
                if (closed) {
                    starting--;
                    changed.signalAll();
                    return;
                }
            } finally {
                lock.unlock();
            }
            if (!awaitBackoff()) {
                lock.lock();
                try {
                    starting--;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
                return;
            }
            try {
                ParserChild c = launch();
                stats.restarted();
                lock.lock();
                try {
                    starting--;
                    if (!closed) {
                        ready.addLast(c);
                        changed.signalAll();
                        return;
                    }
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
                c.close();
                return;
            } catch (AttemptFailure f) {
                LOG.warn("parser child restart failed, next in {} ms: {}",
                        Math.max(0, TimeUnit.NANOSECONDS.toMillis(nextStartNanos - System.nanoTime())), firstLine(f));
                lock.lock();
                try {
                    startFailures++;
                    lastStartFailure = f.getMessage();
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** Waits out the backoff after a failed start; false when interrupted. */
    private boolean awaitBackoff() {
        long wait = nextStartNanos - System.nanoTime();
        if (wait <= 0) {
            return true;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(wait);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private ParserChild launch() throws AttemptFailure {
        try {
            ParserChild c = ParserChild.start(command, config.startTimeout().toNanos(), config.maxReplyBytes(), timer);
            failuresInARow = 0;
            LOG.info("parser child {} ready {} ms after spawn ({} ms in main; jailed {}, uid {}, Java {})", c.pid(),
                    c.spawnToReadyNanos() / 1_000_000, c.ready().startupNanos() / 1_000_000, c.ready().jailed(),
                    c.ready().uid(), c.ready().javaVersion());
            return c;
        } catch (AttemptFailure f) {
            failuresInARow++;
            long backoff = Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << Math.min(failuresInARow - 1, 10));
            nextStartNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff);
            throw f;
        }
    }

    /**
     * Refuses new borrowers, waits up to {@code waitMillis} for the lent children to come back
     * (their parses finish within the deadline), and ends every child.
     */
    void close(long waitMillis) {
        List<ParserChild> idle = new ArrayList<>();
        List<ParserChild> stuck = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
            idle.addAll(ready);
            ready.clear();
            long left = TimeUnit.MILLISECONDS.toNanos(waitMillis);
            while (!lent.isEmpty() && left > 0) {
                left = changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stuck.addAll(lent);
            lent.clear();
            lock.unlock();
        }
        idle.forEach(ParserChild::close);
        stuck.forEach(ParserChild::kill);
        starter.shutdownNow();
        try {
            starter.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The failure without the child's last output, which the stderr relay has logged line by line already. */
    private static String firstLine(AttemptFailure f) {
        String m = f.getMessage();
        int cut = m.indexOf(ParserChild.LAST_OUTPUT);
        int nl = m.indexOf('\n');
        return cut >= 0 ? m.substring(0, cut) : nl < 0 ? m : m.substring(0, nl);
    }

    private static String exitOf(ParserChild c) {
        return c.alive() ? "" : " (exit code " + c.exitCode() + ")";
    }
}
