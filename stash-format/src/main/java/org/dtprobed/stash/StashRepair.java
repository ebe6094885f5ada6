package org.dtprobed.stash;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dtprobed.protocol.RegistrationKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pass that runs at every open, after Chronicle's own recovery: it rebuilds the in-memory
 * index and restores the stash's invariants (see the "Crash safety" part of {@link Stash}).
 * Order matters: registrations first (they decide what is referenced), then raw DOF and the
 * parse cache (collected when unreferenced), then pid records (raised above every generation).
 */
final class StashRepair {
    private static final Logger LOG = LoggerFactory.getLogger(StashRepair.class);

    private final StashFiles f;
    private final StashIndex index;
    private final boolean verifyContent;
    private final Map<ContentHash, Boolean> dofOk = new HashMap<>();
    private int corrupt;
    private int withoutDof;
    private int orphanDof;
    private int orphanParsed;
    private int pidsRepaired;
    private int stale;
    private int orphanChunks;
    private final java.util.function.Consumer<Registration> opened;

    StashRepair(StashFiles f, StashIndex index, boolean verifyContent, java.util.function.Consumer<Registration> opened) {
        this.opened = opened;
        this.f = f;
        this.index = index;
        this.verifyContent = verifyContent;
    }

    RecoveryReport run(boolean unclean, List<String> events, List<String> damagedFiles,
                       java.util.function.Consumer<String> phase) {
        phase.accept("repairing: reading every entry of " + StashFiles.REGISTRATIONS);
        registrations();
        phase.accept("repairing: reading every entry of " + StashFiles.RAW_DOF);
        rawDof();
        phase.accept("repairing: reading every entry of " + StashFiles.PARSED);
        parsed();
        phase.accept("repairing: collecting chunks no value owns in " + StashFiles.CHUNKS);
        orphanChunks = f.collectOrphanChunks();
        if (orphanChunks > 0) {
            LOG.info("stash repair: removed {} chunks no value owned", orphanChunks);
        }
        phase.accept("repairing: reading every entry of " + StashFiles.PIDS);
        pids();
        return new RecoveryReport(unclean, events, damagedFiles, corrupt, withoutDof, orphanDof, orphanParsed,
                orphanChunks, pidsRepaired, stale);
    }

    /** A rebuild interrupted by a crash: restore the original from its backup if it did not survive. */
    private void backups() {
        for (byte[] k : List.copyOf(f.registrations.keySet())) {
            if (!RegistrationKeyCodec.isBackup(k)) {
                continue;
            }
            try {
                RegistrationKey key = RegistrationKeyCodec.decode(k);
                byte[] live = f.registrations.get(RegistrationKeyCodec.live(key));
                boolean liveOk = false;
                if (live != null) {
                    try {
                        RegistrationCodec.decode(live, "registration " + key);
                        liveOk = true;
                    } catch (StashException e) {
                        liveOk = false;
                    }
                }
                if (!liveOk) {
                    byte[] backup = f.registrations.get(k);
                    RegistrationCodec.decode(backup, "backup of registration " + key);
                    f.registrations.put(RegistrationKeyCodec.live(key), backup);
                    LOG.warn("stash repair: registration {} restored from its rebuild backup", key);
                }
            } catch (StashException | NullPointerException e) {
                LOG.warn("stash repair: dropping unusable rebuild backup: {}", e.getMessage());
            }
            f.registrations.remove(k);
        }
    }

    private void registrations() {
        backups();
        ProbePartsMemo memo = new ProbePartsMemo();
        for (byte[] k : List.copyOf(f.registrations.keySet())) {
            byte[] v = f.registrations.get(k);
            if (v == null) {
                continue;
            }
            Registration r;
            try {
                RegistrationKey key = RegistrationKeyCodec.decode(k);
                r = RegistrationCodec.decode(v, "registration " + key, memo);
                if (!r.key().equals(key)) {
                    throw new StashException(StashException.Kind.CORRUPT, "registration stored under " + key + " says " + r.key());
                }
            } catch (StashException e) {
                LOG.warn("stash repair: removing undecodable registration: {}", e.getMessage());
                f.registrations.remove(k);
                corrupt++;
                continue;
            }
            if (!dofPresent(r.dofKey())) {
                // the commit puts the raw DOF before the registration and a removal deletes it
                // after, so a whole registration without its DOF comes from a damaged dof.cm3, not
                // from a crash: it was acknowledged and its probes are intact, so it is kept
                LOG.debug("stash repair: registration pid {} gen {}: raw DOF {} missing or corrupt; kept",
                        r.key().pid(), r.key().generation(), r.dofKey());
                withoutDof++;
            }
            if (r.stale()) {
                stale++;
            }
            index.add(StashIndex.entryOf(r));
            // no later step of the repair removes a registration: each one taken here is kept
            opened.accept(r);
        }
    }

    private boolean dofPresent(ContentHash h) {
        return dofOk.computeIfAbsent(h, x -> {
            byte[] v = f.rawDof.get(x.toBytes());
            if (v == null) {
                return false;
            }
            if (!verifyContent) {
                return true;
            }
            try {
                return ContentHash.of(RawDofCodec.decode(v, "raw DOF " + x)).equals(x);
            } catch (StashException e) {
                LOG.warn("stash repair: {}", e.getMessage());
                return false;
            }
        });
    }

    private void rawDof() {
        if (withoutDof > 0) {
            LOG.error("stash repair: {} registrations have no intact raw DOF ({} damaged or lost): kept, and their"
                    + " probes are served, but they cannot be re-derived from raw DOF (a parsed-version rebuild drops"
                    + " them) and stash-dump reports them", withoutDof, StashFiles.RAW_DOF);
        }
        for (byte[] k : List.copyOf(f.rawDof.keySet())) {
            ContentHash h = k.length == StashLayout.DOF_KEY_SIZE ? ContentHash.fromBytes(k) : null;
            if (h == null || index.refs(h) == 0 || Boolean.FALSE.equals(dofOk.get(h))) {
                f.rawDof.remove(k);
                orphanDof++;
            }
        }
        if (orphanDof > 0) {
            LOG.info("stash repair: removed {} unreferenced raw DOF entries", orphanDof);
        }
    }

    private void parsed() {
        for (byte[] k : List.copyOf(f.parsed.keySet())) {
            boolean keep = false;
            if (k.length == StashLayout.PARSED_KEY_SIZE) {
                ParseKey pk = ParseKey.fromBytes(k);
                byte[] v = f.parsed.get(k);
                keep = v != null && index.parsedInUse(pk) && currentVersion(v);
            }
            if (!keep) {
                f.parsed.remove(k);
                orphanParsed++;
            }
        }
    }

    private static boolean currentVersion(byte[] v) {
        return v.length >= StashLayout.VALUE_HEADER_SIZE
                && ((v[StashLayout.VALUE_OFF_VERSION] & 0xFF) | (v[StashLayout.VALUE_OFF_VERSION + 1] & 0xFF) << 8)
                == StashLayout.PARSE_CACHE_VERSION;
    }

    private void pids() {
        java.util.Set<Integer> stored = new java.util.TreeSet<>();
        for (byte[] k : List.copyOf(f.pids.keySet())) {
            try {
                stored.add(PidRecord.pidOf(k));
            } catch (StashException e) {
                f.pids.remove(k);
            }
        }
        // each record read once: what the check of the registrations' generations below reads too
        Map<Integer, PidRecord> records = new HashMap<>();
        for (int pid : stored) {
            PidRecord r = PidRecord.read(f.pids, pid);
            if (r == null) {
                LOG.warn("stash repair: dropping undecodable pid record of pid {}", pid);
                PidRecord.delete(f.pids, pid);
            } else {
                records.put(pid, r);
            }
        }
        for (int pid : index.pids()) {
            long need = index.maxGeneration(pid) + 1;
            PidRecord r = records.get(pid);
            if (r == null || r.nextGeneration() < need) {
                ProcessIdentity id = r != null ? r.identity() : newestIdentity(pid);
                // no delete first: the reader takes the higher valid slot, and a crash here is
                // repaired the same way at the next open
                new PidRecord(need, id).write(f.pids, pid);
                pidsRepaired++;
                LOG.warn("stash repair: pid {} next generation set to {}", pid, need);
            }
        }
    }

    private ProcessIdentity newestIdentity(int pid) {
        List<RegistrationKey> keys = new ArrayList<>(index.keysOfPid(pid));
        RegistrationKey newest = keys.get(keys.size() - 1);
        try {
            return RegistrationCodec.decode(f.registrations.get(RegistrationKeyCodec.live(newest)), "registration " + newest)
                    .record().process();
        } catch (StashException e) {
            throw new IllegalStateException("registration decoded a moment ago no longer does", e);
        }
    }
}
