package org.dtprobed.metrics;

import java.util.List;

/**
 * A latency distribution at one moment, in nanoseconds; quantiles are HdrHistogram's (within
 * 1 %, never below the true value).
 *
 * @param count    values recorded
 * @param sumNanos their exact sum
 */
public record LatencySnapshot(long count, long sumNanos, long p50Nanos, long p90Nanos, long p99Nanos,
                              long p999Nanos, long maxNanos) {
    public static final LatencySnapshot EMPTY = new LatencySnapshot(0, 0, 0, 0, 0, 0, 0);

    /** The quantiles the metrics and {@code stats} report, in order. */
    public static final List<Double> QUANTILES = List.of(0.5, 0.9, 0.99, 0.999);

    /** The value at one of {@link #QUANTILES}. */
    public long nanosAt(double quantile) {
        if (quantile == 0.5) {
            return p50Nanos;
        } else if (quantile == 0.9) {
            return p90Nanos;
        } else if (quantile == 0.99) {
            return p99Nanos;
        } else if (quantile == 0.999) {
            return p999Nanos;
        }
        throw new IllegalArgumentException("no quantile " + quantile + "; known: " + QUANTILES);
    }
}
