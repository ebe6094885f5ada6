package org.dtprobed.stash;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.protocol.RegistrationKey;
import org.dtprobed.stash.negative.NegativeCache;
import org.dtprobed.stash.negative.NegativeEntry;

/**
 * Read-only access to every file of a stash, for {@code stash-dump} and tests: works on the
 * owner's files ({@link Stash#files()}) or on files opened by a second process
 * ({@link StashFiles#openShared}). Every read tolerates entries vanishing under it (a live
 * daemon keeps writing) and reports undecodable entries instead of throwing.
 */
public final class StashView {
    private final StashFiles f;

    public StashView(StashFiles files) {
        this.f = files;
    }

    /** Every decodable registration, by key; undecodable ones are described in {@code problems}. */
    public List<Registration> registrations(List<String> problems) {
        Map<RegistrationKey, Registration> out = new TreeMap<>();
        for (byte[] k : List.copyOf(f.registrations.keySet())) {
            byte[] v = f.registrations.get(k);
            if (v == null) {
                continue;
            }
            if (RegistrationKeyCodec.isBackup(k)) {
                problems.add("a rebuild backup is present (a rebuild is running or was interrupted)");
                continue;
            }
            try {
                RegistrationKey key = RegistrationKeyCodec.decode(k);
                Registration r = RegistrationCodec.decode(v, "registration " + key);
                if (!r.key().equals(key)) {
                    problems.add("registration stored under " + key + " names itself " + r.key());
                }
                out.put(key, r);
            } catch (StashException e) {
                problems.add(e.getMessage());
            }
        }
        return new ArrayList<>(out.values());
    }

    /** One raw DOF entry and how many registrations reference it. */
    public record DofEntry(ContentHash key, int size, int refs) {
    }

    public List<DofEntry> rawDof(List<Registration> regs, List<String> problems) {
        Map<ContentHash, Integer> refs = new HashMap<>();
        for (Registration r : regs) {
            refs.merge(r.dofKey(), 1, Integer::sum);
        }
        Map<ContentHash, DofEntry> out = new TreeMap<>();
        for (byte[] k : List.copyOf(f.rawDof.keySet())) {
            if (k.length != StashLayout.DOF_KEY_SIZE) {
                problems.add("raw DOF key of " + k.length + " bytes");
                continue;
            }
            ContentHash h = ContentHash.fromBytes(k);
            try {
                Optional<byte[]> dof = rawDof(h);
                if (dof.isPresent()) {
                    if (!ContentHash.of(dof.get()).equals(h)) {
                        problems.add("raw DOF " + h + ": content hashes to " + ContentHash.of(dof.get()));
                    }
                    out.put(h, new DofEntry(h, dof.get().length, refs.getOrDefault(h, 0)));
                }
            } catch (StashException e) {
                problems.add(e.getMessage());
            }
        }
        return new ArrayList<>(out.values());
    }

    public Optional<byte[]> rawDof(ContentHash h) throws StashException {
        byte[] v = f.rawDof.get(h.toBytes());
        return v == null ? Optional.empty() : Optional.of(RawDofCodec.decode(v, "raw DOF " + h));
    }

    /** Every parse-cache key. */
    public List<ParseKey> parsedKeys() {
        List<ParseKey> out = new ArrayList<>();
        for (byte[] k : List.copyOf(f.parsed.keySet())) {
            if (k.length == StashLayout.PARSED_KEY_SIZE) {
                out.add(ParseKey.fromBytes(k));
            }
        }
        return out;
    }

    public Optional<ParsedDof> parsed(ParseKey k) throws StashException {
        byte[] v = f.parsed.get(k.toBytes());
        return v == null ? Optional.empty()
                : Optional.of(ParsedCodec.decodeParsed(v, "parse cache " + k));
    }

    public List<PidState> pids(List<String> problems) {
        java.util.Set<Integer> pids = new java.util.TreeSet<>();
        for (byte[] k : List.copyOf(f.pids.keySet())) {
            try {
                pids.add(PidRecord.pidOf(k));
            } catch (StashException e) {
                problems.add(e.getMessage());
            }
        }
        List<PidState> out = new ArrayList<>();
        for (int pid : pids) {
            PidRecord r = PidRecord.read(f.pids, pid);
            if (r == null) {
                problems.add("pid " + pid + ": no decodable pid record");
            } else {
                out.add(new PidState(pid, r.nextGeneration(), r.identity()));
            }
        }
        return out;
    }

    public List<NegativeEntry> negative(List<String> problems) {
        return NegativeCache.readAll(f.negative, problems);
    }

    public Map<String, Long> meta() {
        return StashMeta.all(f);
    }

    public List<Long> sizes() {
        return f.sizes();
    }

    /**
     * Every inconsistency found. With {@code live} (a daemon is writing right now) entries a commit
     * or removal in flight can leave for a moment (unreferenced DOF or parse entries) are not counted.
     */
    public List<String> check(boolean live) {
        List<String> problems = new ArrayList<>();
        List<Registration> regs = registrations(problems);
        List<DofEntry> dofs = rawDof(regs, problems);
        Map<ContentHash, DofEntry> byKey = new HashMap<>();
        dofs.forEach(d -> byKey.put(d.key(), d));
        Map<Integer, PidState> pids = new HashMap<>();
        pids(problems).forEach(p -> pids.put(p.pid(), p));
        for (Registration r : regs) {
            checkRegistration(r, byKey, pids, live, problems);
        }
        if (!live) {
            for (DofEntry d : dofs) {
                if (d.refs() == 0) {
                    problems.add("raw DOF " + d.key() + " is referenced by no registration");
                }
            }
        }
        checkParsed(regs, live, problems);
        negative(problems);
        Long layout = meta().get(StashMeta.LAYOUT_VERSION);
        if (layout == null || layout != StashLayout.LAYOUT_VERSION) {
            problems.add("meta layout-version is " + layout + ", expected " + StashLayout.LAYOUT_VERSION);
        }
        return problems;
    }

    private void checkRegistration(Registration r, Map<ContentHash, DofEntry> dofs, Map<Integer, PidState> pids,
                                   boolean live, List<String> problems) {
        DofEntry d = dofs.get(r.dofKey());
        if (d == null) {
            if (!live || f.registrations.containsKey(RegistrationKeyCodec.live(r.key()))) {
                problems.add("registration " + r.key() + ": raw DOF " + r.dofKey() + " is missing");
            }
        } else if (d.size() != r.dofSize()) {
            problems.add("registration " + r.key() + ": DOF size " + r.dofSize() + ", stored DOF has " + d.size());
        }
        PidState p = pids.get(r.key().pid());
        if (p == null || p.nextGeneration() <= r.key().generation()) {
            problems.add("registration " + r.key() + ": pid record " + (p == null ? "missing"
                    : "has next generation " + p.nextGeneration()));
        }
        if (r.stale()) {
            return;
        }
        try {
            Optional<ParsedDof> parsed = parsed(ParseKey.of(r.dofKey(), r.record().helper(), r.key().pid()));
            boolean sameModule = parsed.isPresent() && parsed.get().module().equals(r.record().helper().module());
            if (sameModule && !ParsedCodec.probeRecords(r.key(), parsed.get(), r.record().helper().loadBase())
                    .equals(r.probes())) {
                problems.add("registration " + r.key() + ": probe records differ from the parse cache");
            }
        } catch (StashException e) {
            problems.add(e.getMessage());
        }
    }

    private void checkParsed(List<Registration> regs, boolean live, List<String> problems) {
        java.util.Set<ParseKey> used = new java.util.HashSet<>();
        for (Registration r : regs) {
            used.add(ParseKey.of(r.dofKey(), r.record().helper(), r.key().pid()));
        }
        for (ParseKey k : parsedKeys()) {
            if (!live && !used.contains(k)) {
                problems.add("parse cache " + k + " is used by no registration");
            }
            try {
                parsed(k);
            } catch (StashException e) {
                problems.add(e.getMessage());
            }
        }
    }
}
