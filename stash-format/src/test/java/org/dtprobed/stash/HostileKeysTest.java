package org.dtprobed.stash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.dtprobed.dof.DofHeader;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.ParsedProbe;
import org.dtprobed.dof.ParsedProvider;
import org.dtprobed.dof.ProbeSite;
import org.dtprobed.dof.ProviderAttributes;
import org.dtprobed.protocol.RegistrationKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Names from DOF and clients are data, never file names: hostile ones are stored and found
 * exactly, or refused with a clear error, and nothing is ever written outside the state directory.
 */
class HostileKeysTest {
    @TempDir
    Path root;

    private Path dir() {
        return root.resolve("state");
    }

    static ParsedDof parsed(String module, String provider, String function, String name, int loadSize) {
        ParsedProbe p = new ParsedProbe(function, name, List.of("char *"), List.of("char *"), List.of(0), List.of(16L),
                List.of(), 0x1000, true, List.of(new ProbeSite(0x1010, false)));
        DofHeader h = new DofHeader(2, 1, 2, 2, 8, 8, 0, 64, 32, 1, 64, loadSize, loadSize);
        return new ParsedDof(h, module, List.of(new ParsedProvider(1, provider, new ProviderAttributes(0, 0, 0, 0, 0),
                List.of(p))), List.of(), List.of());
    }

    private static List<Path> tree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            return s.toList();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"../../../../unsafe", "/etc/passwd", "a/b", "..", ".", "nul\u0000inside", "ünïcødé\uD83D\uDE00",
            "line\nbreak", "colon:in:name", ""})
    void hostileNamesAreStoredAndFoundExactlyAndNothingLandsOutsideTheStateDir(String evil) throws Exception {
        byte[] raw = new byte[256];
        raw[0] = (byte) evil.hashCode();
        DofHelper helper = new DofHelper(evil, 0x400000, 0x401000);
        Mapping m = new Mapping(1, 2, 0x400000, evil);
        RegistrationRecord rec = new RegistrationRecord(900, m, helper, new ProcessIdentity(1, 2, 3));
        try (Stash s = Stash.open(StashConfig.small(dir()))) {
            RegistrationKey k = s.commit(rec, raw, parsed(evil, evil, evil, evil, raw.length)).key();
            Registration r = s.registration(k).orElseThrow();
            assertThat(r.record()).isEqualTo(rec);
            ProbeRecord p = r.probes().get(0);
            assertThat(List.of(p.provider(), p.module(), p.function(), p.name())).containsOnly(evil);
            assertThat(s.findParsed(ContentHash.of(raw), evil, 900)).isPresent();
            assertThat(s.byMapping(900, 1, 2, 0x400000)).containsExactly(r);
        }
        assertThat(tree(root)).allSatisfy(p -> assertThat(p.startsWith(dir()) || p.equals(root)).isTrue());
        assertThat(Files.list(dir()).map(p -> p.getFileName().toString()).sorted().toList())
                .containsExactly("chunks-2.cm3", "dof-2.cm3", "meta-2.cm3", "negative-2.cm3", "parsed-2.cm3", "pids-2.cm3",
                        "registrations-2.cm3", "stash.lock");
    }

    @Test
    void a64KiBNameIsRefusedWithAClearErrorAndNothingIsWritten() throws Exception {
        String huge = "f".repeat(65_536);
        byte[] raw = new byte[128];
        Fixtures.Blob b = Fixtures.blob("libusdt-1");
        try (Stash s = Stash.open(StashConfig.small(dir()))) {
            RegistrationRecord rec = new RegistrationRecord(901, new Mapping(0, 0, 0, "[heap]"),
                    new DofHelper("m", 0, 0), new ProcessIdentity(1, 2, 3));
            StashException e = assertThrows(StashException.class, () -> s.commit(rec, raw, parsed("m", "p", huge, "n", raw.length)));
            assertThat(e.kind()).isEqualTo(StashException.Kind.REFUSED);
            assertThat(e.errno()).isEqualTo(22);
            assertThat(e.getMessage()).contains("function name").contains("65536").contains("4096");
            RegistrationRecord path = new RegistrationRecord(901, new Mapping(0, 0, 0, "/" + "p".repeat(70_000)),
                    new DofHelper("m", 0, 0), new ProcessIdentity(1, 2, 3));
            assertThat(assertThrows(StashException.class, () -> s.commit(path, raw, parsed("m", "p", "f", "n", raw.length)))
                    .getMessage()).contains("mapping path");
            assertThat(s.files().sizes().subList(0, 4)).containsOnly(0L);
            // the store is unharmed: a normal registration of that pid still gets generation 0
            assertThat(s.commit(b.record(901), b.dof(), b.parse(901)).key().generation()).isZero();
        }
    }

    @Test
    void unpairedSurrogatesAndNonRegistrableDofAreRefused() throws Exception {
        byte[] raw = new byte[128];
        try (Stash s = Stash.open(StashConfig.small(dir()))) {
            RegistrationRecord rec = new RegistrationRecord(902, new Mapping(0, 0, 0, ""), new DofHelper("m", 0, 0),
                    new ProcessIdentity(1, 2, 3));
            assertThat(assertThrows(StashException.class,
                    () -> s.commit(rec, raw, parsed("m", "p", "bad\uD800", "n", raw.length))).getMessage())
                    .contains("not valid Unicode");
            ParsedDof ok = parsed("m", "p", "f", "n", raw.length);
            ParsedDof withViolation = new ParsedDof(ok.header(), "m", ok.providers(), List.of(),
                    List.of(new org.dtprobed.dof.PolicyViolation(org.dtprobed.dof.DofRule.UNSAFE_NAME, "provider '..'", "")));
            assertThat(assertThrows(StashException.class, () -> s.commit(rec, raw, withViolation)).getMessage())
                    .contains("not registrable");
            assertThat(assertThrows(StashException.class, () -> s.commit(rec, new byte[100], ok)).getMessage())
                    .contains("load size");
        }
    }

    @Test
    void corruptValuesAreReportedNotTrusted() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-2");
        RegistrationKey k;
        try (Stash s = Stash.open(StashConfig.small(dir()))) {
            k = s.commit(b.record(903), b.dof(), b.parse(903)).key();
            byte[] v = s.files().registrations.get(RegistrationKeyCodec.live(k));
            v[v.length / 2] ^= 0x40;
            s.files().registrations.put(RegistrationKeyCodec.live(k), v);
            assertThat(assertThrows(StashException.class, () -> s.registration(k)).getMessage()).contains("CRC32C");
            assertThat(new StashView(s.files()).check(false)).anySatisfy(p -> assertThat(p).contains("CRC32C"));
        }
        try (Stash s = Stash.open(StashConfig.small(dir()))) {
            assertThat(s.recovery().corruptRegistrations()).isEqualTo(1);
            assertThat(s.registration(k)).isEmpty();
            assertThat(s.recovery().orphanDof()).isEqualTo(1);
            assertThat(new StashView(s.files()).check(false)).isEmpty();
        }
    }
}
