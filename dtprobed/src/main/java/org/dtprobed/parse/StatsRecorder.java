package org.dtprobed.parse;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.dtprobed.metrics.Latency;

/** The supervisor's live counters; {@link #snapshot} makes a {@link SupervisorStats}. */
final class StatsRecorder {
    private final LongAdder parsed = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder restarts = new LongAdder();
    private final LongAdder deadlineKills = new LongAdder();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<FailureReason, LongAdder> attemptFailures = new EnumMap<>(FailureReason.class);
    private final Latency latency = new Latency();

    StatsRecorder() {
        for (FailureReason r : FailureReason.values()) {
            attemptFailures.put(r, new LongAdder());
        }
    }

    void answered(ParseOutcome outcome, long nanos) {
        if (outcome instanceof ParseOutcome.Parsed) {
            parsed.increment();
        } else if (outcome instanceof ParseOutcome.Rejected) {
            rejected.increment();
        } else {
            failed.increment();
        }
        latency.record(nanos);
    }

    void attemptFailed(FailureReason reason) {
        attemptFailures.get(reason).increment();
        if (reason == FailureReason.TIMEOUT) {
            deadlineKills.increment();
        }
    }

    /** A request goes to a child: from here on a dead child is a failed attempt. */
    void handedToChild() {
        inFlight.incrementAndGet();
    }

    void childAnswered() {
        inFlight.decrementAndGet();
    }

    void restarted() {
        restarts.increment();
    }

    SupervisorStats snapshot(List<Long> pids, int queued) {
        Map<FailureReason, Long> f = new EnumMap<>(FailureReason.class);
        attemptFailures.forEach((r, n) -> f.put(r, n.sum()));
        long p = parsed.sum();
        long r = rejected.sum();
        long x = failed.sum();
        return new SupervisorStats(pids, p + r + x, p, r, x, f, restarts.sum(), deadlineKills.sum(), queued, inFlight.get(),
                latency.snapshot());
    }
}
