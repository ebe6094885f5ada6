package org.dtprobed.ingest;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.dtprobed.parse.LatencyHistogram;

/**
 * Counters of the registration path, read by {@code stats}. Latency goes into the parser's
 * power-of-two histogram at 1 µs resolution: cheap to record from many threads, and its quantiles
 * are upper bounds within a factor of two — enough to tell 50 µs from 5 ms.
 */
public final class IngestStats {
    private final AtomicLong registrations = new AtomicLong();
    private final AtomicLong removals = new AtomicLong();
    private final AtomicLong parses = new AtomicLong();
    private final AtomicLong parseCacheHits = new AtomicLong();
    private final AtomicLong negativeCacheHits = new AtomicLong();
    private final AtomicLong maxMicros = new AtomicLong();
    private final LatencyHistogram.Recorder latency = new LatencyHistogram.Recorder(0, 40);
    private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();

    void registered(long nanos) {
        registrations.incrementAndGet();
        latency.record(nanos);
        maxMicros.accumulateAndGet(Math.max(0, nanos / 1000), Math::max);
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
        return Math.min(latency.snapshot().quantileUpperBoundMicros(q), maxMicros.get());
    }

    public long latencyMaxMicros() {
        return maxMicros.get();
    }
}
