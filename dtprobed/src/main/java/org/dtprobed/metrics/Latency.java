package org.dtprobed.metrics;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A latency distribution with real quantiles: an HdrHistogram of nanoseconds at two significant
 * digits (every quantile within 1 % of the true value, from 1 ns to hours, in a few tens of
 * KiB). Any thread records without locks or allocation; a snapshot folds what was recorded since
 * the last one into the running total, so quantiles cover the daemon's whole life, as the
 * counters beside them do.
 */
public final class Latency {
    private static final int SIGNIFICANT_DIGITS = 2;

    private final Recorder recorder = new Recorder(SIGNIFICANT_DIGITS);
    private final LongAdder sumNanos = new LongAdder();
    private final Histogram total = new Histogram(SIGNIFICANT_DIGITS);
    private Histogram interval;

    public void record(long nanos) {
        long v = Math.max(1, nanos);
        recorder.recordValue(v);
        sumNanos.add(v);
    }

    public synchronized LatencySnapshot snapshot() {
        interval = recorder.getIntervalHistogram(interval);
        total.add(interval);
        long count = total.getTotalCount();
        if (count == 0) {
            return LatencySnapshot.EMPTY;
        }
        return new LatencySnapshot(count, sumNanos.sum(), total.getValueAtPercentile(50),
                total.getValueAtPercentile(90), total.getValueAtPercentile(99), total.getValueAtPercentile(99.9),
                total.getMaxValue());
    }
}
