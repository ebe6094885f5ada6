package org.dtprobed.stash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.SplittableRandom;
import org.dtprobed.protocol.RegistrationKey;
import org.dtprobed.stash.negative.NegativeCache;
import org.dtprobed.stash.negative.NegativeEntry;
import org.dtprobed.stash.negative.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NegativeCacheTest {
    @TempDir
    Path dir;

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        long millis = 1_800_000_000_000L;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public long millis() {
            return millis;
        }
    }

    private final ManualClock clock = new ManualClock();

    private Stash open(Duration ttl, int bound) throws StashException {
        return Stash.open(Fixtures.config(dir).withNegative(ttl, bound).withClock(clock));
    }

    @Test
    void thePathIsKeptAcrossARestartAndVersionOneEntriesStillDecode() throws Exception {
        try (Stash s = open(Duration.ofMinutes(10), 100)) {
            s.negative().record(2049, 7, 10, 20, Verdict.NO_DOF, "no .SUNW_dof section", "/usr/bin/sleep");
            // what a build before issue 13 wrote: version 1, no path
            byte[] v1 = new RecordOutput(StashLayout.KIND_NEGATIVE, 1, 64).u64(30).u64(40).u64(clock.millis())
                    .u8(Verdict.NO_DOF.wire()).str("old", "reason").finish();
            s.files().negative.put(org.dtprobed.stash.negative.NegativeCodec.key(2049, 8), v1);
        }
        try (Stash s = open(Duration.ofMinutes(10), 100)) {
            assertThat(s.negative().lookup(2049, 7, 10, 20)).hasValueSatisfying(e -> {
                assertThat(e.path()).isEqualTo("/usr/bin/sleep");
                assertThat(e.reason()).isEqualTo("no .SUNW_dof section");
            });
            assertThat(s.negative().lookup(2049, 8, 30, 40)).hasValueSatisfying(e -> {
                assertThat(e.path()).isEmpty();
                assertThat(e.reason()).isEqualTo("old");
            });
        }
    }

    @Test
    void hitThenMissesWhenSizeOrMtimeChangeOrTheInodeIsRecycled() throws Exception {
        try (Stash s = open(Duration.ofMinutes(10), 100)) {
            NegativeCache n = s.negative();
            n.record(2049, 100, 4096, 1_700_000_000_123_456_789L, Verdict.NO_DOF, "");
            assertThat(n.lookup(2049, 100, 4096, 1_700_000_000_123_456_789L)).hasValueSatisfying(e ->
                    assertThat(e.verdict()).isEqualTo(Verdict.NO_DOF));
            assertThat(n.lookup(2049, 100, 4097, 1_700_000_000_123_456_789L)).as("size changed").isEmpty();
            assertThat(n.lookup(2049, 100, 4096, 1_700_000_000_123_456_789L)).as("stale entry dropped").isEmpty();

            n.record(2049, 101, 4096, 1_000, Verdict.NO_PROBES, "");
            assertThat(n.lookup(2049, 101, 4096, 1_001)).as("same size, mtime differs by 1 ns").isEmpty();

            n.record(2049, 102, 4096, 5_000, Verdict.INVALID_DOF, "section 3: string table is empty");
            assertThat(n.lookup(2049, 102, 8192, 9_000)).as("recycled inode, another file").isEmpty();
            assertThat(n.lookup(2050, 100, 4096, 1_000)).as("same inode on another device").isEmpty();
        }
    }

    @Test
    void entriesExpireAfterTheTtlAndSurviveARestartUntilThen() throws Exception {
        try (Stash s = open(Duration.ofMinutes(10), 100)) {
            s.negative().record(1, 2, 3, 4, Verdict.INVALID_DOF, "bad magic");
        }
        clock.millis += Duration.ofMinutes(9).toMillis();
        try (Stash s = open(Duration.ofMinutes(10), 100)) {
            NegativeEntry e = s.negative().lookup(1, 2, 3, 4).orElseThrow();
            assertThat(e.reason()).isEqualTo("bad magic");
            clock.millis += Duration.ofMinutes(1).toMillis();
            assertThat(s.negative().lookup(1, 2, 3, 4)).as("expired at exactly the TTL").isEmpty();
            assertThat(s.negative().size()).isZero();
        }
    }

    @Test
    void aBurstOfTenThousandInsertionsSweepsAtMostOncePerTtl() throws Exception {
        Duration ttl = Duration.ofSeconds(60);
        try (Stash s = open(ttl, 65_536)) {
            NegativeCache n = s.negative();
            long start = clock.millis;
            for (int i = 0; i < 10_000; i++) {
                clock.millis = start + i * 25L; // 250 s in all: about 4 TTLs
                n.record(7, i, 1, 1, Verdict.NO_DOF, "");
            }
            long ttls = (clock.millis - start) / ttl.toMillis();
            assertThat(n.sweeps()).isBetween(1L, ttls + 1);
            // everything older than one TTL at the last sweep is gone; nothing younger was touched
            assertThat(n.size()).isLessThan(10_000).isGreaterThanOrEqualTo((int) (ttl.toMillis() / 25));
        }
    }

    @Test
    void theBoundHoldsAndTheOldestIsEvictedFirst() throws Exception {
        try (Stash s = open(Duration.ofHours(1), 500)) {
            NegativeCache n = s.negative();
            for (int i = 0; i < 2_000; i++) {
                clock.millis++;
                n.record(9, i, 1, 1, Verdict.NO_DOF, "");
                assertThat(n.size()).isLessThanOrEqualTo(500);
            }
            assertThat(n.evictions()).isEqualTo(1_500);
            assertThat(n.lookup(9, 0, 1, 1)).isEmpty();
            assertThat(n.lookup(9, 1_999, 1, 1)).isPresent();
            assertThat(n.lookup(9, 1_500, 1, 1)).isPresent();
            assertThat(n.lookup(9, 1_499, 1, 1)).isEmpty();
            assertThat(s.files().sizes().get(StashFiles.ALL.indexOf(StashFiles.NEGATIVE))).isEqualTo(500L);
        }
        try (Stash s = open(Duration.ofHours(1), 100)) {
            assertThat(s.negative().size()).as("a smaller bound applies at reopen").isEqualTo(100);
        }
    }

    @Test
    void liveRegistrationsSurviveSweepsAndEvictions() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-2");
        try (Stash s = open(Duration.ofSeconds(1), 1_000)) {
            RegistrationKey k = s.commit(b.record(77), b.dof(), b.parse(77)).key();
            SplittableRandom rnd = new SplittableRandom(5);
            for (int i = 0; i < 5_000; i++) {
                clock.millis += rnd.nextInt(3);
                s.negative().record(0, i, 1, 1, Verdict.NO_PROBES, "");
            }
            assertThat(s.negative().sweeps()).isPositive();
            assertThat(s.negative().evictions()).isPositive();
            assertThat(s.registration(k)).isPresent();
            assertThat(s.rawDof(ContentHash.of(b.dof()))).isPresent();
            assertThat(new StashView(s.files()).check(false)).isEmpty();
        }
    }

    @Test
    void hostileReasonsAreStoredExactlyOrRefused() throws Exception {
        try (Stash s = open(Duration.ofMinutes(10), 100)) {
            String odd = "../../etc/passwd\u0000/x\nline";
            s.negative().record(1, 1, 1, 1, Verdict.INVALID_DOF, odd);
            assertThat(s.negative().lookup(1, 1, 1, 1).orElseThrow().reason()).isEqualTo(odd);
            StashException e = org.junit.jupiter.api.Assertions.assertThrows(StashException.class,
                    () -> s.negative().record(1, 2, 1, 1, Verdict.INVALID_DOF, "x".repeat(65_536)));
            assertThat(e.getMessage()).contains("negative-cache reason").contains("65536");
            assertThat(e.errno()).isEqualTo(22);
        }
    }
}
