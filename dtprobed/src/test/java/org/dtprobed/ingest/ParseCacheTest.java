package org.dtprobed.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.ResultBudget;
import org.dtprobed.dof.write.SharedArgumentsDof;
import org.dtprobed.stash.ContentHash;
import org.junit.jupiter.api.Test;

class ParseCacheTest {
    private static final DofHelper HELPER = new DofHelper("mod", 0x1000, 0x1000);
    /** A large result: 40 probes of 255 shared arguments. */
    private static final byte[] BIG = SharedArgumentsDof.build("amp", 40, 255, 100);

    private static ParsedDof parse(byte[] dof) throws Exception {
        return new DofParser().parse(ByteBuffer.wrap(dof), HELPER, 1);
    }

    @Test
    void isBoundedInBytesNotEntries() throws Exception {
        // issue 19's attack: one large result registered under many keys (now: module names)
        ParsedDof big = parse(BIG);
        long each = ResultBudget.bytesOf(big);
        ParseCache cache = new ParseCache(4 * each + each / 2);
        ContentHash content = ContentHash.of(BIG);
        for (int i = 0; i < 250; i++) {
            cache.put(ParseCache.Key.of(content, "mod" + i, 1), big);
        }
        assertThat(cache.size()).isEqualTo(4);
        assertThat(cache.bytes()).isLessThanOrEqualTo(4 * each + each / 2);
        // least recently used out: the last four stay
        assertThat(cache.get(ParseCache.Key.of(content, "mod249", 1))).containsSame(big);
        assertThat(cache.get(ParseCache.Key.of(content, "mod0", 1))).isEmpty();
    }

    @Test
    void theKeyHoldsTheModuleAndThePidDigitsButNotTheLoadBase() throws Exception {
        byte[] dof = SharedArgumentsDof.build("amp", 2, 1, 8);
        ParsedDof small = parse(dof);
        ParseCache cache = new ParseCache(1 << 20);
        ContentHash content = ContentHash.of(dof);
        cache.put(ParseCache.Key.of(content, "mod", 4321), small);
        assertThat(cache.get(ParseCache.Key.of(content, "mod", 1234))).containsSame(small);
        assertThat(cache.get(ParseCache.Key.of(content, "mod", 12345))).isEmpty();
        assertThat(cache.get(ParseCache.Key.of(content, "other", 1234))).isEmpty();
    }

    @Test
    void aResultAboveAQuarterOfTheBoundIsNotKept() throws Exception {
        ParsedDof big = parse(BIG);
        ParseCache cache = new ParseCache(3 * ResultBudget.bytesOf(big));
        cache.put(ParseCache.Key.of(ContentHash.of(BIG), "mod", 1), big);
        assertThat(cache.size()).isZero();
        assertThat(cache.bytes()).isZero();
    }

    @Test
    void replacingAnEntryChargesItOnce() throws Exception {
        byte[] dof = SharedArgumentsDof.build("amp", 2, 1, 8);
        ParsedDof small = parse(dof);
        ParseCache cache = new ParseCache(1 << 20);
        cache.put(ParseCache.Key.of(ContentHash.of(dof), "mod", 1), small);
        cache.put(ParseCache.Key.of(ContentHash.of(dof), "mod", 1), small);
        assertThat(cache.bytes()).isEqualTo(ResultBudget.bytesOf(small));
    }

    /** A registration served from an entry puts it back: a use (eviction order), not a new charge. */
    @Test
    void puttingBackTheCachedResultIsAUse() throws Exception {
        ParsedDof big = parse(BIG);
        ParseCache cache = new ParseCache(5 * ResultBudget.bytesOf(big));
        ContentHash content = ContentHash.of(BIG);
        java.util.List.of("a", "b", "c", "d", "e").forEach(m -> cache.put(ParseCache.Key.of(content, m, 1), big));
        cache.put(ParseCache.Key.of(content, "a", 1), cache.get(ParseCache.Key.of(content, "a", 1)).orElseThrow());
        assertThat(cache.bytes()).isEqualTo(5 * ResultBudget.bytesOf(big));
        cache.put(ParseCache.Key.of(content, "f", 1), big);
        assertThat(cache.get(ParseCache.Key.of(content, "a", 1))).containsSame(big);
        assertThat(cache.get(ParseCache.Key.of(content, "b", 1))).isEmpty();
    }
}
