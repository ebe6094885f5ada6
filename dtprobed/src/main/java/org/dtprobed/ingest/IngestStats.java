package org.dtprobed.ingest;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters of the registration path, read by {@code stats}. The latency histogram has
 * power-of-two microsecond buckets: cheap to record from many threads, and its quantiles are
 * upper bounds within a factor of two — enough to tell 50 µs from 5 ms.
 */
public final class IngestStats {
    private static final int BUCKETS = 40;

    private final AtomicLong registrations = new AtomicLong();
    private final AtomicLong removals = new AtomicLong();
    private final AtomicLong parses = new AtomicLong();
    private final AtomicLong parseCacheHits = new AtomicLong();
    private final AtomicLong negativeCacheHits = new AtomicLong();
    private final AtomicLong maxMicros = new AtomicLong();
    private final AtomicLongArray latency = new AtomicLongArray(BUCKETS);
    private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();

    void registered(long nanos) {
        registrations.incrementAndGet();
        long micros = Math.max(0, nanos / 1000);
        latency.incrementAndGet(Math.min(BUCKETS - 1, 64 - Long.numberOfLeadingZeros(micros)));
        maxMicros.accumulateAndGet(micros, Math::max);
    }

    void removed() {
        removals.incrementAndGet();
    }

    void parsed() {
        parses.incrementAndGet();
    }

    void parseCacheHit() {
        parseCacheHits.incrementAndGet();
    }

    void negativeCacheHit() {
        negativeCacheHits.incrementAndGet();
    }

    void failed(String reason) {
        failures.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
    }

    public long registrations() {
        return registrations.get();
    }

    public long removals() {
        return removals.get();
    }

    public long parses() {
        return parses.get();
    }

    public long parseCacheHits() {
        return parseCacheHits.get();
    }

    public long negativeCacheHits() {
        return negativeCacheHits.get();
    }

    /** Failure counts by reason (a {@link org.dtprobed.dof.DofRule} name, or a transport/parser reason). */
    public Map<String, Long> failures() {
        Map<String, Long> out = new TreeMap<>();
        failures.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Upper bound of the q-quantile of registration latency, in microseconds (0 when none). */
    public long latencyQuantileMicros(double q) {
        long total = 0;
        long[] counts = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] = latency.get(i);
            total += counts[i];
        }
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(i == 0 ? 0 : 1L << i, maxMicros.get());
            }
        }
        return maxMicros.get();
    }

    public long latencyMaxMicros() {
        return maxMicros.get();
    }
}
