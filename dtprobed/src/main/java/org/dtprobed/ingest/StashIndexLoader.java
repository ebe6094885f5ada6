package org.dtprobed.ingest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;
import org.dtprobed.proc.ProcException;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.protocol.RegistrationKey;
import org.dtprobed.query.ProbeIndex;
import org.dtprobed.stash.Registration;
import org.dtprobed.stash.Stash;
import org.dtprobed.stash.StashException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the query index at start-up from what the stash holds, one {@code /proc} look per pid.
 * At start-up it takes each registration as the stash's open decodes it ({@link Stash#open(
 * org.dtprobed.stash.StashConfig, Consumer)}), so that nothing is read or decoded twice, and
 * {@link #index} then leaves out what the pruning that followed removed. After a rebuild of
 * stale registrations, {@link #load} reads the stash again.
 *
 * <p>The {@code /proc} looks and the index entries are made on threads of their own (one or two,
 * each pid's registrations on one of them) while the open goes on decoding (with 10,000 processes
 * each side is about a second of CPU); a short queue before each keeps the decoded registrations
 * waiting for their look few. {@link #awaitLooks} ends them: only then may the liveness be used
 * elsewhere ({@link #close} ends them where the open failed).
 */
public final class StashIndexLoader implements Consumer<Registration>, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StashIndexLoader.class);
    private static final int QUEUED = 256;
    private static final Object END = new Object();

    private final ProcFs proc;
    private final ProcLiveness seen;
    private final SharedProbeParts parts;
    /** Each pid's registrations go to one looker (pid modulo their count): its uid is read once, by it. */
    private final List<Looker> lookers = new ArrayList<>();
    private boolean ended;
    /** The first failure of a looking thread (which then only drains its queue), rethrown by {@link #awaitLooks}. */
    private volatile RuntimeException failed;

    /** One looking thread, its queue, and what it alone reads and writes until it ends. */
    private final class Looker {
        final BlockingQueue<Object> queued = new ArrayBlockingQueue<>(QUEUED);
        final Map<Integer, Integer> uids = new HashMap<>();
        final Map<RegistrationKey, List<ProbeEntry>> entries = new HashMap<>();
        final Thread thread;

        Looker(int i) {
            thread = new Thread(this::lookAtQueued, i == 0 ? "stash-index-load" : "stash-index-load-" + i);
            thread.setDaemon(true);
        }

        private void lookAtQueued() {
            // the kernel's map query is detected (and the native binding made) while the open is
            // still reading Chronicle's files, rather than at the first look
            try {
                proc.queriesKernel();
            } catch (RuntimeException e) {
                // the first look meets it again and reports it
            }
            while (true) {
                Object o;
                try {
                    o = queued.take();
                } catch (InterruptedException e) {
                    continue; // nothing interrupts this thread; the queue must be drained for the producer
                }
                if (o == END) {
                    return;
                }
                if (failed == null) {
                    try {
                        look((Registration) o);
                    } catch (RuntimeException e) {
                        failed = e;
                    }
                }
            }
        }

        private void look(Registration reg) {
            int pid = reg.key().pid();
            try {
                ProcessSnapshot snap = seen.snapshotOf(pid);
                Integer uid = uids.get(pid);
                if (uid == null) {
                    uid = proc.uid(pid);
                    uids.put(pid, uid);
                }
                try {
                    entries.put(reg.key(), ProbeEntries.of(reg, uid, snap, parts));
                } finally {
                    snap.close(); // an asking look's maps file: one open at a time per looker
                }
            } catch (ProcException e) {
                LOG.info("pid {}: generation {} not indexed, the process is gone: {}", pid, reg.key().generation(),
                        e.getMessage());
            }
        }
    }

    /** One looking thread. */
    public StashIndexLoader(ProcFs proc, ProcLiveness seen, SharedProbeParts parts) {
        this(proc, seen, parts, 1);
    }

    /**
     * @param seen    what the pruning pass (the same instance) reads of each process: {@code /proc} is
     *                then read once per pid in all, not twice
     * @param threads looking threads: with 10,000 processes the looks are about as much CPU as the
     *                open's decode, which feeds them, so on 2 cores the open and two lookers keep both busy
     */
    public StashIndexLoader(ProcFs proc, ProcLiveness seen, SharedProbeParts parts, int threads) {
        this.proc = proc;
        this.seen = seen;
        this.parts = parts;
        for (int i = 0; i < Math.max(1, threads); i++) {
            Looker l = new Looker(i);
            lookers.add(l);
            l.thread.start();
        }
    }

    /** The index of every registration the stash holds, read now. */
    public static ProbeIndex load(Stash stash, ProcFs proc, ProcLiveness seen, SharedProbeParts parts)
            throws StashException {
        try (StashIndexLoader loader = new StashIndexLoader(proc, seen, parts)) {
            stash.forEachRegistration(loader);
            loader.awaitLooks();
            return loader.index(List.of());
        }
    }

    /** Takes one registration as the stash decoded it: queued for its look (waits while the queue is full). */
    @Override
    public void accept(Registration reg) {
        if (reg.probes().isEmpty()) {
            return; // awaiting a rebuild of its parsed records
        }
        enqueue(lookers.get(Math.floorMod(reg.key().pid(), lookers.size())).queued, reg);
    }

    /**
     * Waits until every registration taken has been looked at, and rethrows what failed there.
     * The liveness and {@link #index} belong to the calling thread from here on.
     */
    public void awaitLooks() {
        close();
        if (failed != null) {
            throw failed;
        }
    }

    /** Ends the looking threads once they have looked at what was queued (again: nothing). */
    @Override
    public void close() {
        if (ended) {
            return;
        }
        ended = true;
        for (Looker l : lookers) {
            enqueue(l.queued, END);
        }
        boolean interrupted = false;
        for (Looker l : lookers) {
            while (true) {
                try {
                    l.thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the looks are short: finish them, then keep the interrupt
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void enqueue(BlockingQueue<Object> queue, Object o) {
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(o);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The index of the registrations taken, but those {@code pruned} removed from the stash since. */
    public ProbeIndex index(List<Stash.Pruned> pruned) {
        Set<RegistrationKey> gone = new HashSet<>();
        for (Stash.Pruned p : pruned) {
            gone.addAll(p.removed());
        }
        List<List<ProbeEntry>> kept = new ArrayList<>();
        for (Looker l : lookers) {
            for (Map.Entry<RegistrationKey, List<ProbeEntry>> e : l.entries.entrySet()) {
                if (!gone.contains(e.getKey()) && !e.getValue().isEmpty()) {
                    kept.add(e.getValue());
                }
            }
            l.entries.clear();
        }
        return ProbeIndex.ofRegistrations(kept);
    }
}
