package org.dtprobed.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** DTrace's probe-glob rules, table-driven, and the linear matcher against an independent regex translation. */
class GlobTest {
    @ParameterizedTest(name = "''{0}'' vs ''{1}'' -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        // empty pattern and lone star match anything, the empty string included
        "\"\"|anything|true", "\"\"|\"\"|true", "*|anything|true", "*|\"\"|true",
        // literals compare whole strings
        "entry|entry|true", "entry|entry2|false", "entry|entr|false",
        // ? is exactly one character
        "entr?|entry|true", "entr?|entr|false", "?|\"\"|false", "??|ab|true", "??|abc|false",
        // * is any string, anywhere, repeated stars are one
        "e*|entry|true", "*y|entry|true", "e*y|ey|true", "*n*r*|entry|true", "a**b|ab|true", "a*b|axxbxb|true",
        "a*b|axxbx|false", "*a|\"\"|false",
        // classes, ranges, negation with ! (^ is an ordinary character)
        "[abc]x|bx|true", "[abc]x|dx|false", "[a-c]|b|true", "[a-c]|d|false", "[!a-c]|d|true", "[!a-c]|b|false",
        "[!abc]|a|false", "[^a]|^|true", "[^a]|b|false", "[]]|]|true", "[]a]|a|true", "[!]]|]|false",
        "[a-]|-|true", "[-a]|-|true", "[a-c-e]|d|true", "[\\]]|]|true", "[a\\-z]|-|true", "[a\\-z]|b|false",
        "[a-c]|\"\"|false",
        // backslash escapes the next character
        "\\*|*|true", "\\*|a|false", "a\\?|a?|true", "a\\?|ab|false",
        // a provider with a pid suffix is just a string here
        "myprov*|myprov1234|true", "myprov[0-9]*|myprov1234|true"})
    void tableOfDtraceRules(String pattern, String s, boolean expected) {
        assertThat(Glob.compile(pattern).matches(s)).isEqualTo(expected);
        assertThat(GlobRegexOracle.matches(s, pattern)).as("the regex oracle agrees with the table").isEqualTo(expected);
    }

    @Test
    void malformedPatternsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> Glob.compile("ab[cd")).hasMessageContaining("unterminated [ at position 2");
        assertThatThrownBy(() -> Glob.compile("ab\\")).hasMessageContaining("trailing \\");
        assertThatThrownBy(() -> Glob.compile("[a\\")).hasMessageContaining("unterminated [");
    }

    @Test
    void manyStarsStayLinear() {
        String pattern = "*a".repeat(40) + "*b";
        String s = "a".repeat(4000);
        assertThat(Glob.compile(pattern).matches(s)).isFalse();
        assertThat(Glob.compile(pattern).matches(s + "b")).isTrue();
    }

    static Stream<Long> seeds() {
        return LongStream.range(0, 3000).mapToObj(i -> 0x5eed0000L + i);
    }

    /** Random well-formed patterns over a small alphabet: the matcher agrees with the regex oracle on random strings. */
    @ParameterizedTest
    @MethodSource("seeds")
    void agreesWithTheOracleOnRandomPatterns(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        String pattern = randomPattern(r);
        Glob g;
        try {
            g = Glob.compile(pattern);
        } catch (IllegalArgumentException e) {
            return; // malformed: DTrace would match nothing; refusing it is this project's documented choice
        }
        for (int i = 0; i < 20; i++) {
            String s = randomString(r);
            assertThat(g.matches(s)).as("seed %d: pattern '%s' vs '%s'", seed, pattern, s)
                    .isEqualTo(GlobRegexOracle.matches(s, pattern));
        }
    }

    private static String randomPattern(SplittableRandom r) {
        String[] atoms = {"a", "b", "c", "-", "]", "*", "?", "[ab]", "[!a]", "[a-c]", "[]a]", "\\*", "\\a", "[!b-c]"};
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(6);
        for (int i = 0; i < n; i++) {
            sb.append(atoms[r.nextInt(atoms.length)]);
        }
        return sb.toString();
    }

    private static String randomString(SplittableRandom r) {
        String alphabet = "abc-]*";
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(7);
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
