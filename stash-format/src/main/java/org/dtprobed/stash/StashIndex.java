package org.dtprobed.stash;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;
import org.dtprobed.protocol.FileId;
import org.dtprobed.protocol.RegistrationKey;

/**
 * In-memory secondary indexes over the registrations map (by pid, by pid+mapping, by dev+inode)
 * and the reference counts of raw DOF. Derived data: rebuilt from {@code registrations.cm3} at
 * every open, so a crash can never leave a reference count wrong. Guarded by the Stash's lock.
 */
final class StashIndex {
    /** One registration: what the index answers by without reading its value. */
    /** @param parseVariant {@link ParseKey#variant} of its parse-cache entry */
    record Entry(RegistrationKey key, Mapping mapping, long dofAddress, ContentHash dof, long parseVariant) {
    }

    /** Where a process's DOF lay: what a re-registration whose REMOVE was lost has in common with it. */
    private record Place(int pid, long dev, long inode, long start, long dofAddress) {
        // equals and hashCode written out: a record's are bootstrapped through method handles
        // (classes spun at the first call), and the open adds every stashed registration before
        // the JIT has compiled anything
        static Place of(Entry e) {
            Mapping m = e.mapping();
            return new Place(e.key().pid(), m.dev(), m.inode(), m.start(), e.dofAddress());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Place p && p.pid == pid && p.dev == dev && p.inode == inode && p.start == start
                    && p.dofAddress == dofAddress;
        }

        @Override
        public int hashCode() {
            int h = 31 * pid + Long.hashCode(dev);
            h = 31 * h + Long.hashCode(inode);
            h = 31 * h + Long.hashCode(start);
            return 31 * h + Long.hashCode(dofAddress);
        }
    }

    private final Map<RegistrationKey, Entry> byKey = new HashMap<>();
    private final Map<Integer, NavigableSet<Long>> byPid = new HashMap<>();
    private final Map<FileId, Set<RegistrationKey>> byFile = new HashMap<>();
    private final Map<Place, Set<RegistrationKey>> byPlace = new HashMap<>();
    private final Map<ContentHash, Map<Long, Integer>> dofRefs = new HashMap<>();

    static Entry entryOf(Registration r) {
        RegistrationRecord rec = r.record();
        return new Entry(r.key(), rec.mapping(), rec.helper().dofAddress(), r.dofKey(),
                ParseKey.of(r.dofKey(), rec.helper(), r.key().pid()).variant());
    }

    void add(Entry e) {
        byKey.put(e.key(), e);
        byPid.computeIfAbsent(e.key().pid(), p -> new TreeSet<>()).add(e.key().generation());
        byFile.computeIfAbsent(new FileId(e.mapping().dev(), e.mapping().inode()), k -> new TreeSet<>()).add(e.key());
        byPlace.computeIfAbsent(Place.of(e), k -> new TreeSet<>()).add(e.key());
        dofRefs.computeIfAbsent(e.dof(), k -> new HashMap<>()).merge(e.parseVariant(), 1, Integer::sum);
    }

    Entry remove(RegistrationKey key) {
        Entry e = byKey.remove(key);
        if (e == null) {
            return null;
        }
        NavigableSet<Long> gens = byPid.get(key.pid());
        gens.remove(key.generation());
        if (gens.isEmpty()) {
            byPid.remove(key.pid());
        }
        FileId di = new FileId(e.mapping().dev(), e.mapping().inode());
        Set<RegistrationKey> s = byFile.get(di);
        s.remove(key);
        if (s.isEmpty()) {
            byFile.remove(di);
        }
        Place place = Place.of(e);
        Set<RegistrationKey> at = byPlace.get(place);
        at.remove(key);
        if (at.isEmpty()) {
            byPlace.remove(place);
        }
        Map<Long, Integer> variants = dofRefs.get(e.dof());
        variants.merge(e.parseVariant(), -1, Integer::sum);
        variants.remove(e.parseVariant(), 0);
        if (variants.isEmpty()) {
            dofRefs.remove(e.dof());
        }
        return e;
    }

    Map<RegistrationKey, Mapping> mappings() {
        Map<RegistrationKey, Mapping> out = new HashMap<>(byKey.size() * 2);
        byKey.forEach((k, e) -> out.put(k, e.mapping()));
        return out;
    }

    Entry get(RegistrationKey key) {
        return byKey.get(key);
    }

    List<RegistrationKey> keysOfPid(int pid) {
        List<RegistrationKey> out = new ArrayList<>();
        for (long g : byPid.getOrDefault(pid, new TreeSet<>())) {
            out.add(new RegistrationKey(pid, g));
        }
        return out;
    }

    List<RegistrationKey> keysOfDevIno(long dev, long inode) {
        return new ArrayList<>(byFile.getOrDefault(new FileId(dev, inode), Set.of()));
    }

    /** Registrations of the pid whose DOF lies in the mapping with this dev, inode and start. */
    List<RegistrationKey> keysOfMapping(int pid, long dev, long inode, long start) {
        List<RegistrationKey> out = new ArrayList<>();
        for (RegistrationKey k : keysOfPid(pid)) {
            Mapping m = byKey.get(k).mapping();
            if (m.dev() == dev && m.inode() == inode && m.start() == start) {
                out.add(k);
            }
        }
        return out;
    }

    /**
     * Registrations of the pid whose DOF lay at this address of the mapping with this dev, inode
     * and start: found without walking the pid's other registrations (a process that registers
     * DOF after DOF from its heap holds thousands, and each commit asks).
     */
    List<RegistrationKey> keysAt(int pid, long dev, long inode, long start, long dofAddress) {
        return new ArrayList<>(byPlace.getOrDefault(new Place(pid, dev, inode, start, dofAddress), Set.of()));
    }

    /** Whether the pid has a registration whose DOF lies in a mapping of the file. */
    boolean hasObject(int pid, long dev, long inode) {
        for (RegistrationKey k : keysOfPid(pid)) {
            Mapping m = byKey.get(k).mapping();
            if (m.dev() == dev && m.inode() == inode) {
                return true;
            }
        }
        return false;
    }

    Set<Integer> pids() {
        return Set.copyOf(byPid.keySet());
    }

    /** How many registrations reference the raw DOF. */
    int refs(ContentHash h) {
        return dofRefs.getOrDefault(h, Map.of()).values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Whether some registration refers to this DOF ({@code refs(h) > 0}, without counting). */
    boolean referenced(ContentHash h) {
        return dofRefs.containsKey(h);
    }

    /** Whether some registration uses this parse-cache entry (which keeps it). */
    boolean parsedInUse(ParseKey k) {
        return dofRefs.getOrDefault(k.hash(), Map.of()).containsKey(k.variant());
    }

    Set<ContentHash> dofKeys() {
        return Set.copyOf(dofRefs.keySet());
    }

    int size() {
        return byKey.size();
    }

    long maxGeneration(int pid) {
        NavigableSet<Long> g = byPid.get(pid);
        return g == null ? -1 : g.last();
    }
}
