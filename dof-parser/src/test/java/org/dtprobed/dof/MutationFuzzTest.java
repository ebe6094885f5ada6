package org.dtprobed.dof;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.LongStream;
import org.dtprobed.testkit.Corpus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property: random mutations of real and built DOF either parse or throw the parser's own
 * {@link DofFormatException}, every time. 100 batches of 1,000 inputs; each input's seed is in
 * the failure message, and {@code -Ddtprobed.seed=N} replays a run.
 */
class MutationFuzzTest {
    static final int BATCHES = Integer.getInteger("dtprobed.fuzz.batches", 100);
    static final int PER_BATCH = 1_000;
    private static final long BASE_SEED = Long.getLong("dtprobed.seed", 0xF022_D0F0L);
    private static final long[] BOUNDARY = {0, 1, 2, 7, 8, 31, 32, 47, 48, 63, 64, 65, 0x7F, 0x80, 0xFF, 0x100,
        0xFFFF, 0x10000, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL, 0x1_0000_0000L, Long.MAX_VALUE, Long.MIN_VALUE, -1,
        -8, 256L * 1024 * 1024, 256L * 1024 * 1024 - 1};
    private static final List<byte[]> BASES = bases();

    private static List<byte[]> bases() {
        List<byte[]> out = new ArrayList<>();
        Corpus.blobs().forEach(p -> out.add(Corpus.read(p)));
        out.add(RuleTest.minimal());
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 4; i++) {
            out.add(new RandomDof(r).build());
        }
        return out;
    }

    private static final Map<String, Integer> OUTCOMES = new ConcurrentHashMap<>();

    /** What the mutations exercised, so a run shows whether it went past the header checks. */
    @AfterAll
    static void printOutcomes() {
        System.out.println("mutation outcomes: " + new TreeMap<>(OUTCOMES));
    }

    static LongStream batches() {
        return LongStream.range(0, BATCHES);
    }

    @ParameterizedTest(name = "batch {0}")
    @MethodSource("batches")
    void mutatedDofParsesOrIsRejected(long batch) {
        // a guard against endless loops, not a speed requirement: one batch takes milliseconds
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int i = 0; i < PER_BATCH; i++) {
                long seed = BASE_SEED + batch * PER_BATCH + i;
                byte[] input = mutate(new SplittableRandom(seed));
                try {
                    ParsedDof d = new DofParser().parse(buffer(input, seed),
                            new DofHelper("m", seed & 0xFFFF_F000L, 0), seed % 100_000);
                    OUTCOMES.merge(d.registrable() ? "parsed" : "parsed, refused by policy", 1, Integer::sum);
                } catch (DofFormatException expected) {
                    OUTCOMES.merge(expected.rule().name(), 1, Integer::sum); // the only failure allowed
                } catch (Throwable t) {
                    fail("seed " + seed + " (replay with -Ddtprobed.seed=" + (seed - batch * PER_BATCH - i)
                            + "): " + t, t);
                }
            }
        });
    }

    /** Heap, direct and read-only buffers take different paths through the input view. */
    private static ByteBuffer buffer(byte[] input, long seed) {
        switch ((int) (seed % 3)) {
            case 0:
                return ByteBuffer.allocateDirect(input.length).put(input).flip();
            case 1:
                return ByteBuffer.wrap(input).asReadOnlyBuffer();
            default:
                return ByteBuffer.wrap(input);
        }
    }

    static byte[] mutate(SplittableRandom r) {
        byte[] base = BASES.get(r.nextInt(BASES.size()));
        ByteBuffer b = ByteBuffer.wrap(base.clone()).order(ByteOrder.LITTLE_ENDIAN);
        int rounds = 1 + r.nextInt(4);
        for (int k = 0; k < rounds; k++) {
            b = mutateOnce(r, b);
        }
        return Arrays.copyOf(b.array(), b.limit());
    }

    private static ByteBuffer mutateOnce(SplittableRandom r, ByteBuffer b) {
        int len = b.limit();
        if (len == 0) {
            return ByteBuffer.wrap(new byte[] {(byte) r.nextInt(256)});
        }
        switch (r.nextInt(6)) {
            case 0 -> { // bit flip
                int at = r.nextInt(len);
                b.put(at, (byte) (b.get(at) ^ (1 << r.nextInt(8))));
            }
            case 1 -> { // boundary value in a u32 field
                int at = r.nextInt(Math.max(1, len - 3)) & ~3;
                if (at + 4 <= len) {
                    b.putInt(at, (int) BOUNDARY[r.nextInt(BOUNDARY.length)]);
                }
            }
            case 2 -> { // boundary value in a u64 field, or near the load size
                int at = r.nextInt(Math.max(1, len - 7)) & ~7;
                if (at + 8 <= len) {
                    long v = r.nextBoolean() ? BOUNDARY[r.nextInt(BOUNDARY.length)] : len + r.nextInt(-2, 3);
                    b.putLong(at, v);
                }
            }
            case 3 -> { // truncation
                return ByteBuffer.wrap(Arrays.copyOf(b.array(), r.nextInt(len + 1))).order(ByteOrder.LITTLE_ENDIAN);
            }
            case 4 -> { // extension, sometimes claimed by the header
                int extra = 1 + r.nextInt(512);
                byte[] longer = Arrays.copyOf(b.array(), len + extra);
                for (int i = len; i < longer.length; i++) {
                    longer[i] = (byte) r.nextInt(256);
                }
                ByteBuffer nb = ByteBuffer.wrap(longer).order(ByteOrder.LITTLE_ENDIAN);
                if (r.nextBoolean() && longer.length >= DofHeader.SIZE) {
                    nb.putLong(DofHeader.OFF_LOADSZ, longer.length);
                }
                return nb;
            }
            default -> { // random byte
                b.put(r.nextInt(len), (byte) r.nextInt(256));
            }
        }
        return b;
    }
}
