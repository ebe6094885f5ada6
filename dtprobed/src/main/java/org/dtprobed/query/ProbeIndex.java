package org.dtprobed.query;

import org.dtprobed.protocol.ProbeDescription;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.protocol.PidSummary;
import org.dtprobed.protocol.RegistrationKey;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The in-memory index queries are answered from: every probe of every live registration, by
 * registration and by provider name. Built once from the stash at start-up ({@link #build}) and
 * kept current by the daemon on every commit ({@link #add}) and removal ({@link #removeRegistration},
 * {@link #removePid}), so that no query scans the stash.
 *
 * <p>Thread-safe: updates take a write lock and are published to listeners in order while it is
 * held; queries take the read lock and return immutable lists.
 */
public final class ProbeIndex {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ProbeIndex.class);
    /** Output order of {@link #match}: by pid, generation, then the probe's four names. */
    static final Comparator<ProbeEntry> ORDER = Comparator.comparingInt(ProbeEntry::pid)
            .thenComparingLong(ProbeEntry::generation).thenComparing(ProbeEntry::provider)
            .thenComparing(ProbeEntry::module).thenComparing(ProbeEntry::function).thenComparing(ProbeEntry::name);

    /**
     * Order of the probes inside one provider of one registration (the rest of {@link #ORDER}).
     * Written out rather than chained: it runs for every probe at start-up, mostly interpreted.
     */
    private static final Comparator<ProbeEntry> IN_PROVIDER = (a, b) -> {
        int c = a.module().compareTo(b.module());
        if (c == 0) {
            c = a.function().compareTo(b.function());
        }
        return c != 0 ? c : a.name().compareTo(b.name());
    };

    /** One registration: its probes as added (for snapshots and events) and its provider groups, by provider. */
    private record Indexed(List<ProbeEntry> probes, List<ProviderGroup> groups) {
        int uid() {
            return probes.get(0).uid();
        }
    }

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final TreeMap<RegistrationKey, Indexed> registrations = new TreeMap<>();
    /**
     * provider name (no pid suffix) → registration → its group of that provider. Sorted by
     * registration, so that one pid's groups are a sub-map: a literal {@code bench4711} finds
     * pid 4711's {@code bench} without walking every other pid's.
     */
    private final Map<String, TreeMap<RegistrationKey, ProviderGroup>> byProvider = new HashMap<>();
    private final NameTable providers = new NameTable();
    private final NameTable modules = new NameTable();
    private final NameTable functions = new NameTable();
    private final NameTable names = new NameTable();
    private final List<IndexListener> listeners = new CopyOnWriteArrayList<>();
    private long seq;
    private int probes;
    /** Registrations held per uid, for the quotas (issue 19). */
    private final Map<Integer, Integer> registrationsByUid = new HashMap<>();

    /** An empty index. */
    public ProbeIndex() {
    }

    /** The start-up index: every probe the stash holds, grouped by registration. No events are sent. */
    public static ProbeIndex build(Iterable<ProbeEntry> entries) {
        Map<RegistrationKey, List<ProbeEntry>> grouped = new LinkedHashMap<>();
        for (ProbeEntry e : entries) {
            grouped.computeIfAbsent(e.registration(), k -> new ArrayList<>()).add(e);
        }
        return ofRegistrations(grouped.values());
    }

    /**
     * An index of registrations already grouped, each list all of one registration's probes (as
     * {@link #add} checks; the start-up's loader makes them so): no second grouping of 200,000
     * entries by their key.
     */
    public static ProbeIndex ofRegistrations(Collection<List<ProbeEntry>> registrations) {
        ProbeIndex index = new ProbeIndex();
        for (List<ProbeEntry> reg : registrations) {
            index.insert(reg);
        }
        return index;
    }

    /**
     * Adds one registration's probes (all of one pid and generation). A registration already
     * present under that key is replaced, and watchers see its removal first.
     *
     * @throws IllegalArgumentException if the probes are empty or span registrations or uids
     */
    public void add(Collection<ProbeEntry> entries) {
        add(entries, List.of());
    }

    /**
     * Adds one registration and removes the registrations its commit dropped ({@code dropped}: exec,
     * pid reuse, an object registered again whose REMOVE was lost; the stash's {@code CommitResult}).
     * The new registration is published before those removals, so a listener that derives files from
     * a pid's registrations together (the probes/ tree) sees an object registered again as no change.
     * A dropped key equal to the new one (a reused pid starts again at generation 0) is the old
     * registration the add replaces.
     *
     * @throws IllegalArgumentException if the probes are empty or span registrations or uids
     */
    public void add(Collection<ProbeEntry> entries, Collection<RegistrationKey> dropped) {
        List<ProbeEntry> reg = List.copyOf(entries);
        if (reg.isEmpty()) {
            throw new IllegalArgumentException("a registration needs at least one probe");
        }
        ProbeEntry first = reg.get(0);
        for (ProbeEntry e : reg) {
            if (e.pid() != first.pid() || e.generation() != first.generation() || e.uid() != first.uid()) {
                throw new IllegalArgumentException("probes of one registration must share pid, generation and uid;"
                        + " got pid " + e.pid() + " gen " + e.generation() + " with pid " + first.pid() + " gen "
                        + first.generation());
            }
        }
        lock.writeLock().lock();
        try {
            if (registrations.containsKey(first.registration())) {
                removeLocked(first.registration());
            }
            RegistrationKey moved = null;
            for (RegistrationKey k : dropped) {
                if (moved == null && !k.equals(first.registration()) && moveLocked(k, reg)) {
                    moved = k;
                }
            }
            if (moved == null) {
                insert(reg);
            }
            publish(new IndexEvent.Registered(++seq, first.pid(), first.uid(), first.generation(), reg));
            if (moved != null) {
                publish(new IndexEvent.Removed(++seq, moved.pid(), first.uid(), moved.generation(), reg.size()));
            }
            for (RegistrationKey k : dropped) {
                if (!k.equals(first.registration()) && !k.equals(moved)) {
                    removeLocked(k);
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes one registration (REMOVE ioctl); returns whether it was there. */
    public boolean removeRegistration(int pid, long generation) {
        lock.writeLock().lock();
        try {
            return removeLocked(new RegistrationKey(pid, generation));
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Whether the pid has a registration (read on every process event of the host: no copying). */
    public boolean hasPid(int pid) {
        lock.readLock().lock();
        try {
            RegistrationKey k = registrations.ceilingKey(new RegistrationKey(pid, Long.MIN_VALUE));
            return k != null && k.pid() == pid;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Removes every registration of a pid (exit, exec, pid reuse); returns how many there were. */
    public int removePid(int pid) {
        lock.writeLock().lock();
        try {
            List<RegistrationKey> keys = new ArrayList<>(registrations.subMap(
                    new RegistrationKey(pid, Long.MIN_VALUE), true, new RegistrationKey(pid, Long.MAX_VALUE), true)
                    .keySet());
            keys.forEach(this::removeLocked);
            return keys.size();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes the registrations the stash removed (a prune, a refused commit's drops); returns how many were here. */
    public int removeRegistrations(Collection<RegistrationKey> keys) {
        if (keys.isEmpty()) {
            return 0;
        }
        lock.writeLock().lock();
        try {
            int n = 0;
            for (RegistrationKey k : keys) {
                if (removeLocked(k)) {
                    n++;
                }
            }
            return n;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void insert(List<ProbeEntry> reg) {
        RegistrationKey key = reg.get(0).registration();
        Map<String, List<ProbeEntry>> split = splitByProvider(reg);
        List<ProviderGroup> groups = new ArrayList<>(split.size());
        for (Map.Entry<String, List<ProbeEntry>> p : split.entrySet()) {
            List<ProbeEntry> sorted = p.getValue();
            sorted.sort(IN_PROVIDER);
            int[] ids = new int[sorted.size() * 3];
            for (int i = 0; i < sorted.size(); i++) {
                ProbeEntry e = sorted.get(i);
                ids[3 * i] = modules.acquire(e.module());
                ids[3 * i + 1] = functions.acquire(e.function());
                ids[3 * i + 2] = names.acquire(e.name());
            }
            ProviderGroup g = new ProviderGroup(key, reg.get(0).uid(), p.getKey(), providers.acquire(p.getKey()),
                    List.copyOf(sorted), ids);
            groups.add(g);
            byProvider.computeIfAbsent(g.provider(), k -> new TreeMap<>()).put(key, g);
        }
        registrations.put(key, new Indexed(List.copyOf(reg), List.copyOf(groups)));
        registrationsByUid.merge(reg.get(0).uid(), 1, Integer::sum);
        probes += reg.size();
    }

    /**
     * A dropped registration with the very probes of the new one (a same-DOF re-registration: the
     * same declarations and sites in the same order at the same objects; ProbeEntries shares them,
     * so the comparisons mostly end at identity) hands its place over to it: its provider groups are rebuilt under the new
     * key in their sorted order, and the name ids it held pass to the new one, so nothing is
     * sorted, acquired or released. Returns false, changing nothing, for any other registration.
     */
    private boolean moveLocked(RegistrationKey from, List<ProbeEntry> reg) {
        Indexed old = registrations.get(from);
        if (old == null || old.probes().size() != reg.size() || old.uid() != reg.get(0).uid()) {
            return false;
        }
        Map<ProbeEntry, ProbeEntry> next = new IdentityHashMap<>(reg.size() * 2);
        for (int i = 0; i < reg.size(); i++) {
            ProbeEntry o = old.probes().get(i);
            ProbeEntry n = reg.get(i);
            // identity first: the equals behind it is then rarely run, and C2 leaves it out of the
            // compile (it inlined the three equals into 55 KB of code during row 1 without this)
            if (o.declaration() != n.declaration() && !o.declaration().equals(n.declaration())
                    || o.sites() != n.sites() && !o.sites().equals(n.sites())
                    || o.mapping() != n.mapping() && !o.mapping().equals(n.mapping())) {
                return false;
            }
            next.put(o, n);
        }
        RegistrationKey key = reg.get(0).registration();
        List<ProviderGroup> groups = new ArrayList<>(old.groups().size());
        for (ProviderGroup g : old.groups()) {
            ProbeEntry[] sorted = new ProbeEntry[g.probes().size()];
            for (int i = 0; i < sorted.length; i++) {
                sorted[i] = next.get(g.probes().get(i));
            }
            ProviderGroup moved = new ProviderGroup(key, g.uid(), g.provider(), g.providerId(), List.of(sorted), g.ids());
            TreeMap<RegistrationKey, ProviderGroup> m = byProvider.get(g.provider());
            m.remove(from);
            m.put(key, moved);
            groups.add(moved);
        }
        registrations.remove(from);
        registrations.put(key, new Indexed(List.copyOf(reg), List.copyOf(groups)));
        return true;
    }

    /** The registration's probes by provider name, in provider order; most registrations have one provider. */
    private static Map<String, List<ProbeEntry>> splitByProvider(List<ProbeEntry> reg) {
        String first = reg.get(0).provider();
        boolean one = true;
        for (int i = 1; i < reg.size() && one; i++) {
            one = reg.get(i).provider().equals(first);
        }
        if (one) {
            return Map.of(first, new ArrayList<>(reg));
        }
        Map<String, List<ProbeEntry>> split = new TreeMap<>();
        for (ProbeEntry e : reg) {
            split.computeIfAbsent(e.provider(), k -> new ArrayList<>()).add(e);
        }
        return split;
    }

    private boolean removeLocked(RegistrationKey key) {
        Indexed reg = registrations.remove(key);
        if (reg == null) {
            return false;
        }
        registrationsByUid.computeIfPresent(reg.uid(), (uid, n) -> n == 1 ? null : n - 1);
        probes -= reg.probes().size();
        for (ProviderGroup g : reg.groups()) {
            TreeMap<RegistrationKey, ProviderGroup> m = byProvider.get(g.provider());
            m.remove(key);
            if (m.isEmpty()) {
                byProvider.remove(g.provider());
            }
            providers.release(g.providerId());
            int[] ids = g.ids();
            for (int i = 0; i < ids.length; i += 3) {
                modules.release(ids[i]);
                functions.release(ids[i + 1]);
                names.release(ids[i + 2]);
            }
        }
        ProbeEntry first = reg.probes().get(0);
        publish(new IndexEvent.Removed(++seq, key.pid(), first.uid(), key.generation(), reg.probes().size()));
        return true;
    }

    private void publish(IndexEvent event) {
        for (IndexListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (RuntimeException e) {
                // a broken watcher must not fail the daemon's commit or starve the other watchers
                LOG.error("index listener failed on event {} for pid {}", event.seq(), event.pid(), e);
            }
        }
    }

    /**
     * The probes a description matches, optionally of one pid, that the scope may see, in
     * {@link #ORDER}.
     *
     * <p>Under the read lock this only narrows: each field's glob is matched once per distinct
     * string of that field (a field no string matches ends the query there), and the provider
     * groups the provider rule, pid and scope admit are collected. Single probes are tested
     * after the lock is released: groups are immutable, and the id sets were computed together
     * with them, so they stay consistent whatever writers do meanwhile.
     */
    public List<ProbeEntry> match(ProbeDescription desc, OptionalInt pid, Scope scope) {
        BitSet nameIds;
        BitSet functionIds;
        BitSet moduleIds;
        List<ProviderGroup> groups;
        lock.readLock().lock();
        try {
            // names first: the most specific field, and the one a scan for a probe name empties
            nameIds = names.matching(desc.nameGlob());
            if (nameIds != null && nameIds.isEmpty()) {
                return List.of();
            }
            functionIds = functions.matching(desc.functionGlob());
            if (functionIds != null && functionIds.isEmpty()) {
                return List.of();
            }
            moduleIds = modules.matching(desc.moduleGlob());
            if (moduleIds != null && moduleIds.isEmpty()) {
                return List.of();
            }
            groups = desc.providerGlob().isLiteral() ? literalProvider(desc, pid, scope) : scan(desc, pid, scope);
        } finally {
            lock.readLock().unlock();
        }
        return select(groups, moduleIds, functionIds, nameIds);
    }

    /**
     * A plain provider name P: the groups of provider P (any pid), plus, for each digit suffix of
     * P that spells a pid n the way DTrace appends it ({@code %d}: no leading zero, fits an int),
     * pid n's groups of P without that suffix. These are only candidates: each is kept only if the
     * full provider rule admits it, so the shortcut narrows and never decides.
     */
    private List<ProviderGroup> literalProvider(ProbeDescription desc, OptionalInt pid, Scope scope) {
        String text = desc.provider();
        List<ProviderGroup> out = new ArrayList<>();
        int sources = admit(desc, byProvider.get(text), pid, scope, out);
        long n = 0;
        long place = 1;
        // from the right: cut is where the suffix starts; an empty prefix is a provider named ""
        for (int cut = text.length() - 1; cut >= 0; cut--) {
            char c = text.charAt(cut);
            if (c < '0' || c > '9' || text.length() - cut > 10) {
                break; // not a digit, or more digits than any int has: no longer suffix names a pid
            }
            n += (c - '0') * place;
            place *= 10;
            if (n > Integer.MAX_VALUE) {
                break;
            }
            boolean canonical = c != '0' || cut == text.length() - 1;
            if (!canonical || (pid.isPresent() && pid.getAsInt() != n)) {
                continue;
            }
            TreeMap<RegistrationKey, ProviderGroup> regs = byProvider.get(text.substring(0, cut));
            if (regs != null) {
                sources += admit(desc, ofPid(regs, (int) n), OptionalInt.empty(), scope, out);
            }
        }
        if (sources > 1) {
            out.sort(ProviderGroup.ORDER); // each source is in order; several must be merged
        }
        return out;
    }

    /** Adds the groups of one source that pass pid, scope and provider rule; returns 1 if any did. */
    private static int admit(ProbeDescription desc, NavigableMap<RegistrationKey, ProviderGroup> regs,
                             OptionalInt pid, Scope scope, List<ProviderGroup> out) {
        if (regs == null) {
            return 0;
        }
        if (pid.isPresent()) {
            regs = ofPid(regs, pid.getAsInt());
        }
        int before = out.size();
        for (ProviderGroup g : regs.values()) {
            if (scope.permits(g.uid()) && desc.matchesProvider(g.provider(), g.pid())) {
                out.add(g);
            }
        }
        return out.size() > before ? 1 : 0;
    }

    private static <V> NavigableMap<RegistrationKey, V> ofPid(NavigableMap<RegistrationKey, V> m, int pid) {
        return m.subMap(new RegistrationKey(pid, Long.MIN_VALUE), true, new RegistrationKey(pid, Long.MAX_VALUE), true);
    }

    /** A provider glob: every registration (of the pid, if given) in order, each group checked once. */
    private List<ProviderGroup> scan(ProbeDescription desc, OptionalInt pid, Scope scope) {
        Collection<Indexed> regs = pid.isPresent() ? ofPid(registrations, pid.getAsInt()).values()
                : registrations.values();
        BitSet byName = providers.matching(desc.providerGlob()); // the rule's first half, once per provider
        StringBuilder scratch = new StringBuilder();
        List<ProviderGroup> out = new ArrayList<>();
        for (Indexed r : regs) {
            if (!scope.permits(r.uid())) {
                continue;
            }
            for (ProviderGroup g : r.groups()) {
                if (byName == null || byName.get(g.providerId())
                        || desc.matchesProviderWithPid(g.provider(), g.pid(), scratch)) {
                    out.add(g);
                }
            }
        }
        return out;
    }

    /** The probes of the groups whose module, function and name ids are in the sets (null: any). */
    private static List<ProbeEntry> select(List<ProviderGroup> groups, BitSet moduleIds, BitSet functionIds,
                                           BitSet nameIds) {
        if (groups.isEmpty()) {
            return List.of();
        }
        List<ProbeEntry> out;
        if (moduleIds == null && functionIds == null && nameIds == null) {
            int size = 0;
            for (ProviderGroup g : groups) {
                size += g.probes().size();
            }
            out = new ArrayList<>(size);
            for (ProviderGroup g : groups) {
                out.addAll(g.probes());
            }
        } else {
            out = new ArrayList<>();
            for (ProviderGroup g : groups) {
                int[] ids = g.ids();
                List<ProbeEntry> probes = g.probes();
                for (int i = 0, k = 0; i < probes.size(); i++, k += 3) {
                    if ((nameIds == null || nameIds.get(ids[k + 2])) && (functionIds == null
                            || functionIds.get(ids[k + 1])) && (moduleIds == null || moduleIds.get(ids[k]))) {
                        out.add(probes.get(i));
                    }
                }
            }
        }
        return Collections.unmodifiableList(out); // nobody else holds `out`: as immutable as a copy, without one
    }

    /** Every registering process the scope may see, by pid. */
    public List<PidSummary> pids(Scope scope) {
        lock.readLock().lock();
        try {
            List<PidSummary> out = new ArrayList<>();
            int pid = -1;
            int uid = 0;
            int regs = 0;
            int count = 0;
            for (Indexed indexed : registrations.values()) {
                List<ProbeEntry> reg = indexed.probes();
                ProbeEntry e = reg.get(0);
                if (!scope.permits(e.uid())) {
                    continue;
                }
                if (e.pid() != pid && regs > 0) {
                    out.add(new PidSummary(pid, uid, regs, count));
                    regs = 0;
                    count = 0;
                }
                pid = e.pid();
                uid = e.uid();
                regs++;
                count += reg.size();
            }
            if (regs > 0) {
                out.add(new PidSummary(pid, uid, regs, count));
            }
            return List.copyOf(out);
        } finally {
            lock.readLock().unlock();
        }
    }

    public int probeCount() {
        lock.readLock().lock();
        try {
            return probes;
        } finally {
            lock.readLock().unlock();
        }
    }

    public int registrationCount() {
        lock.readLock().lock();
        try {
            return registrations.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Registrations a uid holds. */
    public int registrationCount(int uid) {
        lock.readLock().lock();
        try {
            return registrationsByUid.getOrDefault(uid, 0);
        } finally {
            lock.readLock().unlock();
        }
    }

    public int pidCount() {
        return pids(Scope.all()).size();
    }

    /**
     * Starts delivering events to a listener. Atomically with that, returns the sequence number
     * of the last change already applied and, if asked, the registrations present then, so a
     * watcher neither misses nor repeats a change.
     */
    public Subscription subscribe(IndexListener listener, boolean withSnapshot) {
        lock.writeLock().lock();
        try {
            List<List<ProbeEntry>> snapshot = withSnapshot
                    ? registrations.values().stream().map(Indexed::probes).toList() : List.of();
            listeners.add(listener);
            return new Subscription(seq, snapshot, () -> listeners.remove(listener));
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * A listener's registration with the index; closing it stops delivery.
     *
     * @param seq      the last change applied before the listener was added
     * @param snapshot the registrations present then (empty unless asked for)
     */
    public record Subscription(long seq, List<List<ProbeEntry>> snapshot, Runnable unsubscribe)
            implements AutoCloseable {
        @Override
        public void close() {
            unsubscribe.run();
        }
    }
}
