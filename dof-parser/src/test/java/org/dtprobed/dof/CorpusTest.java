package org.dtprobed.dof;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.dtprobed.jail.CorpusBlob;
import org.dtprobed.testkit.Corpus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every corpus blob's probe sites come from the helper its client sent (DofDumpCorpusTest, in the
 * dtprobed module beside dof-dump, checks every field against the independent decoding).
 */
class CorpusTest {
    static Stream<Path> blobs() {
        return Corpus.blobs().stream();
    }

    /** With the dof_helper_t libusdt sent, every site is dofpr_addr + offset (no relocations). */
    @ParameterizedTest
    @MethodSource("blobs")
    void sitesUseTheClientsHelper(Path blob) throws Exception {
        java.util.Optional<Map<String, String>> fields = Corpus.helperFields(blob);
        if (fields.isEmpty()) {
            return; // the Apple blob has no helper: its addresses are macOS-relative
        }
        Map<String, String> h = fields.get();
        DofHelper helper = CorpusBlob.helper(h);
        ParsedDof dof = new DofParser().parse(ByteBuffer.wrap(Corpus.read(blob)), helper,
                Long.parseLong(h.get("pid")));
        assertThat(dof.loadSize()).isEqualTo(Long.parseLong(h.get("loadsz")));
        assertThat(dof.module()).isEqualTo(h.get("dofhp_mod"));
        for (ParsedProvider p : dof.providers()) {
            for (ParsedProbe pr : p.probes()) {
                long address = pr.addressAt(helper.loadBase());
                assertThat(address).isEqualTo(pr.storedAddress());
                assertThat(pr.sitesAt(helper.loadBase())).extracting(ProbeSite::address)
                        .containsExactlyElementsOf(pr.offsets().stream().sorted().map(o -> address + o).toList());
                assertThat(pr.storedSites()).noneMatch(ProbeSite::isEnabled); // version 2: is-enabled ignored
            }
        }
    }
}
