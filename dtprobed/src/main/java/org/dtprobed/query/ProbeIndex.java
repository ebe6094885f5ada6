package org.dtprobed.query;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final TreeMap<RegistrationKey, List<ProbeEntry>> registrations = new TreeMap<>();
    /** provider name (no pid suffix) → registration → that registration's probes of the provider. */
    private final Map<String, Map<RegistrationKey, List<ProbeEntry>>> byProvider = new HashMap<>();
    private final List<IndexListener> listeners = new CopyOnWriteArrayList<>();
    private long seq;
    private int probes;

    /** An empty index. */
    public ProbeIndex() {
    }

    /** The start-up index: every probe the stash holds, grouped by registration. No events are sent. */
    public static ProbeIndex build(Iterable<ProbeEntry> entries) {
        Map<RegistrationKey, List<ProbeEntry>> grouped = new LinkedHashMap<>();
        for (ProbeEntry e : entries) {
            grouped.computeIfAbsent(e.registration(), k -> new ArrayList<>()).add(e);
        }
        ProbeIndex index = new ProbeIndex();
        for (List<ProbeEntry> reg : grouped.values()) {
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
            insert(reg);
            publish(new IndexEvent.Registered(++seq, first.pid(), first.uid(), first.generation(), reg));
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

    /**
     * Keeps only the given generations of a pid (the stash's view after a commit that dropped an
     * exec'd, reused or superseded registration); returns how many were removed.
     */
    public int retainRegistrations(int pid, java.util.Set<Long> generations) {
        lock.writeLock().lock();
        try {
            List<RegistrationKey> gone = new ArrayList<>();
            for (RegistrationKey k : registrations.subMap(new RegistrationKey(pid, Long.MIN_VALUE), true,
                    new RegistrationKey(pid, Long.MAX_VALUE), true).keySet()) {
                if (!generations.contains(k.generation())) {
                    gone.add(k);
                }
            }
            gone.forEach(this::removeLocked);
            return gone.size();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void insert(List<ProbeEntry> reg) {
        RegistrationKey key = reg.get(0).registration();
        registrations.put(key, reg);
        probes += reg.size();
        for (ProbeEntry e : reg) {
            byProvider.computeIfAbsent(e.provider(), k -> new HashMap<>())
                    .computeIfAbsent(key, k -> new ArrayList<>()).add(e);
        }
    }

    private boolean removeLocked(RegistrationKey key) {
        List<ProbeEntry> reg = registrations.remove(key);
        if (reg == null) {
            return false;
        }
        probes -= reg.size();
        for (ProbeEntry e : reg) {
            Map<RegistrationKey, List<ProbeEntry>> m = byProvider.get(e.provider());
            if (m != null && m.remove(key) != null && m.isEmpty()) {
                byProvider.remove(e.provider());
            }
        }
        ProbeEntry first = reg.get(0);
        publish(new IndexEvent.Removed(++seq, key.pid(), first.uid(), key.generation(), reg.size()));
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
     */
    public List<ProbeEntry> match(ProbeDescription desc, OptionalInt pid, Scope scope) {
        List<ProbeEntry> out = new ArrayList<>();
        lock.readLock().lock();
        try {
            if (desc.providerIsLiteral()) {
                matchLiteralProvider(desc, pid, scope, out);
            } else {
                for (Map.Entry<String, Map<RegistrationKey, List<ProbeEntry>>> p : byProvider.entrySet()) {
                    collect(desc, p.getValue(), pid, scope, out);
                }
            }
        } finally {
            lock.readLock().unlock();
        }
        out.sort(ORDER);
        return List.copyOf(out);
    }

    /** A plain provider name: its own entries, plus, for every digit suffix, name-without-suffix of that pid. */
    private void matchLiteralProvider(ProbeDescription desc, OptionalInt pid, Scope scope, List<ProbeEntry> out) {
        String name = desc.provider();
        collect(desc, byProvider.get(name), pid, scope, out);
        for (int cut = name.length() - 1; cut > 0 && Character.isDigit(name.charAt(cut)); cut--) {
            Map<RegistrationKey, List<ProbeEntry>> regs = byProvider.get(name.substring(0, cut));
            if (regs != null) {
                collect(desc, regs, pid, scope, out); // matchesProvider keeps only the pid the suffix names
            }
        }
    }

    private static void collect(ProbeDescription desc, Map<RegistrationKey, List<ProbeEntry>> regs, OptionalInt pid,
                                Scope scope, List<ProbeEntry> out) {
        if (regs == null) {
            return;
        }
        for (Map.Entry<RegistrationKey, List<ProbeEntry>> r : regs.entrySet()) {
            List<ProbeEntry> list = r.getValue();
            ProbeEntry first = list.get(0);
            if ((pid.isPresent() && pid.getAsInt() != first.pid()) || !scope.permits(first.uid())
                    || !desc.matchesProvider(first.provider(), first.pid())) {
                continue;
            }
            for (ProbeEntry e : list) {
                if (desc.matchesBelowProvider(e)) {
                    out.add(e);
                }
            }
        }
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
            for (List<ProbeEntry> reg : registrations.values()) {
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
            List<List<ProbeEntry>> snapshot = withSnapshot ? List.copyOf(registrations.values()) : List.of();
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
