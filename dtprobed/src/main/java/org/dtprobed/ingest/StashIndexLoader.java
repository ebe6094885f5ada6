package org.dtprobed.ingest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 */
public final class StashIndexLoader implements Consumer<Registration> {
    private static final Logger LOG = LoggerFactory.getLogger(StashIndexLoader.class);

    private final ProcFs proc;
    private final ProcLiveness seen;
    private final SharedProbeParts parts;
    private final Map<Integer, Integer> uids = new HashMap<>();
    private final Map<RegistrationKey, List<ProbeEntry>> entries = new HashMap<>();

    /**
     * @param seen what the pruning pass (the same instance) reads of each process: {@code /proc} is
     *             then read once per pid in all, not twice
     */
    public StashIndexLoader(ProcFs proc, ProcLiveness seen, SharedProbeParts parts) {
        this.proc = proc;
        this.seen = seen;
        this.parts = parts;
    }

    /** The index of every registration the stash holds, read now. */
    public static ProbeIndex load(Stash stash, ProcFs proc, ProcLiveness seen, SharedProbeParts parts)
            throws StashException {
        StashIndexLoader loader = new StashIndexLoader(proc, seen, parts);
        stash.forEachRegistration(loader);
        return loader.index(List.of());
    }

    /** Takes one registration as the stash decoded it. */
    @Override
    public void accept(Registration reg) {
        int pid = reg.key().pid();
        if (reg.probes().isEmpty()) {
            return; // awaiting a rebuild of its parsed records
        }
        try {
            ProcessSnapshot snap = seen.snapshotOf(pid);
            Integer uid = uids.get(pid);
            if (uid == null) {
                uid = proc.uid(pid);
                uids.put(pid, uid);
            }
            entries.put(reg.key(), ProbeEntries.of(reg, uid, snap, parts));
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
        List<ProbeEntry> all = new ArrayList<>();
        for (Map.Entry<RegistrationKey, List<ProbeEntry>> e : entries.entrySet()) {
            if (!gone.contains(e.getKey())) {
                all.addAll(e.getValue());
            }
        }
        entries.clear();
        return ProbeIndex.build(all);
    }
}
