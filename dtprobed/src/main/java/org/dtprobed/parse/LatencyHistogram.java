package org.dtprobed.parse;

import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Parse latency in power-of-two buckets of microseconds: bucket i counts latencies of at most
 * {@code 2^(i + FIRST_SHIFT)} µs (64 µs … about 67 s); the last bucket also takes everything
 * longer. An immutable snapshot; {@link Recorder} is the live, lock-free side.
 *
 * @param upperBoundsMicros inclusive upper bound of each bucket
 * @param counts            parses per bucket
 */
public record LatencyHistogram(List<Long> upperBoundsMicros, List<Long> counts) {
    static final int FIRST_SHIFT = 6;
    static final int BUCKETS = 21;

    public LatencyHistogram {
        upperBoundsMicros = List.copyOf(upperBoundsMicros);
        counts = List.copyOf(counts);
    }

    public long total() {
        return counts.stream().mapToLong(Long::longValue).sum();
    }

    /** Upper bound of the bucket holding the given quantile (0..1), or 0 when empty. */
    public long quantileUpperBoundMicros(double q) {
        long total = total();
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < counts.size(); i++) {
            seen += counts.get(i);
            if (seen >= Math.max(1, rank)) {
                return upperBoundsMicros.get(i);
            }
        }
        return upperBoundsMicros.get(upperBoundsMicros.size() - 1);
    }

    /**
     * The live side: record from any thread, snapshot at any time. Bucket i holds latencies of at
     * most {@code 2^(i + firstShift)} µs; the last one takes everything longer.
     */
    public static final class Recorder {
        private final int firstShift;
        private final AtomicLongArray counts;

        /** The parser's resolution: 64 µs … about 67 s. */
        public Recorder() {
            this(FIRST_SHIFT, BUCKETS);
        }

        public Recorder(int firstShift, int buckets) {
            if (firstShift < 0 || buckets < 1 || firstShift + buckets > 62) {
                throw new IllegalArgumentException("bad histogram shape " + firstShift + "/" + buckets);
            }
            this.firstShift = firstShift;
            this.counts = new AtomicLongArray(buckets);
        }

        public void record(long nanos) {
            long micros = Math.max(0, nanos) / 1000;
            int last = counts.length() - 1;
            int bucket = 0;
            while (bucket < last && micros > 1L << (bucket + firstShift)) {
                bucket++;
            }
            counts.incrementAndGet(bucket);
        }

        public LatencyHistogram snapshot() {
            int n = counts.length();
            Long[] bounds = new Long[n];
            Long[] c = new Long[n];
            for (int i = 0; i < n; i++) {
                bounds[i] = 1L << (i + firstShift);
                c[i] = counts.get(i);
            }
            return new LatencyHistogram(List.of(bounds), List.of(c));
        }
    }
}
