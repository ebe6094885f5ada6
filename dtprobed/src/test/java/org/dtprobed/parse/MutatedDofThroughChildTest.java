package org.dtprobed.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.dtprobed.dof.DofFormatException;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofParser;
import org.dtprobed.jail.CorpusBlob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 1,000 mutated corpus DOF through real jailed children: the supervisor never throws, every answer
 * is a result or a parser error, and it is the answer the parser gives in process.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class MutatedDofThroughChildTest {
    private static final long SEED = Long.getLong("dtprobed.seed", 0x5EEDD0F_2026L);
    private static final int CASES = 1000;
    private static final int IN_FLIGHT = 32;
    private static final long[] INTERESTING = {0, 1, 7, 8, 32, 63, 64, 65, 0xFF, 0xFFFF, 0x7FFFFFFFL, 0x80000000L,
            0xFFFFFFFFL, -1L, Long.MAX_VALUE, Long.MIN_VALUE};

    record Case(int index, DofHelper helper, byte[] dof, long pid) {
    }

    @Test
    void everyAnswerIsAResultOrAParserErrorAndMatchesTheParserInProcess() throws Exception {
        List<CorpusBlob> corpus = CorpusBlob.all();
        SplittableRandom random = new SplittableRandom(SEED);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            CorpusBlob b = corpus.get(random.nextInt(corpus.size()));
            cases.add(new Case(i, mutateHelper(b.helper(), random), mutate(b.dof(), random), b.pid()));
        }
        DofParser parser = new DofParser();
        int parsed = 0;
        int rejected = 0;
        try (SupervisorFixture fixture = new SupervisorFixture();
             ParserSupervisor s = ParserSupervisor.start(fixture.production().children(2)
                     .parseTimeout(java.time.Duration.ofSeconds(60)).build())) { // answers are tested, not the deadline
            for (int from = 0; from < CASES; from += IN_FLIGHT) {
                List<CompletableFuture<ParseOutcome>> batch = new ArrayList<>();
                for (Case c : cases.subList(from, Math.min(CASES, from + IN_FLIGHT))) {
                    batch.add(s.submit(c.helper(), c.dof(), c.pid()));
                }
                for (int k = 0; k < batch.size(); k++) {
                    Case c = cases.get(from + k);
                    ParseOutcome o = batch.get(k).get(60, TimeUnit.SECONDS);
                    ParseOutcome expected = inProcess(parser, c);
                    String where = "seed " + SEED + " case " + c.index() + " (-Ddtprobed.seed=" + SEED + ")";
                    if (o instanceof ParseOutcome.Failed f) {
                        fail(where + ": no answer from the child: " + f);
                    }
                    assertThat(o).as(where).isEqualTo(expected);
                    if (o instanceof ParseOutcome.Parsed) {
                        parsed++;
                    } else {
                        rejected++;
                    }
                }
            }
            SupervisorStats st = s.stats();
            assertThat(st.parses()).isEqualTo(CASES);
            assertThat(st.failed()).isZero();
            assertThat(st.restarts()).isZero();
        }
        // the mutations must reach both outcomes, or the test is not testing much
        assertThat(parsed).as("parsed").isGreaterThan(20);
        assertThat(rejected).as("rejected").isGreaterThan(200);
    }

    private static ParseOutcome inProcess(DofParser parser, Case c) {
        try {
            return new ParseOutcome.Parsed(parser.parse(ByteBuffer.wrap(c.dof()), c.helper(), c.pid()));
        } catch (DofFormatException e) {
            return new ParseOutcome.Rejected(e.rule(), e.errno(), e.section(), e.probe(), e.getMessage());
        }
    }

    static byte[] mutate(byte[] original, SplittableRandom r) {
        byte[] d = original.clone();
        switch (r.nextInt(7)) {
            case 0 -> {
                for (int i = 0, n = 1 + r.nextInt(8); i < n; i++) {
                    d[r.nextInt(d.length)] = (byte) r.nextInt(256);
                }
            }
            case 1, 2 -> {
                // a field of the header or the section table set to an edge value
                int limit = Math.min(d.length, 64 + 32 * 8);
                int at = r.nextInt(limit / 4) * 4;
                ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
                long v = INTERESTING[r.nextInt(INTERESTING.length)];
                if (r.nextBoolean() && at + 8 <= d.length) {
                    b.putLong(at & ~7, v);
                } else {
                    b.putInt(at, (int) v);
                }
            }
            case 3 -> d = Arrays.copyOf(d, r.nextInt(d.length));
            case 4 -> {
                byte[] longer = Arrays.copyOf(d, d.length + 1 + r.nextInt(512));
                for (int i = d.length; i < longer.length; i++) {
                    longer[i] = (byte) r.nextInt(256);
                }
                d = longer;
            }
            case 5 -> {
                // a run of bytes copied over another place (section and probe records out of place)
                int len = 1 + r.nextInt(Math.min(64, d.length));
                System.arraycopy(original, r.nextInt(d.length - len + 1), d, r.nextInt(d.length - len + 1), len);
            }
            default -> {
                // a byte anywhere in a string table or probe record nudged by one
                int at = r.nextInt(d.length);
                d[at] = (byte) (d[at] + (r.nextBoolean() ? 1 : -1));
            }
        }
        return d;
    }

    private static DofHelper mutateHelper(DofHelper h, SplittableRandom r) {
        return switch (r.nextInt(8)) {
            case 0 -> new DofHelper(List.of("", ".", "..", "a/b", "x:y", "n\u0000ul", "é", "m".repeat(63))
                    .get(r.nextInt(8)), h.loadBase(), h.dofAddress());
            case 1 -> new DofHelper(h.module(), r.nextLong(), h.dofAddress());
            default -> h;
        };
    }
}
