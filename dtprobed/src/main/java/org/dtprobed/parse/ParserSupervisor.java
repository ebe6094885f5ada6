package org.dtprobed.parse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofRule;
import org.dtprobed.health.Heartbeat;
import org.dtprobed.jail.ParseRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses DOF in jailed child JVMs (DESIGN contract 2): the daemon itself never parses beyond the
 * 64-byte header. N children serve one bounded queue; each parse gets a deadline per attempt and
 * at most {@code maxAttempts} attempts, each failure costing the child involved its life.
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
    private final BlockingQueue<ParseJob> queue;
    private final StatsRecorder stats = new StatsRecorder();
    private final ScheduledExecutorService timer;
    private final List<ChildWorker> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    private ParserSupervisor(SupervisorConfig config) {
        this.config = config;
        this.queue = new ArrayBlockingQueue<>(config.queueBound());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "parser-deadline");
            t.setDaemon(true);
            return t;
        });
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
        AtomicLong ids = new AtomicLong();
        try {
            for (int i = 0; i < config.children(); i++) {
                ChildWorker w = new ChildWorker(config, s.queue, s.stats, s.timer, ids);
                s.workers.add(w);
                w.startFirst();
            }
        } catch (AttemptFailure e) {
            s.close();
            throw new IOException(e.getMessage());
        }
        for (int i = 0; i < s.workers.size(); i++) {
            Thread t = new Thread(s.workers.get(i), "parser-worker-" + i);
            t.setDaemon(true);
            s.threads.add(t);
            t.start();
        }
        return s;
    }

    /** Each worker's pulse, for the watchdog: a worker stuck beyond a whole parse's budget stops it. */
    public List<Heartbeat> heartbeats() {
        return workers.stream().map(ChildWorker::heartbeat).toList();
    }

    public SupervisorConfig config() {
        return config;
    }

    /**
     * Queues a parse and returns at once. The future always completes: with the outcome, or with
     * {@link FailureReason#QUEUE_FULL} / {@link FailureReason#CLOSED} straight away.
     */
    public CompletableFuture<ParseOutcome> submit(DofHelper helper, byte[] dof, long pid) {
        long now = System.nanoTime();
        CompletableFuture<ParseOutcome> f = new CompletableFuture<>();
        if (closed) {
            f.complete(refuse(FailureReason.CLOSED, "the parser supervisor is closed", now));
            return f;
        }
        if (dof.length > config.maxDofBytes()) {
            ParseOutcome o = new ParseOutcome.Rejected(DofRule.LOAD_SIZE_TOO_LARGE, DofRule.LOAD_SIZE_TOO_LARGE.errno(),
                    -1, -1, DofRule.LOAD_SIZE_TOO_LARGE.summary() + " (" + dof.length + " bytes, maximum "
                    + config.maxDofBytes() + ")");
            stats.answered(o, System.nanoTime() - now);
            f.complete(o);
            return f;
        }
        if (!queue.offer(new ParseJob(new ParseRequest(pid, helper, dof), f, now))) {
            f.complete(refuse(FailureReason.QUEUE_FULL, "parse queue full (" + config.queueBound() + " waiting)", now));
        }
        return f;
    }

    /** Parses, blocking the calling thread only; other callers are served by the other children. */
    public ParseOutcome parse(DofHelper helper, byte[] dof, long pid) {
        return submit(helper, dof, pid).join();
    }

    private ParseOutcome refuse(FailureReason reason, String message, long since) {
        stats.attemptFailed(reason);
        ParseOutcome o = new ParseOutcome.Failed(reason, reason.errno(), 0, message);
        stats.answered(o, System.nanoTime() - since);
        return o;
    }

    public SupervisorStats stats() {
        List<Long> pids = new ArrayList<>();
        for (ChildWorker w : workers) {
            long pid = w.pid();
            if (pid > 0) {
                pids.add(pid);
            }
        }
        return stats.snapshot(pids, queue.size());
    }

    /**
     * Refuses new parses, fails the queued ones with {@link FailureReason#CLOSED}, lets running
     * parses finish within their deadline, and ends every child.
     */
    @Override
    public void close() {
        closed = true;
        workers.forEach(ChildWorker::stop);
        ParseJob job;
        while ((job = queue.poll()) != null) {
            job.future().complete(refuse(FailureReason.CLOSED, "the parser supervisor closed", job.submittedNanos()));
        }
        long waitMillis = config.parseTimeout().toMillis() * config.maxAttempts() + 5_000;
        for (Thread t : threads) {
            try {
                t.join(waitMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (ChildWorker w : workers) {
            w.closeChild();
        }
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
