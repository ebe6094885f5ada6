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

    private static ParsedDof parse(byte[] dof) throws Exception {
        return new DofParser().parse(ByteBuffer.wrap(dof), HELPER, 1);
    }

    @Test
    void isBoundedInBytesNotEntries() throws Exception {
        // the attack: one large result registered at many load bases
        byte[] dof = SharedArgumentsDof.build("amp", 40, 255, 100);
        ParsedDof big = parse(dof);
        long each = ResultBudget.bytesOf(big);
        ParseCache cache = new ParseCache(4 * each + each / 2);
        ContentHash content = ContentHash.of(dof);
        for (int base = 0; base < 250; base++) {
            cache.put(content, 0x1000L * base, "mod", big);
        }
        assertThat(cache.size()).isEqualTo(4);
        assertThat(cache.bytes()).isLessThanOrEqualTo(4 * each + each / 2);
        // least recently used out: the last four bases stay
        assertThat(cache.get(content, 0x1000L * 249, "mod")).containsSame(big);
        assertThat(cache.get(content, 0, "mod")).isEmpty();
    }

    @Test
    void aResultAboveAQuarterOfTheBoundIsNotKept() throws Exception {
        byte[] dof = SharedArgumentsDof.build("amp", 40, 255, 100);
        ParsedDof big = parse(dof);
        ParseCache cache = new ParseCache(3 * ResultBudget.bytesOf(big));
        cache.put(ContentHash.of(dof), 0, "mod", big);
        assertThat(cache.size()).isZero();
        assertThat(cache.bytes()).isZero();
    }

    @Test
    void replacingAnEntryChargesItOnce() throws Exception {
        byte[] dof = SharedArgumentsDof.build("amp", 2, 1, 8);
        ParsedDof small = parse(dof);
        ParseCache cache = new ParseCache(1 << 20);
        cache.put(ContentHash.of(dof), 0, "mod", small);
        cache.put(ContentHash.of(dof), 0, "mod", small);
        assertThat(cache.bytes()).isEqualTo(ResultBudget.bytesOf(small));
    }
}
