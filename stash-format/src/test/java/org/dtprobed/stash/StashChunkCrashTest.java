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
import org.dtprobed.protocol.RegistrationKey;
import org.dtprobed.testkit.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 while large values are written and removed chunk by chunk (issue 20: layout 1 chained
 * extra tiers for such values, and a kill just after a tier growth lost an acknowledged
 * registration in one run of six). 1,500-probe registrations (190 KiB: a slot and 47 chunks each)
 * fill the small stash's chunk pool, the writer removes one whenever the stash is full, and kills
 * land anywhere: between chunks, slots, removals. After each kill the stash opens with recovery,
 * every acknowledged registration is present and whole, no chunk is left that no value owns, and
 * no file has grown by a byte.
 */
class StashChunkCrashTest {
    private static final int ROUNDS = 6;
    private static final int PROBES = 1500;

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    /** Where an empty stash of the same sizing shows the size each file is created at. */
    @TempDir
    Path empty;

    @Test
    void everyAcknowledgedRegistrationSurvivesAKillAmongChunkWrites() throws Exception {
        long seed = Long.getLong("stash.crash.seed", System.nanoTime());
        SplittableRandom rnd = new SplittableRandom(seed);
        Set<RegistrationKey> expected = new HashSet<>();
        java.util.Map<String, Long> created = new java.util.HashMap<>();
        try (Stash s = Stash.open(StashConfig.small(empty))) {
            for (String f : StashFiles.ALL) {
                created.put(f, Files.size(empty.resolve(f)));
            }
        }
        for (int round = 0; round < ROUNDS; round++) {
            String ctx = "seed " + seed + ", round " + round;
            CrashWriterRun w = CrashWriterRun.start(dir, rnd.nextLong(), 1000 + 100 * round, round,
                    List.of("-Dcrash.probes=" + PROBES));
            Process p = w.process();
            w.awaitAcknowledged(5 + rnd.nextInt(40), ctx);
            if (round == ROUNDS - 1) {
                // the last kill comes once the pool has been used up (if the earlier rounds' random
                // moments did not get there), so that every run kills among refusals and removals
                Await.until(ctx + ": the stash refuses a registration as full", Await.LIVENESS,
                        () -> !p.isAlive() || w.acknowledged().contains("F END"), () -> "writing");
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
            for (String f : StashFiles.ALL) {
                assertThat(Files.size(dir.resolve(f))).as(ctx + ": " + f + " did not grow").isEqualTo(created.get(f));
            }
            Set<RegistrationKey> found = new HashSet<>();
            try (Stash s = Stash.open(StashConfig.small(dir))) {
                assertThat(s.recovered()).as(ctx).isTrue();
                s.forEachRegistration(r -> found.add(r.key()));
                for (RegistrationKey k : found) {
                    Registration r = s.registration(k).orElseThrow();
                    byte[] raw = s.rawDof(r.dofKey()).orElseThrow();
                    assertThat(r.probes()).as(ctx + ": " + k).hasSize(PROBES).isEqualTo(ParsedCodec.probeRecords(k,
                            new DofParser().parse(ByteBuffer.wrap(raw), r.record().helper(), k.pid()), r.record().helper().loadBase()));
                }
                assertThat(new StashView(s.files()).check(false)).as(ctx).isEmpty();
                assertThat(s.files().chunks.longSize()).as(ctx + ": only chunks that values own")
                        .isEqualTo(ownedChunks(s));
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
    }

    /** Chunks the stored values need by their lengths (what is left after the repair collected orphans). */
    private static long ownedChunks(Stash s) {
        StashFiles f = s.files();
        long n = 0;
        for (ChunkedMap m : List.of(f.registrations, f.rawDof, f.parsed)) {
            for (byte[] k : List.copyOf(m.keySet())) {
                n += m.chunksFor(m.get(k).length);
            }
        }
        return n;
    }
}
