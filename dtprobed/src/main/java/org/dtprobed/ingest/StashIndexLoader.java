package org.dtprobed.ingest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dtprobed.proc.ProcException;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.query.ProbeEntry;
import org.dtprobed.query.ProbeIndex;
import org.dtprobed.stash.Registration;
import org.dtprobed.stash.Stash;
import org.dtprobed.stash.StashException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the query index at start-up from what the stash holds (after pruning, so every pid is
 * alive): one pass over the registrations, one {@code /proc} read per pid.
 */
public final class StashIndexLoader {
    private static final Logger LOG = LoggerFactory.getLogger(StashIndexLoader.class);

    private StashIndexLoader() {
    }

    public static ProbeIndex load(Stash stash, ProcFs proc) throws StashException {
        return load(stash, proc, new ProcLiveness(proc));
    }

    /**
     * As {@link #load(Stash, ProcFs)}, reusing what a pruning pass just read of each process
     * (start-up prunes first): {@code /proc} is then read once per pid in all, not twice.
     */
    public static ProbeIndex load(Stash stash, ProcFs proc, ProcLiveness seen) throws StashException {
        Map<Integer, ProcessSnapshot> snapshots = new HashMap<>();
        Map<Integer, Integer> uids = new HashMap<>();
        List<ProbeEntry> entries = new ArrayList<>();
        stash.forEachRegistration(reg -> addRegistration(reg, proc, seen, snapshots, uids, entries));
        return ProbeIndex.build(entries);
    }

    private static void addRegistration(Registration reg, ProcFs proc, ProcLiveness seen,
                                        Map<Integer, ProcessSnapshot> snapshots,
                                        Map<Integer, Integer> uids, List<ProbeEntry> entries) {
        int pid = reg.key().pid();
        if (reg.probes().isEmpty()) {
            return; // awaiting a rebuild of its parsed records
        }
        try {
            ProcessSnapshot snap = snapshots.get(pid);
            if (snap == null) {
                Optional<ProcessSnapshot> pruned = seen.snapshot(pid);
                snap = pruned.isPresent() ? pruned.get() : ProcessSnapshot.take(proc, pid);
                snapshots.put(pid, snap);
                uids.put(pid, proc.uid(pid));
            }
            entries.addAll(ProbeEntries.of(reg, uids.get(pid), snap));
        } catch (ProcException e) {
            LOG.info("pid {}: generation {} not indexed, the process is gone: {}", pid, reg.key().generation(),
                    e.getMessage());
        }
    }
}
