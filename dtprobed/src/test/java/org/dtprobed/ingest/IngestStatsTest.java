package org.dtprobed.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.dtprobed.metrics.LatencySnapshot;
import org.dtprobed.protocol.RegistrationKey;
import org.dtprobed.stash.CommitResult;
import org.dtprobed.stash.Stash;
import org.junit.jupiter.api.Test;

class IngestStatsTest {
    @Test
    void latencyQuantilesAreTheRecordedValuesWithinOnePercent() {
        IngestStats s = new IngestStats();
        assertThat(s.latency()).isEqualTo(LatencySnapshot.EMPTY);
        for (int i = 1; i <= 1000; i++) {
            s.registered(i * 1_000L); // 1 µs … 1 ms, evenly
        }
        LatencySnapshot l = s.latency();
        assertThat(l.count()).isEqualTo(1000);
        assertThat(l.sumNanos()).isEqualTo(1000L * 1001 / 2 * 1000);
        // the power-of-two buckets this replaces said 524 288 ns for the median and 1 048 576 ns for p99
        assertThat((double) l.p50Nanos()).isCloseTo(500_000, within(5_000.0));
        assertThat((double) l.p90Nanos()).isCloseTo(900_000, within(9_000.0));
        assertThat((double) l.p99Nanos()).isCloseTo(990_000, within(9_900.0));
        assertThat((double) l.maxNanos()).isCloseTo(1_000_000, within(10_000.0));
        assertThat(s.registrations()).isEqualTo(1000);
    }

    @Test
    void aSnapshotKeepsWhatEarlierSnapshotsSaw() {
        IngestStats s = new IngestStats();
        s.registered(50_000);
        assertThat(s.latency().count()).isEqualTo(1);
        s.registered(5_000_000);
        LatencySnapshot l = s.latency();
        assertThat(l.count()).isEqualTo(2);
        assertThat((double) l.maxNanos()).isCloseTo(5_000_000, within(50_000.0));
        assertThat((double) l.p50Nanos()).isCloseTo(50_000, within(500.0));
    }

    @Test
    void refusalsAreCountedByReasonAndErrno() {
        IngestStats s = new IngestStats();
        s.refused("UNSAFE_NAME", 22);
        s.refused("UNSAFE_NAME", 22);
        s.refused("request", 14);
        s.refused("request", 7);
        assertThat(s.refusals()).containsEntry(new IngestStats.Refusal("UNSAFE_NAME", 22), 2L)
                .containsEntry(new IngestStats.Refusal("request", 14), 1L)
                .containsEntry(new IngestStats.Refusal("request", 7), 1L);
        assertThat(s.failures()).containsEntry("UNSAFE_NAME", 2L).containsEntry("request", 2L);
    }

    @Test
    void removalsAreCountedByCause() {
        IngestStats s = new IngestStats();
        s.removed(IngestStats.RemovalCause.REMOVE, 1);
        s.removed(IngestStats.RemovalCause.EXIT, 3);
        assertThat(s.removalsByCause()).containsEntry(IngestStats.RemovalCause.REMOVE, 1L)
                .containsEntry(IngestStats.RemovalCause.EXIT, 3L).containsEntry(IngestStats.RemovalCause.UNMAP, 0L);
        assertThat(s.removals()).isEqualTo(4);
    }

    @Test
    void whatACommitDroppedIsCountedByItsCause() {
        IngestStats s = new IngestStats();
        s.dropped(List.of(new CommitResult.Dropped(new RegistrationKey(7, 1), Stash.DropCause.REPLACED),
                new CommitResult.Dropped(new RegistrationKey(7, 2), Stash.DropCause.REPLACED),
                new CommitResult.Dropped(new RegistrationKey(8, 0), Stash.DropCause.REUSED)));
        s.dropped(List.of());
        assertThat(s.removalsByCause()).containsEntry(IngestStats.RemovalCause.REPLACED, 2L)
                .containsEntry(IngestStats.RemovalCause.REUSED, 1L).containsEntry(IngestStats.RemovalCause.EXEC, 0L);
        assertThat(s.removals()).isEqualTo(3);
    }

    @Test
    void everyCauseTheStashGivesHasOneOfItsOwn() {
        for (Stash.DropCause c : Stash.DropCause.values()) {
            assertThat(IngestStats.RemovalCause.of(c).name()).isEqualTo(c.name());
        }
    }
}
