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
 * <p>The {@code /proc} looks and the index entries are made on a thread of their own while the
 * open goes on decoding (with 10,000 processes each side is about a second of CPU, and the
 * machine has a second core); a short queue between the two keeps the decoded registrations
 * waiting for their look few. {@link #awaitLooks} ends it: only then may the liveness be used
 * elsewhere ({@link #close} ends it where the open failed).
 */
public final class StashIndexLoader implements Consumer<Registration>, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StashIndexLoader.class);
    private static final int QUEUED = 256;
    private static final Object END = new Object();

    private final ProcFs proc;
    private final ProcLiveness seen;
    private final SharedProbeParts parts;
    private final Map<Integer, Integer> uids = new HashMap<>();
    private final Map<RegistrationKey, List<ProbeEntry>> entries = new HashMap<>();
    private final BlockingQueue<Object> queued = new ArrayBlockingQueue<>(QUEUED);
    private Thread looker = new Thread(this::lookAtQueued, "stash-index-load");
    /** The first failure of the looking thread (which then only drains the queue), rethrown by {@link #awaitLooks}. */
    private volatile RuntimeException failed;

    /**
     * @param seen what the pruning pass (the same instance) reads of each process: {@code /proc} is
     *             then read once per pid in all, not twice
     */
    public StashIndexLoader(ProcFs proc, ProcLiveness seen, SharedProbeParts parts) {
        this.proc = proc;
        this.seen = seen;
        this.parts = parts;
        looker.setDaemon(true);
        looker.start();
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
        enqueue(reg);
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

    /** Ends the looking thread once it has looked at what was queued (again: nothing). */
    @Override
    public void close() {
        if (looker == null) {
            return;
        }
        enqueue(END);
        boolean interrupted = false;
        while (true) {
            try {
                looker.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the looks are short: finish them, then keep the interrupt
            }
        }
        looker = null;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void enqueue(Object o) {
        boolean interrupted = false;
        while (true) {
            try {
                queued.put(o);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void lookAtQueued() {
        // the kernel's map query is detected (and the native binding made) while the open is still
        // reading Chronicle's files, rather than at the first look
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
                snap.close(); // an asking look's maps file: one open at a time
            }
        } catch (ProcException e) {
            LOG.info("pid {}: generation {} not indexed, the process is gone: {}", pid, reg.key().generation(),
                    e.getMessage());
        }
    }

    /** The index of the registrations taken, but those {@code pruned} removed from the stash since. */
    public ProbeIndex index(List<Stash.Pruned> pruned) {
        Set<RegistrationKey> gone = new HashSet<>();
        for (Stash.Pruned p : pruned) {
            gone.addAll(p.removed());
        }
        List<List<ProbeEntry>> kept = new ArrayList<>(entries.size());
        for (Map.Entry<RegistrationKey, List<ProbeEntry>> e : entries.entrySet()) {
            if (!gone.contains(e.getKey()) && !e.getValue().isEmpty()) {
                kept.add(e.getValue());
            }
        }
        entries.clear();
        return ProbeIndex.ofRegistrations(kept);
    }
}
