package org.dtprobed.lifecycle;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;
import org.dtprobed.ingest.Pruner;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.query.ProbeIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops a process's registrations the moment the kernel says it exited or exec'd, instead of at
 * the next pruning pass (issue 14). The process-events connector reports every process on the
 * host, but a socket filter kept to the registered processes ({@link PidFilter}) has the kernel
 * drop the others' events before they are queued, so a host exec'ing thousands of unrelated
 * processes a second wakes the daemon not at all (up to 2,000 registered processes; beyond, every
 * exec and exit is read and looked up in the index, one datagram each). Why the
 * connector rather than a {@code pidfd} per registered process: it reports execs too, which no
 * pidfd does, and it needs one socket and one thread whatever the number of processes.
 *
 * <p>Where the connector cannot be used (not root, a container without it) the periodic pass
 * remains the only way, and {@link #mode()} says so (once in the log, always in {@code stats}).
 * When the kernel dropped events because this thread fell behind ({@code ENOBUFS}), a full pass
 * runs at once, so nothing is missed.
 */
public final class LifecycleWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LifecycleWatcher.class);
    private static final long PID = ProcessHandle.current().pid();
    private static final int POLL_MILLIS = 250;

    private final Pruner pruner;
    private final IntPredicate registered;
    private final ProcConnector connector;
    private volatile String mode;
    /** False from the start without a connector, and from its failure on. */
    private volatile boolean watching;
    private final Thread thread;
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong overflows = new AtomicLong();
    private final DlcloseRechecks dlclose;
    private final PidFilter filter;
    private volatile boolean running = true;

    private LifecycleWatcher(Pruner pruner, ProbeIndex index, ProcFs proc, ProcConnector connector,
                             String mode) {
        this.registered = index::hasPid;
        this.dlclose = new DlcloseRechecks(pruner, registered, proc);
        this.pruner = pruner;
        this.connector = connector;
        this.filter = connector == null ? null : new PidFilter(connector, index, pruner);
        this.mode = mode;
        this.watching = connector != null;
        this.thread = connector == null ? null : new Thread(this::run, "dtprobed-lifecycle");
    }

    /** Watching through {@code connector}, already open (tests make it fail under the watcher). */
    static LifecycleWatcher start(Pruner pruner, ProbeIndex index, ProcFs proc, ProcConnector connector) {
        LifecycleWatcher w = new LifecycleWatcher(pruner, index, proc, connector, "process-events connector");
        w.thread.setDaemon(true);
        w.thread.start();
        LOG.info("pid {}: exits and execs of registered processes are seen through the process-events connector", PID);
        return w;
    }

    /**
     * Starts watching, or, when the connector cannot be opened, returns a watcher that only says
     * why (the periodic pass then does all the work).
     */
    public static LifecycleWatcher start(Pruner pruner, ProbeIndex index, ProcFs proc, int bufferBytes) {
        ProcConnector c;
        try {
            c = ProcConnector.open(bufferBytes);
        } catch (IOException | RuntimeException e) {
            String why = "periodic pruning only: the process-events connector is unavailable (" + e.getMessage() + ")";
            LOG.warn("pid {}: {}", PID, why);
            return new LifecycleWatcher(pruner, index, proc, null, why);
        }
        return start(pruner, index, proc, c);
    }

    /**
     * A watcher of no process events, saying why (the periodic pass does their work); dlclose on the
     * FUSE file is still seen through {@link #dlclose()}.
     */
    public static LifecycleWatcher off(Pruner pruner, ProbeIndex index, ProcFs proc, String why) {
        LOG.info("pid {}: {}", PID, why);
        return new LifecycleWatcher(pruner, index, proc, null, why);
    }

    /** What the FUSE-file transport tells of opens released without an ioctl (dlclose there). */
    public DlcloseRechecks dlclose() {
        return dlclose;
    }

    /** How exits and execs are learnt: the connector, or periodic pruning only and why. */
    public String mode() {
        return mode;
    }

    /**
     * Whether exits and execs arrive as events (else only the periodic pass finds them, and the
     * daemon runs it at the shorter interval): false without a connector and after it failed.
     */
    public boolean watching() {
        return watching;
    }

    /** Events received, events that concerned a registered process, overflows (each a full pass). */
    public long events() {
        return events.get();
    }

    public long handled() {
        return handled.get();
    }

    public long overflows() {
        return overflows.get();
    }

    /** Processes the kernel-side filter names (their events alone are queued), or -1 for every process. */
    public int filteredPids() {
        return filter == null ? -1 : filter.filteredPids();
    }

    /** Registrations a new filter found gone or exec'd (their event came before the filter named them). */
    public long filterCaughtUp() {
        return filter == null ? 0 : filter.caughtUp();
    }

    private void run() {
        try {
            while (running) {
                ProcConnector.Received r = connector.receive(POLL_MILLIS);
                if (r instanceof ProcConnector.Event e && e.event() != null) {
                    events.incrementAndGet();
                    ProcEvent ev = e.event();
                    if (ev.endsProcessImage() && registered.test(ev.tgid())) {
                        handled.incrementAndGet();
                        pruner.pruneOne(ev.tgid(), ev.kind().name().toLowerCase(java.util.Locale.ROOT));
                    }
                } else if (r instanceof ProcConnector.Overflow) {
                    overflows.incrementAndGet();
                    LOG.warn("pid {}: the kernel dropped process events (this thread fell behind); a full pruning pass"
                            + " instead", PID);
                    pruner.prune();
                }
            }
        } catch (IOException | RuntimeException e) {
            if (running) {
                stopped(e.toString());
            }
        }
    }

    /**
     * The connector failed: say so in the log and in {@code stats}, let the periodic pass take over
     * at its shorter interval, and run one now for the events that may have been lost.
     */
    private void stopped(String why) {
        mode = "periodic pruning only: process events stopped (" + why + ")";
        watching = false;
        LOG.error("pid {}: process events stopped ({}); a full pruning pass now, then periodic pruning only", PID, why);
        pruner.prune();
    }

    @Override
    public void close() {
        running = false;
        dlclose.close();
        if (filter != null) {
            filter.close();
        }
        if (thread != null) {
            try {
                thread.join(2 * POLL_MILLIS + 1000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            connector.close();
        }
    }
}
