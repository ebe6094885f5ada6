package org.dtprobed.stash;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The hash made from a clone of one digest is the JDK's SHA-256 of the bytes, on any thread. */
class ContentHashTest {
    private static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    @Test
    void isTheSha256OfTheBytesEveryTime() throws Exception {
        SplittableRandom random = new SplittableRandom(16);
        for (int i = 0; i < 200; i++) {
            byte[] b = new byte[random.nextInt(0, 9000)];
            random.nextBytes(b);
            ContentHash h = ContentHash.of(b);
            assertThat(h.toBytes()).isEqualTo(sha256(b));
            assertThat(ContentHash.of(b)).isEqualTo(h).hasSameHashCodeAs(h);
            assertThat(ContentHash.fromBytes(h.toBytes())).isEqualTo(h).hasSameHashCodeAs(h);
            assertThat(ContentHash.parseHex(h.hex())).isEqualTo(h).hasSameHashCodeAs(h);
        }
    }

    @Test
    void threadsHashingAtOnceEachGetTheirOwnBytesHash() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                results.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    for (int i = 0; i < 2_000; i++) {
                        byte[] b = new byte[random.nextInt(1, 2000)];
                        random.nextBytes(b);
                        if (!Arrays.equals(ContentHash.of(b).toBytes(), sha256(b))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) {
                assertThat(f.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void hashCodesOfDistinctContentSpread() {
        Set<Integer> codes = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            codes.add(ContentHash.of(new byte[] {(byte) i, (byte) (i >> 8)}).hashCode());
        }
        assertThat(codes).hasSizeGreaterThan(9_990);
    }
}
