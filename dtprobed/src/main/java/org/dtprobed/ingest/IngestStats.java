package org.dtprobed.ingest;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.dtprobed.metrics.Latency;
import org.dtprobed.metrics.LatencySnapshot;
import org.dtprobed.stash.CommitResult;
import org.dtprobed.stash.Stash;

/**
 * Counters of the registration path, read by {@code stats} and {@code metrics}: registrations and
 * their latency, removals by cause, refusals by reason and errno, parses and cache hits.
 */
public final class IngestStats {
    /** Why a registration went away. */
    public enum RemovalCause {
        /** the program's REMOVE ioctl */
        REMOVE,
        /** its process exited */
        EXIT,
        /** its process exec'd */
        EXEC,
        /** its pid now belongs to another process */
        REUSED,
        /** its object was unmapped (dlclose on the FUSE-file route) */
        UNMAP,
        /** its object registered the same DOF again, and no REMOVE came for it (the FUSE-file route has none) */
        REPLACED;

        /** Why the stash dropped a registration, as counted here. */
        static RemovalCause of(Stash.DropCause c) {
            return switch (c) {
                case EXIT -> EXIT;
                case EXEC -> EXEC;
                case REUSED -> REUSED;
                case REPLACED -> REPLACED;
            };
        }
    }

    /** A refusal's labels: the reason (a DofRule name, a pipeline or transport reason) and the errno. */
    public record Refusal(String reason, int errno) {
    }

    private final LongAdder registrations = new LongAdder();
    private final LongAdder parses = new LongAdder();
    private final LongAdder parseCacheHits = new LongAdder();
    private final LongAdder negativeCacheHits = new LongAdder();
    private final LongAdder objectsExamined = new LongAdder();
    private final LongAdder adopted = new LongAdder();
    private final LongAdder prunePasses = new LongAdder();
    private final LongAdder prunePassesInIoctl = new LongAdder();
    private final Latency latency = new Latency();
    private final Map<RemovalCause, LongAdder> removals = new ConcurrentHashMap<>();
    private final Map<Refusal, LongAdder> refusals = new ConcurrentHashMap<>();

    public IngestStats() {
        for (RemovalCause c : RemovalCause.values()) {
            removals.put(c, new LongAdder());
        }
    }

    void registered(long nanos) {
        registrations.increment();
        latency.record(nanos);
    }

    void removed(RemovalCause cause, int registrations) {
        removals.get(cause).add(registrations);
    }

    /** What a commit dropped of its pid's registrations (a reused or exec'd pid, a replaced registration). */
    void dropped(List<CommitResult.Dropped> dropped) {
        for (int i = 0; i < dropped.size(); i++) { // on every re-registration: no iterator
            removals.get(RemovalCause.of(dropped.get(i).cause())).increment();
        }
    }

    void pruned() {
        prunePasses.increment();
    }

    /** A pass run inside a caller's ADDDOF because the stash was full (also counted as a pass). */
    void prunedInIoctl() {
        prunePassesInIoctl.increment();
    }

    void parsed() {
        parses.increment();
    }

    void parseCacheHit() {
        parseCacheHits.increment();
    }

    /** An object file opened and read by a scan (org.dtprobed.adopt). */
    public void objectExamined() {
        objectsExamined.increment();
    }

    void adopted() {
        adopted.increment();
    }

    public long objectsExamined() {
        return objectsExamined.sum();
    }

    public long adoptedCount() {
        return adopted.sum();
    }

    public void negativeCacheHit() {
        negativeCacheHits.increment();
    }

    /** Every refused ADDDOF or REMOVE, from the pipeline or the transport before it. */
    void refused(String reason, int errno) {
        refusals.computeIfAbsent(new Refusal(reason, errno), r -> new LongAdder()).increment();
    }

    public long registrations() {
        return registrations.sum();
    }

    /** Removals of every cause. */
    public long removals() {
        return removals.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public Map<RemovalCause, Long> removalsByCause() {
        Map<RemovalCause, Long> out = new java.util.EnumMap<>(RemovalCause.class);
        removals.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    public long prunePasses() {
        return prunePasses.sum();
    }

    /** Passes run inside a caller's ADDDOF because the stash was full: the fallback, rare when exits are seen at once. */
    public long prunePassesInIoctl() {
        return prunePassesInIoctl.sum();
    }

    public long parses() {
        return parses.sum();
    }

    public long parseCacheHits() {
        return parseCacheHits.sum();
    }

    public long negativeCacheHits() {
        return negativeCacheHits.sum();
    }

    public Map<Refusal, Long> refusals() {
        Map<Refusal, Long> out = new TreeMap<>(java.util.Comparator.comparing(Refusal::reason)
                .thenComparingInt(Refusal::errno));
        refusals.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Refusal counts by reason alone (the {@code stats} op's {@code parse_failures}). */
    public Map<String, Long> failures() {
        Map<String, Long> out = new TreeMap<>();
        refusals.forEach((k, v) -> out.merge(k.reason(), v.sum(), Long::sum));
        return out;
    }

    public LatencySnapshot latency() {
        return latency.snapshot();
    }
}
