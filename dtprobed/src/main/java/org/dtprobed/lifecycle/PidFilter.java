package org.dtprobed.lifecycle;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.dtprobed.ingest.Pruner;
import org.dtprobed.protocol.PidSummary;
import org.dtprobed.query.ProbeIndex;
import org.dtprobed.query.Scope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the connector's socket filter to the registered processes, so that the execs and exits of
 * every other process on the host are dropped by the kernel before they are queued: with one
 * wake-up per event, a host exec'ing 1,000 unrelated processes a second cost the daemon ~9 % of a
 * core (BENCHMARKS.md); now it costs nothing but the filter run in the exec'ing process.
 *
 * <p>The filter follows the index (every change, batched to one rebuild per
 * {@link #MIN_REBUILD_MILLIS}); above {@link ProcConnector#MAX_FILTER_PIDS} processes it lets every
 * exec and exit through, as before. A process that registered and exited or exec'd before the
 * filter named it had its event dropped: so every process a new filter adds is checked once,
 * right after the filter is in place ({@link Pruner#pruneOne}, a no-op for a process that lives
 * on in the same image). Nothing is missed either way.
 */
final class PidFilter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PidFilter.class);
    static final long MIN_REBUILD_MILLIS = 5;

    private final ProcConnector connector;
    private final ProbeIndex index;
    private final Pruner pruner;
    private final Thread thread;
    private final ProbeIndex.Subscription subscription;
    private final Object lock = new Object();
    private boolean dirty = true;
    private volatile boolean running = true;
    /** Pids in the filter now; null: every exec and exit passes. Only the filter thread touches it. */
    private Set<Integer> filtered;
    private final AtomicInteger filteredCount = new AtomicInteger(-1);
    /** Filters given to the kernel. */
    private final AtomicLong rebuilds = new AtomicLong();
    /** Looks at the index after a change, whether or not the filter then changed. */
    private final AtomicLong passes = new AtomicLong();
    private final AtomicLong caughtUp = new AtomicLong();

    PidFilter(ProcConnector connector, ProbeIndex index, Pruner pruner) {
        this.connector = connector;
        this.index = index;
        this.pruner = pruner;
        // called with the index locked: only note the change
        this.subscription = index.subscribe(event -> changed(), false);
        this.thread = new Thread(this::run, "dtprobed-lifecycle-filter");
        thread.setDaemon(true);
        thread.start();
    }

    private void changed() {
        synchronized (lock) {
            dirty = true;
            lock.notifyAll();
        }
    }

    /** Processes the filter names now, or -1 when every exec and exit passes. */
    int filteredPids() {
        return filteredCount.get();
    }

    long rebuilds() {
        return rebuilds.get();
    }

    long passes() {
        return passes.get();
    }

    /** Registrations removed because a new filter found their process gone or exec'd. */
    long caughtUp() {
        return caughtUp.get();
    }

    private void run() {
        try {
            while (running) {
                synchronized (lock) {
                    while (!dirty && running) {
                        lock.wait(1000);
                    }
                    dirty = false;
                }
                if (running) {
                    rebuild();
                    passes.incrementAndGet();
                    TimeUnit.MILLISECONDS.sleep(MIN_REBUILD_MILLIS); // a storm's changes go into one rebuild
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("process-events filter stopped ({}); every exec and exit is read from now on", e.toString());
            connector.filterPids(null);
            filteredCount.set(-1);
        }
    }

    private void rebuild() {
        List<PidSummary> now = index.pids(Scope.all());
        if (now.size() > ProcConnector.MAX_FILTER_PIDS) {
            if (filtered != null && connector.filterPids(null)) {
                filtered = null;
                filteredCount.set(-1);
                rebuilds.incrementAndGet();
            }
            return;
        }
        int[] pids = new int[now.size()];
        Set<Integer> next = new HashSet<>();
        for (int i = 0; i < pids.length; i++) {
            pids[i] = now.get(i).pid();
            next.add(pids[i]);
        }
        if (next.equals(filtered)) {
            // most changes are a process registering again (an object, a replacement): the program
            // in place is right, and attaching one costs the kernel a copy and a check of it
            return;
        }
        if (!connector.filterPids(pids)) {
            LOG.warn("the kernel refused the process-events filter for {} pids; every exec and exit is read", pids.length);
            return;
        }
        rebuilds.incrementAndGet();
        Set<Integer> before = filtered;
        filtered = next;
        filteredCount.set(pids.length);
        if (before == null) {
            return; // the filter let everything through until now: nothing was dropped
        }
        for (int pid : pids) {
            if (!before.contains(pid)) {
                int n = pruner.pruneOne(pid, "exit or exec before the filter named it");
                caughtUp.addAndGet(n);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        subscription.close();
        synchronized (lock) {
            lock.notifyAll();
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
