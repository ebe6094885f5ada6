package org.dtprobed.stash.negative;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.openhft.chronicle.map.ChronicleMap;
import org.dtprobed.protocol.FileId;
import org.dtprobed.stash.StashException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Object files already judged to offer nothing (no DOF, DOF without probes, invalid DOF), keyed
 * by dev+inode in {@code negative.cm3}, so that nothing is re-examined for every new process of a
 * binary that has nothing to offer (DESIGN contract 5).
 *
 * <ul>
 * <li>A lookup re-checks size and mtime (nanoseconds): a binary replaced in place, or a recycled
 *     inode, misses and its stale entry is dropped.</li>
 * <li>Entries expire {@code ttl} after they were recorded; an expired entry is dropped lazily on
 *     lookup, and all expired entries are swept on insertion at most once per {@code ttl} (never a
 *     full scan per insertion).</li>
 * <li>At most {@code bound} entries: inserting beyond it evicts the oldest. The age order lives in
 *     memory, rebuilt from the stored record times when the cache is opened.</li>
 * <li>Only this map is ever swept; registrations live in other files and are never touched.</li>
 * </ul>
 */
public final class NegativeCache {
    private static final Logger LOG = LoggerFactory.getLogger(NegativeCache.class);

    private final ChronicleMap<byte[], byte[]> map;
    private final long ttlMillis;
    private final int bound;
    private final Clock clock;
    /** (dev, inode) → recordedAt, oldest first. */
    private final LinkedHashMap<FileId, Long> order = new LinkedHashMap<>();
    private long lastSweepMillis;
    private long sweeps;
    private long evictions;
    private long hits;
    private long misses;

    /** Attaches to the map, dropping corrupt and expired entries and rebuilding the age order. */
    public NegativeCache(ChronicleMap<byte[], byte[]> map, Duration ttl, int bound, Clock clock) {
        this.map = map;
        this.ttlMillis = ttl.toMillis();
        this.bound = bound;
        this.clock = clock;
        long now = clock.millis();
        List<NegativeEntry> live = new ArrayList<>();
        for (byte[] k : List.copyOf(map.keySet())) {
            byte[] v = map.get(k);
            try {
                NegativeEntry e = NegativeCodec.decode(k, v);
                if (expired(e, now)) {
                    map.remove(k);
                } else {
                    live.add(e);
                }
            } catch (StashException ex) {
                LOG.warn("negative cache: dropping undecodable entry: {}", ex.getMessage());
                map.remove(k);
            }
        }
        live.sort((a, b) -> Long.compare(a.recordedAtMillis(), b.recordedAtMillis()));
        for (NegativeEntry e : live) {
            order.put(new FileId(e.dev(), e.inode()), e.recordedAtMillis());
        }
        lastSweepMillis = now;
        while (order.size() > bound) {
            evictOldest();
        }
    }

    private boolean expired(NegativeEntry e, long now) {
        return now - e.recordedAtMillis() >= ttlMillis || e.recordedAtMillis() > now + ttlMillis;
    }

    /**
     * The verdict for the file if it is cached, unexpired and unchanged (same size and mtime);
     * otherwise empty, and a stale or expired entry is dropped.
     */
    public synchronized Optional<NegativeEntry> lookup(long dev, long inode, long size, long mtimeNanos) {
        byte[] k = NegativeCodec.key(dev, inode);
        byte[] v = map.get(k);
        if (v == null) {
            misses++;
            return Optional.empty();
        }
        NegativeEntry e;
        try {
            e = NegativeCodec.decode(k, v);
        } catch (StashException ex) {
            LOG.warn("negative cache: dropping undecodable entry {}:{}: {}", dev, inode, ex.getMessage());
            drop(k, dev, inode);
            misses++;
            return Optional.empty();
        }
        if (expired(e, clock.millis()) || !e.matches(size, mtimeNanos)) {
            drop(k, dev, inode);
            misses++;
            return Optional.empty();
        }
        hits++;
        return Optional.of(e);
    }

    /** Why recording stopped (a failed write to the mapped file), or null. */
    private String faulted;

    /** Records a verdict for the file as it is now (replacing any entry for the same dev+inode). */
    public NegativeEntry record(long dev, long inode, long size, long mtimeNanos, Verdict verdict,
                                String reason) throws StashException {
        return record(dev, inode, size, mtimeNanos, verdict, reason, "");
    }

    /** As {@link #record(long, long, long, long, Verdict, String)}, with the path the file was seen under. */
    public synchronized NegativeEntry record(long dev, long inode, long size, long mtimeNanos, Verdict verdict,
                                             String reason, String path) throws StashException {
        if (faulted != null) {
            throw new StashException(StashException.Kind.FULL, "negative cache: not recording since a fault ("
                    + faulted + ")");
        }
        long now = clock.millis();
        if (now - lastSweepMillis >= ttlMillis) {
            sweep(now);
        }
        NegativeEntry e = new NegativeEntry(dev, inode, size, mtimeNanos, verdict, reason, now, path);
        byte[] value = NegativeCodec.encode(e);
        FileId fk = new FileId(dev, inode);
        if (order.remove(fk) == null) {
            while (order.size() >= bound) {
                evictOldest();
            }
        }
        try {
            map.put(NegativeCodec.key(dev, inode), value);
        } catch (IllegalStateException | IllegalArgumentException ex) {
            throw new StashException(StashException.Kind.FULL, "negative cache: cannot store entry "
                    + dev + ":" + inode + ": " + ex.getMessage(), ex);
        } catch (RuntimeException | InternalError ex) {
            // negative.cm3 may grow (bloat factor 2): a growth on a full file system fails with a bare
            // RuntimeException and leaves the file extended and sparse, and a later write there
            // would be a SIGBUS (InternalError). A cache can stop: it records nothing more until
            // the next start, which allocates every file again.
            faulted = ex.toString();
            LOG.error("negative cache: a write to {} failed ({}); recording stops until the next start",
                    org.dtprobed.stash.StashFiles.NEGATIVE, ex.toString());
            throw new StashException(StashException.Kind.FULL, "negative cache: cannot store entry " + dev + ":" + inode
                    + ": " + ex, ex);
        }
        order.put(fk, now);
        return e;
    }

    /** Forgets one file (for example when it turns out to have DOF after all). */
    public synchronized boolean forget(long dev, long inode) {
        order.remove(new FileId(dev, inode));
        return map.remove(NegativeCodec.key(dev, inode)) != null;
    }

    private void drop(byte[] k, long dev, long inode) {
        map.remove(k);
        order.remove(new FileId(dev, inode));
    }

    private void evictOldest() {
        Iterator<Map.Entry<FileId, Long>> it = order.entrySet().iterator();
        FileId oldest = it.next().getKey();
        it.remove();
        map.remove(NegativeCodec.key(oldest.dev(), oldest.inode()));
        evictions++;
    }

    /** Drops every expired entry; the age order is oldest first, so it stops at the first live one. */
    private void sweep(long now) {
        sweeps++;
        lastSweepMillis = now;
        int dropped = 0;
        Iterator<Map.Entry<FileId, Long>> it = order.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<FileId, Long> e = it.next();
            if (now - e.getValue() < ttlMillis) {
                break;
            }
            it.remove();
            map.remove(NegativeCodec.key(e.getKey().dev(), e.getKey().inode()));
            dropped++;
        }
        if (dropped > 0) {
            LOG.debug("negative cache: swept {} expired entries", dropped);
        }
    }

    public synchronized int size() {
        return order.size();
    }

    /** How many sweeps have run since the cache was opened. */
    public synchronized long sweeps() {
        return sweeps;
    }

    public synchronized long evictions() {
        return evictions;
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }

    public Duration ttl() {
        return Duration.ofMillis(ttlMillis);
    }

    public int bound() {
        return bound;
    }

    /** Every stored entry, decodable or not (undecodable ones become {@link StashException}s in {@code problems}). */
    public static List<NegativeEntry> readAll(ChronicleMap<byte[], byte[]> map, List<String> problems) {
        List<NegativeEntry> out = new ArrayList<>();
        for (byte[] k : List.copyOf(map.keySet())) {
            byte[] v = map.get(k);
            if (v == null) {
                continue;
            }
            try {
                out.add(NegativeCodec.decode(k, v));
            } catch (StashException e) {
                problems.add(e.getMessage());
            }
        }
        out.sort((a, b) -> Long.compare(a.recordedAtMillis(), b.recordedAtMillis()));
        return out;
    }
}
