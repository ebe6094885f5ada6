package org.dtprobed.parse;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.health.Heartbeat;
import org.dtprobed.jail.ChildCommand;
import org.dtprobed.jail.Rejection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one child slot: takes parses from the shared queue and gives each to its child, replacing
 * the child whenever it exits, crashes, answers garbage or misses the deadline. A parse gets at
 * most {@code maxAttempts} attempts, each with a fresh child after a failure.
 */
final class ChildWorker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ChildWorker.class);
    /** How often an idle worker checks that its child is still alive. */
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
    private final BlockingQueue<ParseJob> queue;
    private final StatsRecorder stats;
    private final ScheduledExecutorService timer;
    private final AtomicLong ids;
    private volatile ParserChild child;
    private volatile boolean stopping;
    private final Heartbeat heartbeat;
    private int startFailures;
    private long nextStartNanos;
    private boolean started;

    ChildWorker(SupervisorConfig config, BlockingQueue<ParseJob> queue, StatsRecorder stats,
                ScheduledExecutorService timer, AtomicLong ids) {
        this.config = config;
        this.command = config.childCommand();
        this.queue = queue;
        this.stats = stats;
        this.timer = timer;
        this.ids = ids;
        // one parse may take every attempt's child start and deadline
        Duration budget = config.parseTimeout().plus(config.startTimeout())
                .multipliedBy(config.maxAttempts()).plusSeconds(10);
        this.heartbeat = new Heartbeat("parser worker", budget);
    }

    Heartbeat heartbeat() {
        return heartbeat;
    }

    /**
     * Starts the first child on the caller's thread, so that a broken set-up fails the daemon's
     * start; a child that dies while starting is replaced after a backoff, up to
     * {@link #FIRST_START_ATTEMPTS} starts.
     */
    void startFirst() throws AttemptFailure {
        for (int n = 1; ; n++) {
            try {
                child = launch();
                return;
            } catch (AttemptFailure f) {
                if (n == FIRST_START_ATTEMPTS) {
                    throw new AttemptFailure(f.reason(), "parser child start failed " + n + " times in a row; last: "
                            + f.getMessage());
                }
                long wait = TimeUnit.NANOSECONDS.toMillis(nextStartNanos - System.nanoTime());
                LOG.warn("parser child start {} of {} failed, next in {} ms: {}", n, FIRST_START_ATTEMPTS,
                        Math.max(0, wait), firstLine(f));
                if (!awaitBackoff()) {
                    throw new AttemptFailure(FailureReason.CLOSED, "interrupted while starting the parser child");
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

    long pid() {
        ParserChild c = child;
        return c != null && c.alive() ? c.pid() : -1;
    }

    void stop() {
        stopping = true;
    }

    /** Ends the child if the worker thread did not (it never ran, or it is stuck). */
    void closeChild() {
        ParserChild c = child;
        child = null;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void run() {
        try {
            while (!stopping) {
                heartbeat.beat();
                ParseJob job = queue.poll(IDLE_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                if (job != null) {
                    handle(job);
                } else {
                    keepChildRunning();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ParserChild c = child;
            child = null;
            if (c != null) {
                c.close();
            }
        }
    }

    /** An idle child that exited is replaced now, not when the next parse arrives. */
    private void keepChildRunning() {
        ParserChild c = child;
        if (c != null && c.alive()) {
            return;
        }
        if (c != null) {
            LOG.warn("parser child {} exited while idle{}", c.pid(), exitOf(c));
            child = null;
        }
        if (System.nanoTime() - nextStartNanos >= 0) {
            try {
                child = launch();
            } catch (AttemptFailure e) {
                LOG.warn("parser child restart failed, next in {} ms: {}",
                        Math.max(0, TimeUnit.NANOSECONDS.toMillis(nextStartNanos - System.nanoTime())), firstLine(e));
            }
        }
    }

    private void handle(ParseJob job) {
        ParseOutcome outcome = null;
        StringBuilder history = new StringBuilder();
        int attempts = 0;
        AttemptFailure last = null;
        try {
            while (outcome == null && attempts < config.maxAttempts() && !stopping) {
                attempts++;
                try {
                    outcome = attempt(job);
                } catch (AttemptFailure f) {
                    last = f;
                    stats.attemptFailed(f.reason());
                    history.append(history.length() == 0 ? "" : "; ").append("attempt ").append(attempts)
                            .append(": ").append(f.reason()).append(" (").append(f.getMessage()).append(')');
                }
            }
            if (outcome == null) {
                FailureReason reason = last != null ? last.reason() : FailureReason.CLOSED;
                int errno = last != null ? last.errno() : reason.errno();
                outcome = new ParseOutcome.Failed(reason, errno, attempts,
                        history.length() == 0 ? "supervisor closed" : history.toString());
            }
        } finally {
            if (outcome == null) {
                outcome = new ParseOutcome.Failed(FailureReason.CLOSED, FailureReason.CLOSED.errno(), attempts,
                        "worker stopped");
            }
            stats.answered(outcome, System.nanoTime() - job.submittedNanos());
            job.future().complete(outcome);
        }
    }

    private ParseOutcome attempt(ParseJob job) throws AttemptFailure {
        ParserChild c = child;
        if (c == null || !c.alive()) {
            if (c != null) {
                LOG.warn("parser child {} exited{}; replacing it", c.pid(), exitOf(c));
            }
            child = null;
            if (!awaitBackoff()) {
                throw new AttemptFailure(FailureReason.CLOSED, "interrupted while waiting to restart the parser child");
            }
            c = launch();
            child = c;
        }
        long id = ids.incrementAndGet();
        stats.handedToChild();
        try {
            Object reply = c.exchange(id, job.request(), config.parseTimeout().toNanos(), timer);
            if (reply instanceof ParsedDof d) {
                return new ParseOutcome.Parsed(d);
            }
            Rejection r = (Rejection) reply;
            return new ParseOutcome.Rejected(r.rule(), r.errno(), r.section(), r.probe(), r.message());
        } catch (AttemptFailure f) {
            LOG.warn("parser child {}: {} for pid {}: {}; replacing it", c.pid(), f.reason(), job.request().pid(),
                    f.getMessage());
            child = null;
            c.kill();
            throw f;
        } finally {
            stats.childAnswered();
        }
    }

    private ParserChild launch() throws AttemptFailure {
        try {
            ParserChild c = ParserChild.start(command, config.startTimeout().toNanos(), config.maxReplyBytes());
            if (started) {
                stats.restarted();
            }
            started = true;
            startFailures = 0;
            LOG.info("parser child {} ready {} ms after spawn ({} ms in main; jailed {}, uid {}, Java {})", c.pid(),
                    c.spawnToReadyNanos() / 1_000_000, c.ready().startupNanos() / 1_000_000, c.ready().jailed(),
                    c.ready().uid(), c.ready().javaVersion());
            return c;
        } catch (AttemptFailure f) {
            startFailures++;
            long backoff = Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << Math.min(startFailures - 1, 10));
            nextStartNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff);
            throw f;
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
