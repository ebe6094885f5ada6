package org.dtprobed.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IngestStatsTest {
    @Test
    void latencyQuantilesAreBucketBoundsCappedByTheMaximum() {
        IngestStats s = new IngestStats();
        assertThat(s.latencyQuantileMicros(0.5)).isZero();
        for (int i = 0; i < 100; i++) {
            s.registered(50_000); // 50 µs
        }
        s.registered(5_000_000); // 5 ms
        assertThat(s.latencyQuantileMicros(0.5)).isEqualTo(64);
        assertThat(s.latencyQuantileMicros(0.99)).isEqualTo(64);
        assertThat(s.latencyQuantileMicros(1.0)).isEqualTo(5_000);
        assertThat(s.latencyMaxMicros()).isEqualTo(5_000);
        assertThat(s.registrations()).isEqualTo(101);
    }

    @Test
    void sub64MicrosecondRegistrationsLandInTheFirstBuckets() {
        IngestStats s = new IngestStats();
        s.registered(900); // under 1 µs
        s.registered(3_000);
        assertThat(s.latencyQuantileMicros(0.5)).isEqualTo(1);
        assertThat(s.latencyQuantileMicros(1.0)).isEqualTo(3);
    }

    @Test
    void failuresAreCountedByReason() {
        IngestStats s = new IngestStats();
        s.failed("UNSAFE_NAME");
        s.failed("UNSAFE_NAME");
        s.failed("timeout");
        assertThat(s.failures()).containsEntry("UNSAFE_NAME", 2L).containsEntry("timeout", 1L);
    }
}
