package org.dtprobed.query;

import org.dtprobed.protocol.Glob;
import org.dtprobed.protocol.ProbeDescription;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.protocol.RegistrationKey;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The index's shortcuts (a literal provider with a pid suffix goes to that pid; fields matched per
 * distinct string) give exactly what the plain rule gives: DTrace names a USDT provider
 * {@code "%s%d"} of name and pid, and a description's provider matches the name or that string.
 */
class ProbeIndexLookupTest {
    /** bench of several pids (one at Integer.MAX_VALUE, one at 1 for the int overflow), and providers ending in digits. */
    private static ProbeIndex edgeIndex() {
        ProbeIndex ix = new ProbeIndex();
        ix.add(Probes.registration(4711, 0, 1, "bench:f:a", "bench:f:b", "bench0:f:a"));
        ix.add(Probes.registration(1, 0, 1, "bench:f:a"));
        ix.add(Probes.registration(47, 0, 1, "bench11:f:a"));
        ix.add(Probes.registration(Integer.MAX_VALUE, 0, 1, "bench:f:a"));
        ix.add(Probes.registration(5, 0, 1, "x2:f:a", "x:f:a"));
        ix.add(Probes.registration(25, 1000, 1, "x:f:a"));
        ix.add(Probes.registration(7, 0, 3, "x25:f:a"));
        return ix;
    }

    private static List<String> names(ProbeIndex ix, String desc, OptionalInt pid, Scope scope) {
        return ix.match(ProbeDescription.parse(desc), pid, scope).stream()
                .map(e -> e.pid() + "/" + e.provider() + ":" + e.name()).toList();
    }

    @ParameterizedTest(name = "''{0}'' -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        // the pid suffix: exactly the pid's decimal digits, as %d prints them
        "bench4711:::|4711/bench:a 4711/bench:b",
        "bench4711:::b|4711/bench:b",
        "bench9999:::|\"\"", // bench exists, that pid does not
        "bench04711:::|4711/bench0:a", // a leading zero is never %d of a pid: only bench0 of 4711 is 'bench04711'
        "bench4294967297:::|\"\"", // 2^32 + 1 does not wrap to pid 1
        "bench99999999999999999999:::|\"\"",
        "bench2147483647:::|2147483647/bench:a",
        "bench2147483648:::|\"\"",
        "bench1:::|1/bench:a", // not bench11 of 47 ('bench1147'), nor bench of 11
        "bench1147:::|47/bench11:a",
        // a provider whose own name ends in digits: x2 of pid 5, x of pid 25 and x25 of pid 7 are all 'x25'
        "x25:::|5/x2:a 7/x25:a 25/x:a",
        "x5:::|5/x:a",
        "x2:::|5/x2:a",
        "bench:::|1/bench:a 4711/bench:a 4711/bench:b 2147483647/bench:a", // no suffix: every pid
        "bench47?1:::|4711/bench:a 4711/bench:b", // globs take the scan, same rule
        "*4711:::a|4711/bench:a 4711/bench0:a", // bench0 of 4711 is bench04711 too
        "\":::a\"|1/bench:a 5/x:a 5/x2:a 7/x25:a 25/x:a 47/bench11:a 4711/bench:a 4711/bench0:a 2147483647/bench:a",
        "\"\"|1/bench:a 5/x:a 5/x2:a 7/x25:a 25/x:a 47/bench11:a 4711/bench:a 4711/bench:b 4711/bench0:a 2147483647/bench:a",
        "*:::nomatch*|\"\"", "bench4711::nomatch:|\"\"", "4711:::|\"\"", "٤٧١١:::|\"\""})
    void literalProvidersFindTheirPidOnly(String desc, String expected) {
        List<String> want = expected.isEmpty() ? List.of() : List.of(expected.split(" "));
        assertThat(names(edgeIndex(), desc, OptionalInt.empty(), Scope.all())).containsExactlyElementsOf(want);
    }

    @Test
    void thePidFieldAndTheScopeStillApplyToTheShortcut() {
        ProbeIndex ix = edgeIndex();
        assertThat(names(ix, "x25:::", OptionalInt.of(5), Scope.all())).containsExactly("5/x2:a");
        assertThat(names(ix, "x25:::", OptionalInt.of(7), Scope.all())).containsExactly("7/x25:a");
        assertThat(names(ix, "bench4711:::", OptionalInt.of(1), Scope.all())).isEmpty();
        assertThat(names(ix, "x25:::", OptionalInt.empty(), Scope.ofUid(1000))).containsExactly("25/x:a");
        assertThat(names(ix, "bench4711:::", OptionalInt.empty(), Scope.ofUid(1000))).isEmpty();
        assertThat(names(ix, "*:::", OptionalInt.empty(), Scope.ofUid(1000))).containsExactly("25/x:a");
        assertThat(names(ix, ":::", OptionalInt.of(25), Scope.ofUid(0))).containsExactly("25/x:a");
        assertThat(names(ix, ":::", OptionalInt.of(25), Scope.ofUid(1001))).isEmpty();
    }

    @Test
    void anEmptyProviderNameIsFoundByItsPidAlone() {
        // DOF would not name a provider "", but the plain rule matches "" + pid, so the index must too
        ProbeIndex ix = new ProbeIndex();
        ix.add(Probes.registration(12, 0, 1, ":f:a"));
        ix.add(Probes.registration(3, 0, 1, "1:f:a", "12:f:b"));
        assertThat(names(ix, "12:::", OptionalInt.empty(), Scope.all())).containsExactly("3/12:b", "12/:a");
        assertThat(names(ix, "13:::", OptionalInt.empty(), Scope.all())).containsExactly("3/1:a");
    }

    @Test
    void namesRemovedAndAddedAgainAreFoundUnderTheirNewIds() {
        ProbeIndex ix = new ProbeIndex();
        ix.add(Probes.registration(10, 0, 1, "p:f:old"));
        ix.removePid(10);
        ix.add(Probes.registration(11, 0, 1, "q:g:new")); // reuses the freed ids for other strings
        assertThat(names(ix, ":::old", OptionalInt.empty(), Scope.all())).isEmpty();
        assertThat(names(ix, "p:::", OptionalInt.empty(), Scope.all())).isEmpty();
        assertThat(names(ix, "*:g:ne?", OptionalInt.empty(), Scope.all())).containsExactly("11/q:new");
    }

    static Stream<Long> seeds() {
        return LongStream.range(0, 200).mapToObj(i -> 0x1d0c0000L + i);
    }

    private static final String[] PROVIDERS = {"bench", "bench0", "bench1", "x", "x2", "x25", "b", "1", "12", "p01"};
    private static final int[] PIDS = {1, 2, 5, 10, 11, 25, 52, 125, 250, 471, 4711, 47110, Integer.MAX_VALUE};
    private static final String[] MODULES = {"prog", "libc.so", "m1"};
    private static final String[] FUNCTIONS = {"f", "g", "fn_1"};
    private static final String[] NAMES = {"start", "stop", "s", "probe_1", "probe_10"};

    /**
     * A random history of adds, replacements and removals (so ids are freed and reused), then
     * random descriptions, pids and scopes: the index answers what filtering every live probe
     * with the plain rule answers, in {@link ProbeIndex#ORDER}.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void agreesWithThePlainRule(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ProbeIndex ix = new ProbeIndex();
        TreeMap<RegistrationKey, List<ProbeEntry>> live = new TreeMap<>();
        for (int step = 0; step < 100; step++) {
            int pid = r.nextInt(4) == 0 ? 1 + r.nextInt(60000) : PIDS[r.nextInt(PIDS.length)];
            int op = r.nextInt(10);
            if (op < 7) {
                List<ProbeEntry> reg = new ArrayList<>();
                int uid = new int[] {0, 1000, 1001}[r.nextInt(3)];
                long gen = 1 + r.nextInt(3); // sometimes the same key: a replacement
                for (int i = 1 + r.nextInt(6); i > 0; i--) {
                    reg.add(Probes.probe(pid, uid, gen, pick(r, PROVIDERS), pick(r, MODULES), pick(r, FUNCTIONS),
                            pick(r, NAMES)));
                }
                ix.add(reg);
                live.put(new RegistrationKey(pid, gen), reg);
            } else if (op < 9 && !live.isEmpty()) {
                RegistrationKey k = new ArrayList<>(live.keySet()).get(r.nextInt(live.size()));
                assertThat(ix.removeRegistration(k.pid(), k.generation())).isTrue();
                live.remove(k);
            } else {
                ix.removePid(pid);
                live.keySet().removeIf(k -> k.pid() == pid);
            }
        }
        List<Integer> livePids = live.keySet().stream().map(RegistrationKey::pid).distinct().toList();
        int answered = 0;
        int suffixAnswered = 0;
        for (int q = 0; q < 150; q++) {
            String text = randomDescription(r, livePids);
            ProbeDescription desc = ProbeDescription.parse(text);
            OptionalInt pid = switch (r.nextInt(6)) {
                case 0 -> OptionalInt.of(livePids.isEmpty() ? 5 : livePids.get(r.nextInt(livePids.size())));
                case 1 -> OptionalInt.of(PIDS[r.nextInt(PIDS.length)]);
                default -> OptionalInt.empty();
            };
            Scope scope = switch (r.nextInt(6)) {
                case 0 -> Scope.ofUid(1000);
                case 1 -> Scope.ofUid(1001);
                default -> Scope.all();
            };
            List<ProbeEntry> expected = live.values().stream().flatMap(List::stream)
                    .filter(e -> plainRule(desc, e) && (pid.isEmpty() || pid.getAsInt() == e.pid())
                            && scope.permits(e.uid()))
                    .sorted(ProbeIndex.ORDER).toList();
            assertThat(ix.match(desc, pid, scope)).as("seed %d: '%s' pid %s %s", seed, text, pid, scope)
                    .containsExactlyElementsOf(expected);
            answered += expected.isEmpty() ? 0 : 1;
            suffixAnswered += !expected.isEmpty() && desc.providerGlob().isLiteral()
                    && Character.isDigit(text.charAt(text.indexOf(':') - 1)) ? 1 : 0;
        }
        // guards the generator: a property that only ever compares empty answers proves little
        assertThat(answered).as("seed %d: non-empty answers", seed).isGreaterThan(15);
        assertThat(suffixAnswered).as("seed %d: non-empty answers to a literal with a pid suffix", seed)
                .isPositive();
    }

    /** The rule as written before any index shortcut: provider name, or name and pid as one string. */
    private static boolean plainRule(ProbeDescription d, ProbeEntry e) {
        Glob p = Glob.compile(d.provider());
        return (p.matches(e.provider()) || p.matches(e.provider() + e.pid()))
                && Glob.compile(d.module()).matches(e.module()) && Glob.compile(d.function()).matches(e.function())
                && Glob.compile(d.name()).matches(e.name());
    }

    private static String randomDescription(SplittableRandom r, List<Integer> livePids) {
        String base = pick(r, PROVIDERS);
        long pid = livePids.isEmpty() || r.nextInt(4) == 0 ? PIDS[r.nextInt(PIDS.length)]
                : livePids.get(r.nextInt(livePids.size()));
        String provider = switch (r.nextInt(12)) {
            case 0, 1, 2 -> base + pid;
            case 3 -> base;
            case 4 -> base + "0" + pid; // leading zero
            case 5 -> base + (pid + (1L << 32)); // wraps to pid as an int
            case 6 -> base + r.nextInt(100);
            case 7 -> String.valueOf(pid);
            case 8 -> base + "*";
            case 9 -> "*" + pid % 100;
            case 10 -> base.charAt(0) + "?" + "*";
            default -> r.nextBoolean() ? "" : "*";
        };
        String[] below = {"", "*", "nomatch*", "s*", "?tart", "probe_1*", "[ps]*"};
        String module = field(r, MODULES, below);
        String function = field(r, FUNCTIONS, below);
        String name = field(r, NAMES, below);
        return provider + ":" + module + ":" + function + ":" + name;
    }

    /** Mostly "any", so that enough answers are non-empty; else a literal or a glob. */
    private static String field(SplittableRandom r, String[] literals, String[] globs) {
        int k = r.nextInt(10);
        return k < 5 ? "" : k < 7 ? pick(r, literals) : pick(r, globs);
    }

    private static String pick(SplittableRandom r, String[] from) {
        return from[r.nextInt(from.length)];
    }
}
