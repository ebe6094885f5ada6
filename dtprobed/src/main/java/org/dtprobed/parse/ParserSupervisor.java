package org.dtprobed.parse;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofRule;
import org.dtprobed.dof.wire.EncodedParsedDof;
import org.dtprobed.health.Heartbeat;
import org.dtprobed.jail.ParseRequest;
import org.dtprobed.jail.Rejection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses DOF in jailed child JVMs (DESIGN contract 2): the daemon itself never parses beyond the
 * 64-byte header. The calling thread borrows a ready child from the {@link ChildPool} (at most
 * {@code children} parse at once, and at most {@code queueBound} callers wait for one: one more is
 * refused with QUEUE_FULL at once), writes the request and reads the reply itself. Each attempt
 * has a deadline (a kill on the timer ends the blocked read) and a parse at most
 * {@code maxAttempts} attempts, each failure costing the child involved its life.
 *
 * <pre>{@code
 * try (ParserSupervisor s = ParserSupervisor.start(SupervisorConfig.builder().build())) {
 *     ParseOutcome o = s.parse(helper, dof, pid);      // blocks this caller only
 *     CompletableFuture<ParseOutcome> f = s.submit(helper, dof, pid);
 * }
 * }</pre>
 *
 * Logging: child events (start, exit, deadline kill, garbage) are logged here, one line each; the
 * outcome of a parse is the caller's to log, since it knows the registration.
 */
public final class ParserSupervisor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ParserSupervisor.class);

    private final SupervisorConfig config;
    /** Callers parsing or waiting for a child: {@code children + queueBound}. */
    private final Semaphore admission;
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final StatsRecorder stats = new StatsRecorder();
    private final ScheduledExecutorService timer;
    private final ChildPool pool;
    private volatile boolean closed;

    private ParserSupervisor(SupervisorConfig config) {
        this.config = config;
        this.admission = new Semaphore(config.children() + config.queueBound());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "parser-deadline");
            t.setDaemon(true);
            return t;
        });
        this.pool = new ChildPool(config, stats, timer);
    }

    /**
     * Starts every child and waits until each is jailed and ready.
     *
     * @throws IOException when a child cannot start (e.g. its filter cannot be installed); this is
     *                     fatal for the daemon, never a warning
     */
    public static ParserSupervisor start(SupervisorConfig config) throws IOException {
        config = SharedArchive.prepare(config);
        ParserSupervisor s = new ParserSupervisor(config);
        if (config.noJail()) {
            LOG.warn("parser children run WITHOUT the jail (--no-jail): untrusted DOF is parsed without seccomp,"
                    + " privilege drop or limits; use for debugging only");
        }
        try {
            s.pool.startAll();
        } catch (AttemptFailure e) {
            s.close();
            throw new IOException(e.getMessage());
        }
        return s;
    }

    /** The deadline timer's pulse, for the watchdog: it runs every deadline kill. */
    public List<Heartbeat> heartbeats() {
        return List.of(pool.heartbeat());
    }

    public SupervisorConfig config() {
        return config;
    }

    /** Parses, blocking the calling thread only; other callers are served by the other children. */
    public ParseOutcome parse(DofHelper helper, byte[] dof, long pid) {
        long now = System.nanoTime();
        ParseOutcome refused = admit(dof, now);
        if (refused != null) {
            return refused;
        }
        try {
            return run(new ParseRequest(pid, helper, dof), now);
        } finally {
            admission.release();
        }
    }

    /**
     * As {@link #parse}, on a thread of its own, for a caller that must not block. The refusals
     * ({@link FailureReason#QUEUE_FULL}, {@link FailureReason#CLOSED}, a DOF above the cap) come
     * straight away; the future always completes.
     */
    public CompletableFuture<ParseOutcome> submit(DofHelper helper, byte[] dof, long pid) {
        long now = System.nanoTime();
        ParseOutcome refused = admit(dof, now);
        if (refused != null) {
            return CompletableFuture.completedFuture(refused);
        }
        CompletableFuture<ParseOutcome> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(run(new ParseRequest(pid, helper, dof), now));
            } finally {
                admission.release();
            }
        }, "parse-" + pid);
        t.setDaemon(true);
        t.start();
        return f;
    }

    /** The refusal of a parse that gets no child, or null once it was admitted (release the permit). */
    private ParseOutcome admit(byte[] dof, long now) {
        if (closed) {
            return refuse(FailureReason.CLOSED, "the parser supervisor is closed", now);
        }
        if (dof.length > config.maxDofBytes()) {
            ParseOutcome o = new ParseOutcome.Rejected(DofRule.LOAD_SIZE_TOO_LARGE, DofRule.LOAD_SIZE_TOO_LARGE.errno(),
                    -1, -1, DofRule.LOAD_SIZE_TOO_LARGE.summary() + " (" + dof.length + " bytes, maximum "
                    + config.maxDofBytes() + ")");
            stats.answered(o, System.nanoTime() - now);
            return o;
        }
        if (!admission.tryAcquire()) {
            return refuse(FailureReason.QUEUE_FULL, "parse queue full (" + config.queueBound() + " waiting)", now);
        }
        return null;
    }

    /** Up to {@code maxAttempts} attempts, each with a child that did not fail before. */
    private ParseOutcome run(ParseRequest request, long since) {
        ParseOutcome outcome = null;
        StringBuilder history = new StringBuilder();
        int attempts = 0;
        AttemptFailure last = null;
        while (outcome == null && attempts < config.maxAttempts() && !closed) {
            attempts++;
            try {
                outcome = attempt(request);
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
        stats.answered(outcome, System.nanoTime() - since);
        return outcome;
    }

    private ParseOutcome attempt(ParseRequest request) throws AttemptFailure {
        ParserChild c;
        waiting.incrementAndGet();
        try {
            c = pool.borrow();
        } finally {
            waiting.decrementAndGet();
        }
        long id = ids.incrementAndGet();
        stats.handedToChild();
        try {
            Object reply = c.exchange(id, request, config.parseTimeout().toNanos(), timer);
            pool.giveBack(c);
            if (reply instanceof EncodedParsedDof d) {
                return new ParseOutcome.Parsed(d);
            }
            Rejection r = (Rejection) reply;
            return new ParseOutcome.Rejected(r.rule(), r.errno(), r.section(), r.probe(), r.message());
        } catch (AttemptFailure f) {
            LOG.warn("parser child {}: {} for pid {}: {}; replacing it", c.pid(), f.reason(), request.pid(),
                    f.getMessage());
            pool.discard(c);
            c.kill();
            throw f;
        } finally {
            stats.childAnswered();
        }
    }

    private ParseOutcome refuse(FailureReason reason, String message, long since) {
        stats.attemptFailed(reason);
        ParseOutcome o = new ParseOutcome.Failed(reason, reason.errno(), 0, message);
        stats.answered(o, System.nanoTime() - since);
        return o;
    }

    public SupervisorStats stats() {
        return stats.snapshot(pool.pids(), waiting.get());
    }

    /**
     * Refuses new parses, fails the callers waiting for a child with {@link FailureReason#CLOSED},
     * lets running parses finish within their deadline, and ends every child.
     */
    @Override
    public void close() {
        closed = true;
        pool.close(config.parseTimeout().toMillis() + 5_000);
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
