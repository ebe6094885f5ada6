package org.dtprobed.ingest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dtprobed.proc.ProcException;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.protocol.ProbeEntry;
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

    /**
     * @param seen what the pruning pass that precedes the load (start-up prunes first) read of
     *             each process: {@code /proc} is then read once per pid in all, not twice
     */
    public static ProbeIndex load(Stash stash, ProcFs proc, ProcLiveness seen) throws StashException {
        Map<Integer, Integer> uids = new HashMap<>();
        List<ProbeEntry> entries = new ArrayList<>();
        stash.forEachRegistration(reg -> addRegistration(reg, proc, seen, uids, entries));
        return ProbeIndex.build(entries);
    }

    private static void addRegistration(Registration reg, ProcFs proc, ProcLiveness seen, Map<Integer, Integer> uids,
                                        List<ProbeEntry> entries) {
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
            entries.addAll(ProbeEntries.of(reg, uid, snap));
        } catch (ProcException e) {
            LOG.info("pid {}: generation {} not indexed, the process is gone: {}", pid, reg.key().generation(),
                    e.getMessage());
        }
    }
}
