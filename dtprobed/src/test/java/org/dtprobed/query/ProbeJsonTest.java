package org.dtprobed.query;

import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.protocol.ProbeJson;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringWriter;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The probe JSON form: both readers give back what was written, and refuse what is not a probe. */
class ProbeJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Long> seeds() {
        return LongStream.range(0, 300).mapToObj(i -> 0x15_0000L + i);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void roundTripsThroughTreeAndStream(long seed) throws Exception {
        ProbeEntry e = random(new SplittableRandom(seed));
        String text = write(e);
        assertThat(ProbeJson.read(JSON.readTree(text))).as("seed %d tree", seed).isEqualTo(e);
        try (JsonParser p = JSON.createParser(text)) {
            p.nextToken();
            assertThat(ProbeJson.read(p)).as("seed %d stream", seed).isEqualTo(e);
        }
    }

    @Test
    void hostileObjectsAreRefusedByBothReaders() throws Exception {
        String good = write(Probes.probe(1, 0, 1, "p", "m", "f", "n"));
        for (String bad : List.of(good.replace("\"name\":\"n\"", "\"name\":7"),
                good.replace("\"sites\":[", "\"sites\":[{},"), good.replace("\"mapping\"", "\"mapp\""),
                good.replace("\"is_enabled\":false", "\"is_enabled\":\"no\""), "{}")) {
            assertThatThrownBy(() -> ProbeJson.read(JSON.readTree(bad))).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
            try (JsonParser p = JSON.createParser(bad)) {
                p.nextToken();
                assertThatThrownBy(() -> ProbeJson.read(p)).as(bad).isInstanceOf(IllegalArgumentException.class);
            }
        }
    }

    private static String write(ProbeEntry e) throws Exception {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.getFactory().createGenerator(w)) {
            ProbeJson.write(g, e);
        }
        return w.toString();
    }

    private static ProbeEntry random(SplittableRandom r) {
        long addr = r.nextLong(); // any 64-bit value, negative ones included: written unsigned
        return new ProbeEntry(r.nextInt(1, Integer.MAX_VALUE), r.nextInt(0, 70000), r.nextLong(0, Long.MAX_VALUE),
                "p\u00e9" + r.nextInt(), "mod \"" + r.nextInt(), "f\\" + r.nextInt(), "n\n" + r.nextInt(),
                List.of(new ProbeEntry.Site(addr, r.nextBoolean()), new ProbeEntry.Site(addr + 1, r.nextBoolean())),
                List.of("int", "char *"), List.of("string"), List.of(r.nextInt(0, 2)),
                new ProbeEntry.Mapping(r.nextLong(), r.nextLong(), "/x/" + r.nextInt(), r.nextLong(), r.nextLong()));
    }
}
