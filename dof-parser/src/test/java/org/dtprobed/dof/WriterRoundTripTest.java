package org.dtprobed.dof;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.dtprobed.dof.write.ProbeSpec;
import org.dtprobed.dof.write.ProviderSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Property: whatever {@code DofWriter} builds, the parser gives back, with the relocation rule applied. */
class WriterRoundTripTest {
    private static final long BASE_SEED = Long.getLong("dtprobed.seed", 0x5EED_D0F0L);

    static LongStream seeds() {
        return LongStream.range(0, 2_000).map(i -> BASE_SEED + i);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void roundTrips(long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        RandomDof spec = new RandomDof(r);
        long base = r.nextBoolean() ? 0 : r.nextLong(1, 1L << 47);
        DofHelper helper = new DofHelper("mod", base, base + 0x1000);
        ParsedDof dof = new DofParser().parse(ByteBuffer.wrap(spec.build()), helper, 42);

        assertThat(dof.version()).as("seed %d", seed).isEqualTo(spec.version);
        assertThat(dof.providers()).as("seed %d", seed).hasSize(spec.providers.size());
        for (int i = 0; i < spec.providers.size(); i++) {
            ProviderSpec want = spec.providers.get(i);
            ParsedProvider got = dof.providers().get(i);
            assertThat(got.name()).as("seed %d", seed).isEqualTo(want.name());
            assertThat(got.attributes()).isEqualTo(want.attributes());
            assertThat(got.probes()).hasSize(want.probes().size());
            for (int j = 0; j < want.probes().size(); j++) {
                assertProbe(seed, spec, base, want.probes().get(j), got.probes().get(j));
            }
        }
        boolean anyProbe = spec.providers.stream().anyMatch(p -> !p.probes().isEmpty());
        assertThat(dof.violations()).as("seed %d", seed).allMatch(v -> v.rule() == DofRule.ZERO_SITES || !anyProbe);
    }

    private static void assertProbe(long seed, RandomDof spec, long base, ProbeSpec want, ParsedProbe got) {
        String at = "seed " + seed + " probe " + want.name();
        assertThat(got.function()).as(at).isEqualTo(want.function());
        assertThat(got.name()).as(at).isEqualTo(want.name());
        assertThat(got.nativeTypes()).as(at).isEqualTo(want.nativeTypes());
        assertThat(got.translatedTypes()).as(at).isEqualTo(want.translatedTypes());
        assertThat(got.argmap()).as(at).isEqualTo(want.argmap());
        assertThat(got.offsets()).as(at).isEqualTo(want.offsets());
        assertThat(got.enabledOffsets()).as(at).isEqualTo(spec.version == 1 ? List.of() : want.enabledOffsets());
        assertThat(got.storedAddress()).as(at).isEqualTo(want.address());
        long address = spec.relocations && Long.compareUnsigned(want.address(), base) <= 0
                ? want.address() + base : want.address();
        assertThat(got.relocated()).as(at).isEqualTo(spec.relocations);
        assertThat(got.addressAt(base)).as(at).isEqualTo(address);
        List<ProbeSite> sites = new ArrayList<>();
        want.offsets().stream().sorted().forEach(o -> sites.add(new ProbeSite(address + o, false)));
        if (spec.version >= 3) {
            want.enabledOffsets().stream().sorted().forEach(o -> sites.add(new ProbeSite(address + o, true)));
        }
        assertThat(got.sitesAt(base)).as(at).isEqualTo(sites);
    }
}
