package org.dtprobed.dof.dump;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.testkit.Corpus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every corpus blob decodes to exactly its independent {@code *.expected.json}, as the parser's
 * result in dof-dump's JSON and as dof-dump prints it (dof-parser's CorpusTest checks the sites
 * without JSON).
 */
class DofDumpCorpusTest {
    private static final List<String> TOP_KEYS = List.of("version", "model", "loadsz");
    private static final List<String> PROBE_KEYS = List.of("function", "name", "nargc", "xargc", "native_types",
            "translated_types", "argmap", "offsets", "enabled_offsets", "addr");
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Path> blobs() {
        return Corpus.blobs().stream();
    }

    @ParameterizedTest
    @MethodSource("blobs")
    void decodesToTheIndependentDecoding(Path blob) throws Exception {
        ParsedDof dof = new DofParser().parse(ByteBuffer.wrap(Corpus.read(blob)), new DofHelper("m", 0, 0));
        assertMatchesExpected(DofJson.of(dof, 0), expected(blob), blob);
        assertThat(dof.violations()).as("corpus DOF is registrable").isEmpty();
    }

    @ParameterizedTest
    @MethodSource("blobs")
    void dofDumpJsonMatchesTheIndependentDecoding(Path blob) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = DofDump.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), "--json", blob.toString());
        assertThat(rc).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertMatchesExpected(JSON.readTree(out.toByteArray()), expected(blob), blob);
    }

    static void assertMatchesExpected(JsonNode actual, JsonNode expected, Path blob) {
        for (String k : TOP_KEYS) {
            assertThat(text(actual.get(k))).as(blob + " " + k).isEqualTo(text(expected.get(k)));
        }
        JsonNode ep = expected.get("providers");
        JsonNode ap = actual.get("providers");
        assertThat(ap.size()).as(blob + " providers").isEqualTo(ep.size());
        for (int i = 0; i < ep.size(); i++) {
            assertThat(text(ap.get(i).get("name"))).isEqualTo(text(ep.get(i).get("name")));
            assertThat(text(ap.get(i).get("attrs"))).isEqualTo(text(ep.get(i).get("attrs")));
            JsonNode eProbes = ep.get(i).get("probes");
            JsonNode aProbes = ap.get(i).get("probes");
            assertThat(aProbes.size()).isEqualTo(eProbes.size());
            for (int j = 0; j < eProbes.size(); j++) {
                for (String k : PROBE_KEYS) {
                    assertThat(text(aProbes.get(j).get(k))).as(blob + " provider " + i + " probe " + j + " " + k)
                            .isEqualTo(text(eProbes.get(j).get(k)));
                }
            }
        }
        JsonNode er = expected.get("relocations");
        JsonNode ar = actual.get("relocations");
        assertThat(ar.size()).isEqualTo(er.size());
        for (int i = 0; i < er.size(); i++) {
            for (String k : List.of("symbol", "type", "offset")) {
                assertThat(text(ar.get(i).get(k))).as(blob + " relocation " + i + " " + k).isEqualTo(text(er.get(i).get(k)));
            }
        }
    }

    /** Compared as JSON text, so that 384 as an int and as a long are equal; a missing key is "null". */
    private static String text(JsonNode n) {
        return String.valueOf(n);
    }

    private static JsonNode expected(Path blob) throws IOException {
        return JSON.readTree(Path.of(blob.toString().replace(".dof", ".expected.json")).toFile());
    }

}
