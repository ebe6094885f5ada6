package org.dtprobed.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Pruning on FULL: once per burst of callers, never more than once per interval. */
class FullStashReclaimerTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final AtomicInteger passes = new AtomicInteger();
    private final AtomicInteger removes = new AtomicInteger(5);
    private final FullStashReclaimer r = new FullStashReclaimer(() -> {
        passes.incrementAndGet();
        return removes.get();
    }, now::get, TimeUnit.SECONDS.toNanos(1));

    @Test
    void aPassThatFreedRoomAllowsARetry() {
        assertThat(r.reclaim(r.passes())).isTrue();
        assertThat(passes).hasValue(1);
    }

    @Test
    void passesThatFreeRoomMayFollowEachOtherAtOnce() {
        for (int i = 1; i <= 5; i++) {
            assertThat(r.reclaim(r.passes())).isTrue();
            assertThat(passes).hasValue(i);
        }
    }

    @Test
    void callersThatFailedBeforeAConcurrentPassRetryWithoutPruningAgain() {
        long seen = r.passes();
        assertThat(r.reclaim(seen)).isTrue();
        assertThat(r.reclaim(seen)).as("a second caller that saw FULL before the pass").isTrue();
        assertThat(passes).hasValue(1);
    }

    @Test
    void aFullStashOfLiveProcessesIsNotScannedOnEveryCall() {
        removes.set(0);
        assertThat(r.reclaim(r.passes())).as("nothing was dead: no retry").isFalse();
        for (int i = 0; i < 100; i++) {
            assertThat(r.reclaim(r.passes())).isFalse();
        }
        assertThat(passes).as("within the interval").hasValue(1);
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        removes.set(3);
        assertThat(r.reclaim(r.passes())).isTrue();
        assertThat(passes).hasValue(2);
    }
}
