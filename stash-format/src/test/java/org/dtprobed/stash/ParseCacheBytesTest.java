package org.dtprobed.stash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.wire.EncodedParsedDof;
import org.dtprobed.dof.wire.ParsedDofCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parse cache stores a jailed child's bytes as they came (no second encode on the commit);
 * they are the bytes the encode of the result gives, so the parse-cache format and its version
 * are unchanged.
 */
class ParseCacheBytesTest {
    @TempDir
    Path dir;

    @Test
    void aChildsBytesAreStoredAsTheyCameAndAreTheBytesOfAnEncode() throws Exception {
        try (Stash asTheyCame = Stash.open(Fixtures.config(dir.resolve("as-they-came")));
             Stash encoded = Stash.open(Fixtures.config(dir.resolve("encoded")))) {
            int pid = 900;
            for (String name : Fixtures.LIBUSDT) {
                Fixtures.Blob b = Fixtures.blob(name);
                ParsedDof parsed = b.parse(pid);
                byte[] reply = ParsedDofCodec.encode(parsed); // what the child sends: its own encode
                EncodedParsedDof fromChild = EncodedParsedDof.decode(reply);
                ContentHash h = ContentHash.of(b.dof());
                asTheyCame.commit(b.record(pid), b.dof(), fromChild, h);
                encoded.commit(b.record(pid), b.dof(), parsed, h);

                byte[] key = ParseKey.of(h, b.helper(), pid).toBytes();
                byte[] stored = asTheyCame.files().parsed.get(key);
                assertThat(Arrays.copyOfRange(stored, StashLayout.VALUE_HEADER_SIZE, stored.length)).as(name)
                        .isEqualTo(reply);
                assertThat(stored).as(name + ": the same value as an encode's").isEqualTo(encoded.files().parsed.get(key));
                assertThat(asTheyCame.findParsed(h, b.helper().module(), pid)).as(name).contains(parsed);
                pid++;
            }
            assertThat(new StashView(asTheyCame.files()).check(false)).isEmpty();
        }
    }
}
