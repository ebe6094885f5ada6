package org.dtprobed.jail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.dtprobed.dof.DofFormatException;
import org.dtprobed.dof.DofHeader;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.DofRule;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.ParsedProbe;
import org.dtprobed.dof.ParsedProvider;
import org.dtprobed.dof.ParsedRelocation;
import org.dtprobed.dof.PolicyViolation;
import org.dtprobed.dof.ProbeSite;
import org.dtprobed.dof.ProviderAttributes;
import org.dtprobed.dof.wire.EncodedParsedDof;
import org.dtprobed.dof.wire.ParsedDofCodec;
import org.dtprobed.dof.wire.WireFormatException;
import org.dtprobed.dof.wire.WireWriter;
import org.dtprobed.linux.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** ParsedDof and the other bodies survive encode → decode exactly; hostile bodies fail cleanly. */
class ParsedDofCodecTest {
    static List<CorpusBlob> corpus() {
        return CorpusBlob.all();
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void everyCorpusBlobRoundTripsExactly(CorpusBlob blob) throws Exception {
        ParsedDof d = new DofParser().parse(ByteBuffer.wrap(blob.dof()), blob.helper(), blob.pid());
        assertThat(d.probeCount()).isPositive();
        ParsedDof back = ParsedDofCodec.decode(ByteBuffer.wrap(ParsedDofCodec.encode(d)));
        assertThat(back).isEqualTo(d);
        assertThat(EncodedParsedDof.decode(ParsedDofCodec.encode(d))).isEqualTo(EncodedParsedDof.encode(d));
        assertThat(back.providers().get(0).probes().get(0).storedSites()).isEqualTo(d.providers().get(0).probes().get(0).storedSites());
    }

    @Test
    void everyFieldIncludingNullsViolationsAndRelocationsRoundTrips() throws Exception {
        DofHeader h = new DofHeader(2, 1, 3, 2, 8, 8, 0, 64, 32, 7, 64, 4096, 5000);
        ParsedProbe p = new ParsedProbe("fn", "name-é\u4e2d", List.of("char *", "int"), List.of("string"),
                List.of(1), List.of(0L, 0xFFFFFFFFL), List.of(5L), -1L, true,
                List.of(new ProbeSite(Long.MAX_VALUE, false), new ProbeSite(1, true)));
        ParsedDof d = new ParsedDof(h, null,
                List.of(new ParsedProvider(3, "prov", new ProviderAttributes(1, 2, 3, 4, -5), List.of(p, p)),
                        new ParsedProvider(4, "", new ProviderAttributes(0, 0, 0, 0, 0), List.of())),
                List.of(new ParsedRelocation("_Z3foov", 1, 8, 2), new ParsedRelocation("", 0, 0, 0)),
                List.of(new PolicyViolation(DofRule.UNSAFE_NAME, "prov:mod", "provider 'a/b'"),
                        new PolicyViolation(DofRule.ZERO_SITES, "x", "")));
        assertThat(ParsedDofCodec.decode(ByteBuffer.wrap(ParsedDofCodec.encode(d)))).isEqualTo(d);
    }

    @Test
    void aStringThatIsNotValidUtf16IsRefusedAtEncodeNotSilentlyChanged() {
        ParsedDof d = new ParsedDof(new DofHeader(2, 1, 2, 2, 8, 8, 0, 64, 32, 0, 64, 64, 64), "bad\ud800",
                List.of(), List.of(), List.of());
        assertThatThrownBy(() -> ParsedDofCodec.encode(d)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectionReadyFaultAndRequestRoundTrip() throws Exception {
        DofFormatException e = new DofFormatException(DofRule.SECTION_OUT_OF_BOUNDS, 3, DofFormatException.NONE, "offset 9999");
        Rejection r = Rejection.of(e);
        assertThat(Rejection.decode(ByteBuffer.wrap(r.encode()))).isEqualTo(r);
        assertThat(r.message()).isEqualTo(e.getMessage());
        ChildReady ready = new ChildReady(true, 65534, 65534, 1234, 456_000_000L, "25.0.3+9");
        assertThat(ChildReady.decode(ByteBuffer.wrap(ready.encode()))).isEqualTo(ready);
        ChildFault fault = ChildFault.of(new OutOfMemoryError("Java heap space"));
        assertThat(fault.errno()).isEqualTo(Errno.ENOMEM);
        assertThat(ChildFault.decode(ByteBuffer.wrap(fault.encode()))).isEqualTo(fault);
        ParseRequest req = new ParseRequest(99, new DofHelper("mod", 0x400000, 0x401000), new byte[] {1, 2, 3});
        byte[][] parts = req.encode();
        byte[] body = new byte[parts[0].length + parts[1].length];
        System.arraycopy(parts[0], 0, body, 0, parts[0].length);
        System.arraycopy(parts[1], 0, body, parts[0].length, parts[1].length);
        ParseRequest back = ParseRequest.decode(ByteBuffer.wrap(body));
        assertThat(back.pid()).isEqualTo(99);
        assertThat(back.helper()).isEqualTo(req.helper());
        assertThat(back.dof()).containsExactly(1, 2, 3);
    }

    @Test
    void hostileBodiesGiveExactErrors() {
        assertThatThrownBy(() -> Rejection.decode(ByteBuffer.wrap(new WireWriter(16).string("NO_SUCH_RULE").i32(22)
                .i32(-1).i32(-1).string("m").toByteArray())))
                .isInstanceOf(WireFormatException.class).hasMessage("rejection rule 'NO_SUCH_RULE' is unknown");
        byte[] hugeCount = new WireWriter(16).i32(0x7FFFFFFF).toByteArray();
        assertThatThrownBy(() -> ParseRequest.decode(ByteBuffer.wrap(new WireWriter(64).i64(1).string("m").i64(0).i64(0)
                .bytes(hugeCount).toByteArray())))
                .hasMessage("body byte 29: DOF length count 2147483647 cannot fit in the 0 bytes left");
        assertThatThrownBy(() -> ChildReady.decode(ByteBuffer.wrap(new WireWriter(8).u8(2).toByteArray())))
                .hasMessage("body byte 0: jailed is 2, expected 0 or 1");
        byte[] trailing = Arrays.copyOf(new ChildReady(false, 1, 1, 1, 1, "x").encode(), 40);
        assertThatThrownBy(() -> ChildReady.decode(ByteBuffer.wrap(trailing)))
                .hasMessageContaining("ready: ").hasMessageContaining("unexpected bytes after byte");
        byte[] notUtf8 = new WireWriter(8).i32(2).bytes(new byte[] {(byte) 0xC3, 0x28}).toByteArray();
        assertThatThrownBy(() -> ChildFault.decode(ByteBuffer.wrap(notUtf8)))
                .hasMessage("body byte 0: kind is not valid UTF-8");
    }

    @Test
    void aViolationWithAStructureRuleIsRefused() {
        byte[] good = ParsedDofCodec.encode(new ParsedDof(new DofHeader(2, 1, 2, 2, 8, 8, 0, 64, 32, 0, 64, 64, 64), "m",
                List.of(), List.of(), List.of(new PolicyViolation(DofRule.NO_PROVIDERS, "DOF", ""))));
        String text = new String(good, java.nio.charset.StandardCharsets.ISO_8859_1).replace("NO_PROVIDERS", "BAD_MAGIC\0\0\0");
        byte[] bad = text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        // fix the string length: "NO_PROVIDERS" is 12 bytes, "BAD_MAGIC" 9 (+3 bytes left as trailing junk)
        int at = text.indexOf("BAD_MAGIC") - 4;
        ByteBuffer.wrap(bad).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(at, 9);
        assertThatThrownBy(() -> ParsedDofCodec.decode(ByteBuffer.wrap(bad))).isInstanceOf(WireFormatException.class);
    }

    static Stream<Long> seeds() {
        return LongStream.range(0, 40).map(i -> 0xC0DEC000L + i).boxed();
    }

    /**
     * A subverted child can send anything: decoding must fail with WireFormatException only. And
     * the codec is canonical: a body that decodes is byte for byte the encoding of what it decodes
     * to, so the stash may store a child's bytes as they came (the format is the same as an encode's).
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void mutatedEncodingsEitherDecodeOrFailWithAFrameFormatException(long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        CorpusBlob blob = corpus().get(r.nextInt(corpus().size()));
        byte[] good = ParsedDofCodec.encode(new DofParser().parse(ByteBuffer.wrap(blob.dof()), blob.helper(), blob.pid()));
        for (int round = 0; round < 50; round++) {
            byte[] bad = r.nextInt(4) == 0 ? Arrays.copyOf(good, r.nextInt(good.length)) : good.clone();
            for (int i = 0, n = 1 + r.nextInt(4); i < n && bad.length > 0; i++) {
                bad[r.nextInt(bad.length)] = (byte) r.nextInt(256);
            }
            try {
                EncodedParsedDof decoded = EncodedParsedDof.decode(bad);
                assertThat(ParsedDofCodec.encode(decoded.dof())).as("seed %d round %d: the re-encode", seed, round)
                        .isEqualTo(decoded.body());
                decoded.body()[0] ^= 1; // the bytes are kept as they came, not copied
                assertThat(bad[0]).isEqualTo(decoded.body()[0]);
            } catch (WireFormatException expected) {
                // the only acceptable failure
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + " round " + round + ": " + e, e);
            }
        }
    }
}
