package org.dtprobed.daemon;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.dtprobed.fuse.HelperTransport;
import org.dtprobed.fuse.TransportConfig;
import org.dtprobed.fuse.Transports;
import org.dtprobed.health.Heartbeat;
import org.dtprobed.ingest.IngestStats;
import org.dtprobed.ingest.ProcLiveness;
import org.dtprobed.dof.DofFormatException;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.adopt.Adopter;
import org.dtprobed.adopt.ScanReport;
import org.dtprobed.dof.DofLimits;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.parse.ParseOutcome;
import org.dtprobed.ingest.Pruner;
import org.dtprobed.lifecycle.LifecycleWatcher;
import org.dtprobed.ingest.RegistrationPipeline;
import org.dtprobed.ingest.RegistrationQuota;
import org.dtprobed.ingest.SharedProbeParts;
import org.dtprobed.ingest.StashIndexLoader;
import org.dtprobed.jail.ChildClasspath;
import org.dtprobed.parse.ParserSupervisor;
import org.dtprobed.parse.SupervisorConfig;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.probestree.ProbesTree;
import org.dtprobed.query.ProbeIndex;
import org.dtprobed.query.QueryServer;
import org.dtprobed.query.QueryServerConfig;
import org.dtprobed.query.Scope;
import org.dtprobed.stash.Stash;
import org.dtprobed.stash.StashConfig;
import org.dtprobed.stash.StashException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running daemon: starts its parts in dependency order (lock, parser children, stash,
 * pruning, index, helper device, query socket), and stops them in reverse. It is ready — and says
 * so to systemd — only when the device serves and the stash is open.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    private static final long PID = ProcessHandle.current().pid();

    /** A failure to start, with the exit code that tells systemd whether a restart can help. */
    public static final class StartException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        StartException(int exitCode, String message, Throwable cause) {
            super(message, cause);
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    public static final int EXIT_CONFIG = 1;
    public static final int EXIT_RUNTIME = 2;

    private final DaemonConfig config;
    private final ProcFs proc = ProcFs.SYSTEM;
    private StateDirLock lock;
    private ParserSupervisor parser;
    private Stash stash;
    private ProbeIndex index;
    private HelperTransport transport;
    private QueryServer query;
    private ScheduledExecutorService pruneTimer;
    /** When the periodic pass last ran (System.nanoTime; the timer's thread alone uses it after start). */
    private long lastPrune;
    private Pruner pruner;
    /** The index's per-DOF parts: from the start-up load on, shared with every registration after. */
    private final SharedProbeParts sharedParts = new SharedProbeParts();
    private LifecycleWatcher lifecycle;
    private ProbesTree probesTree;
    private volatile boolean ready;
    private final IngestStats stats = new IngestStats();
    private DaemonStats daemonStats;

    private Daemon(DaemonConfig config) {
        this.config = config;
    }

    public static Daemon start(DaemonConfig config) throws StartException {
        Daemon d = new Daemon(config);
        try {
            d.startParts();
            return d;
        } catch (StartException e) {
            d.close();
            throw e;
        } catch (IOException | StashException | RuntimeException e) {
            d.close();
            throw new StartException(exitStatusFor(e), startFailure(e), e);
        }
    }

    /**
     * The configuration status (systemd does not restart) for a fault a restart cannot fix: a
     * damaged stash, a stash of a newer layout, another owner, and a file system too small for the
     * stash's files (FULL can only come from allocating them here: the files are allocated whole when
     * the stash is opened, so restarting into the same file system would fail the same way, every
     * RestartSec). Anything else may pass (a failing file system, a parser child that did not start):
     * the runtime status.
     */
    static int exitStatusFor(Throwable e) {
        return e instanceof StashException se && (se.permanent() || se.kind() == StashException.Kind.FULL)
                ? EXIT_CONFIG : EXIT_RUNTIME;
    }

    /** The start's one line: the cause and, for a file system too small for the stash, the fix. */
    static String startFailure(Throwable e) {
        String line = describe(e);
        if (e instanceof StashException se && se.kind() == StashException.Kind.FULL) {
            line += ". Fix: free space on that file system, or move the stash aside and start with a smaller"
                    + " --max-registrations or --stash-chunks (a stash keeps the sizing it was created with)";
        }
        return line;
    }

    /**
     * One line naming the cause: the exception's type where its message alone says nothing (a
     * Chronicle exception's message can be just the map, "ChronicleMap{...}"), and each cause
     * whose message the line does not already hold.
     */
    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(messageOf(e));
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable c = e.getCause(); c != null && seen.add(c); c = c.getCause()) {
            String m = messageOf(c);
            if (!sb.toString().contains(c.getMessage() == null ? m : c.getMessage())) {
                sb.append(" (cause: ").append(m).append(')');
            }
        }
        return sb.toString();
    }

    private static String messageOf(Throwable t) {
        String m = t.getMessage();
        if (t instanceof StashException || t instanceof StartException) {
            return m;
        }
        return m == null || m.isBlank() ? t.getClass().getName() : t.getClass().getSimpleName() + ": " + m;
    }

    private void startParts() throws StartException, IOException, StashException {
        try (StartupHeap heap = StartupHeap.widen()) {
            startPartsWithHeap();
        }
    }

    private void startPartsWithHeap() throws StartException, IOException, StashException {
        try {
            StateDirGuard.prepare(config.stateDir(), config.stashDir());
            StateDirGuard.checkMountDir(config.mountpoint());
        } catch (IOException e) {
            throw new StartException(EXIT_CONFIG, e.getMessage(), e);
        }
        try {
            lock = StateDirLock.acquire(config.stateDir());
        } catch (StateDirLock.HeldException e) {
            throw new StartException(EXIT_CONFIG, e.getMessage(), e);
        }
        // The parser children take a JVM start each (0.5-1 s), and finding their uid reads every
        // process's status (0.3 s with 10,000 processes): both happen on a thread of their own
        // while the stash opens and the index loads, which need no parser, and are awaited before
        // the device serves.
        FutureTask<ParserSupervisor> parsers = new FutureTask<>(() -> ParserSupervisor.start(parserConfig()));
        Thread starter = new Thread(parsers, "dtprobed-parser-start");
        starter.setDaemon(true);
        starter.start();
        try {
            openStashAndIndex();
        } catch (StashException | RuntimeException e) {
            parser = startedOrNull(parsers); // so that close() stops children that did start
            throw e;
        }
        parser = awaitParsers(parsers);
        if (stash.recovery().staleRegistrations() > 0) {
            rebuildStale();
        }
        ProbesTree.Attaching treeMatch = startProbesTree();
        pruner = new Pruner(stash, index, proc, stats);
        lifecycle = config.processEvents() ? LifecycleWatcher.start(pruner, index, proc,
                config.processEventsBufferBytes())
                : LifecycleWatcher.off(pruner, index, proc, "periodic pruning only: --no-process-events");
        // the stash's own count: an existing stash keeps the sizing it was created with
        int sized = (int) stash.config().registrations();
        RegistrationQuota quota = new RegistrationQuota(config.maxRegistrationsPerUid(), sized, sized / 8);
        RegistrationPipeline pipeline = new RegistrationPipeline(stash, parser, index, proc, stats, pruner, quota,
                sharedParts);
        transport = startTransport(pipeline);
        daemonStats = new DaemonStats(stats, parser, stash, index, transport.kind(), lifecycle, probesTree);
        Adopter adopter = new Adopter(proc, Path.of("/proc"), stash, pipeline, stats, DofLimits.DEFAULT);
        query = new QueryServer(QueryServerConfig.defaults(config.socket()), index, daemonStats, () -> ready,
                (pid, scope) -> scanJson(pid.isPresent() ? adopter.scanPid(pid.getAsInt(), scope)
                        : adopter.scanAll(scope)));
        query.start();
        // processes that started before the daemon (their drti found no device) are adopted now,
        // before the daemon says it is ready: a client that waits for ready lists them
        if (config.scanAtStart()) {
            adopter.scanAll(Scope.all(), Runtime.getRuntime().availableProcessors());
        }
        if (treeMatch != null) {
            treeMatch.await(); // tracers reading the tree see the index's probes at ready
        }
        pruneTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dtprobed-prune");
            t.setDaemon(true);
            return t;
        });
        // ticks at the shorter interval; a pass runs when the interval of the moment is due, so a
        // connector that fails mid-life (no more events) brings the 30 s pass back at once; each
        // tick also mends the probes tree where writes failed
        long tick = Math.min(pruneInterval().toMillis(), DaemonConfig.PRUNE_INTERVAL.toMillis());
        lastPrune = System.nanoTime();
        pruneTimer.scheduleWithFixedDelay(this::pruneIfDue, tick, tick, TimeUnit.MILLISECONDS);
        ready = true;
        if (probesTree != null) {
            probesTree.verifyInBackground();
        }
    }

    private SupervisorConfig parserConfig() throws IOException {
        String childUser = ParserUser.resolve(config.childUser(), Path.of("/etc"), Path.of("/proc"));
        if (childUser.equals("nobody")) {
            LOG.warn("pid {}: the parser children run as nobody, a uid other services share: they can stop the"
                    + " children and slow every registration (--parser-user auto gives them a uid of their own)", PID);
        }
        return SupervisorConfig.builder().children(config.parsers())
                .parseTimeout(config.parseTimeout()).startTimeout(config.parserStartTimeout()).childUser(childUser).noJail(config.noJail())
                .classpath(config.parserClasspath().isEmpty() ? ChildClasspath.locateJars() : config.parserClasspath())
                .sharedArchive(config.parserClassArchive())
                .build();
    }

    /**
     * After the index is final (a stale rebuild replaces it) and before anything changes it. The
     * tree follows the index on return; its match to the index goes on beside the start's next
     * steps (null: no tree).
     */
    private ProbesTree.Attaching startProbesTree() throws IOException {
        if (!config.probesTree()) {
            ProbesTree.removeStale(config.probesDir());
            return null;
        }
        StateDirGuard.preparePrivate(config.probesDir());
        StateDirGuard.preparePrivate(config.probesStagingDir());
        ProbesTree.Attaching a = ProbesTree.attachUnverifiedBeside(config.probesDir(), config.probesStagingDir(), index);
        probesTree = a.tree();
        return a;
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode scanJson(ScanReport r) {
        var o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        o.put("processes", r.processes()).put("objects_examined", r.objectsExamined())
                .put("negative_cache_hits", r.negativeHits()).put("adopted", r.adopted())
                .put("already_registered", r.alreadyRegistered()).put("refused", r.refused())
                .put("millis", r.nanos() / 1_000_000);
        return o;
    }

    private void openStashAndIndex() throws StashException {
        // one look at each stashed process serves the index and the pruning, and the index is
        // built from the open's own decode of each registration
        ProcLiveness liveness = ProcLiveness.asking(proc);
        // two lookers on 2 cores: beside the open's decode, which feeds them, they keep both busy
        StashIndexLoader loader = new StashIndexLoader(proc, liveness, sharedParts,
                Math.min(2, Runtime.getRuntime().availableProcessors()));
        try (loader) {
            stash = Stash.open(stashConfig(config), loader);
            loader.awaitLooks();
        }
        try {
            StateDirGuard.restrictFiles(config.stashDir());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot make the stash files private", e);
        }
        if (stash.recovered()) {
            LOG.warn("pid {}: the stash was not closed cleanly; recovered: {}", PID, stash.recovery());
        }
        List<Stash.Pruned> pruned = stash.pruneWithCauses(liveness);
        Pruner.count(pruned, stats);
        index = loader.index(pruned);
        LOG.info("pid {}: stash open: {} probes of {} pids ({} dead pids pruned)", PID, index.probeCount(),
                index.pidCount(), pruned.size());
    }

    /**
     * Registrations stored by a build with another layout of probe records are kept but offer no
     * probes until re-derived from their raw DOF (DESIGN contract 6): that happens here, through
     * the jailed parser children, before the index is shared. A failure leaves them stale, listed
     * by stash-dump, for the next start.
     */
    private void rebuildStale() {
        try {
            Stash.RebuildReport r = stash.rebuildParsed(this::reparse, false);
            index = StashIndexLoader.load(stash, proc, new ProcLiveness(proc), sharedParts);
            LOG.info("pid {}: {} registrations of another parsed version rebuilt from their raw DOF, {} removed"
                    + " (their DOF no longer registers)", PID, r.rebuilt(), r.removed());
        } catch (StashException | RuntimeException e) {
            LOG.error("pid {}: rebuilding {} stale registrations failed ({}); they offer no probes until the next start",
                    PID, stash.recovery().staleRegistrations(), e.getMessage());
        }
    }

    private ParsedDof reparse(byte[] raw, DofHelper helper, int pid) throws DofFormatException {
        ParseOutcome o = parser.parse(helper, raw, pid);
        if (o instanceof ParseOutcome.Parsed p) {
            return p.dof();
        }
        if (o instanceof ParseOutcome.Rejected r) {
            throw new DofFormatException(r.rule(), r.message());
        }
        // a crash or a deadline says nothing about the DOF: stop, rather than drop registrations
        throw new IllegalStateException("the parser failed: " + ((ParseOutcome.Failed) o).message());
    }

    /** The started parser children; when they failed to start, the reason, as a runtime failure. */
    private static ParserSupervisor awaitParsers(FutureTask<ParserSupervisor> parsers) throws IOException {
        try {
            return parsers.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the parser children started", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("parser children did not start: " + cause, cause);
        }
    }

    private static ParserSupervisor startedOrNull(FutureTask<ParserSupervisor> parsers) {
        try {
            return awaitParsers(parsers);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private HelperTransport startTransport(RegistrationPipeline pipeline) throws StartException, IOException {
        TransportConfig tc = TransportConfig.defaults().withDeviceName(config.device())
                .withMountpoint(config.mountpoint()).withMaxInFlightPerUid(config.maxRequestsPerUid());
        try {
            return Transports.start(config.transport(), tc, pipeline, lifecycle.dlclose());
        } catch (IllegalArgumentException e) {
            throw new StartException(EXIT_CONFIG, e.getMessage(), e);
        }
    }

    /** Drops dead, exec'd and reused pids, and unmapped objects, from the stash and the index. */
    void prune() {
        try {
            pruner.prune();
        } catch (RuntimeException e) {
            LOG.error("pid {}: pruning failed", PID, e);
        }
    }

    /** The periodic pass's interval now: as configured, else by whether process events arrive. */
    private Duration pruneInterval() {
        return config.pruneInterval() != null ? config.pruneInterval()
                : lifecycle.watching() ? DaemonConfig.PRUNE_INTERVAL_WITH_EVENTS : DaemonConfig.PRUNE_INTERVAL;
    }

    private void pruneIfDue() {
        if (System.nanoTime() - lastPrune >= pruneInterval().toNanos()) {
            lastPrune = System.nanoTime();
            prune();
        }
        if (probesTree != null) {
            probesTree.mend(); // files a full disk cost, written once there is room
        }
    }

    /** The probes tree checked file by file against the index and mended (SIGUSR2); false when the tree is off. */
    public boolean recheckProbesTree() {
        ProbesTree tree = probesTree;
        if (tree == null) {
            return false;
        }
        tree.recheck();
        return true;
    }

    public boolean ready() {
        return ready;
    }

    /** Whether the helper device still serves (the kernel can end a FUSE/CUSE connection). */
    public boolean serving() {
        return transport != null && transport.serving();
    }

    /** The loops that must keep turning: the helper device's reader and the parsers' deadline timer. */
    public List<Heartbeat> heartbeats() {
        List<Heartbeat> all = new java.util.ArrayList<>(parser.heartbeats());
        all.add(0, transport.heartbeat());
        return all;
    }

    /** The metrics in the Prometheus text format (for {@code --metrics-file}). */
    String prometheusText() {
        return daemonStats.exposition(org.dtprobed.metrics.Exposition.Format.PROMETHEUS);
    }

    public String describe() {
        return "serving " + transport.devicePath() + " (" + transport.kind() + "), " + index.probeCount()
                + " probes of " + index.pidCount() + " pids, queries on " + config.socket() + ", heap limit "
                + (Runtime.getRuntime().maxMemory() >> 20) + " MiB";
    }

    @Override
    public void close() {
        ready = false;
        closeQuietly("query socket", query);
        closeQuietly("helper device", transport);
        if (pruneTimer != null) {
            pruneTimer.shutdownNow();
        }
        closeQuietly("process events", lifecycle);
        closeQuietly("probes tree", probesTree);
        closeQuietly("parser children", parser);
        closeQuietly("stash", stash);
        // Only what this instance started is closed: a daemon refused by the lock (or by a
        // socket another server answers on) never bound the socket, so it must not remove it.
        closeQuietly("state-directory lock", lock);
    }

    private static void closeQuietly(String what, AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("pid {}: closing the {} failed: {}", PID, what, e.toString());
        }
    }

    /** The stash's sizing for {@code --max-registrations} and {@code --stash-chunks} (pid records as {@link StashConfig#pidsFor}). */
    static StashConfig stashConfig(DaemonConfig config) {
        return StashConfig.at(config.stashDir()).withMaxRegistrations(config.maxRegistrations())
                .withChunks(config.stashChunks())
                .withOpenDeadline(config.stashOpenTimeout());
    }

    static Path defaultSocket(Path stateDir) {
        return stateDir.resolve("dtprobed.sock");
    }
}
