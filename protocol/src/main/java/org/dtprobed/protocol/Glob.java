package org.dtprobed.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * One field of a probe description, compiled: DTrace's glob language ({@code dtrace_match_glob}
 * in the kernel's {@code dtrace.c}) — {@code *} any string, {@code ?} any one character,
 * {@code [...]} a class with ranges and a leading {@code !} for negation, {@code \} takes the
 * next character literally; an empty pattern or a lone {@code *} matches anything; a pattern
 * without special characters is compared as a string.
 *
 * <p>DTrace's matcher recurses once per {@code *} and so is exponential in the number of stars; this
 * one backtracks only to the last star, which accepts the same strings in O(pattern × string) time,
 * so that a hostile description cannot stall the query server. Where DTrace silently matches
 * nothing (an unterminated class, a trailing backslash) this refuses the pattern with a reason.
 */
public final class Glob {
    private static final String SPECIAL = "*?[\\";

    /** One token: a literal, any character, a class, or a star. */
    private sealed interface Token permits Literal, AnyChar, CharClass, Star {
    }

    private record Literal(char c) implements Token {
    }

    private record AnyChar() implements Token {
    }

    private record Star() implements Token {
    }

    /** A class: characters and inclusive ranges, possibly negated. */
    private record CharClass(boolean negated, String members, List<char[]> ranges) implements Token {
        boolean contains(char c) {
            boolean in = members.indexOf(c) >= 0;
            for (int i = 0; !in && i < ranges.size(); i++) {
                in = ranges.get(i)[0] <= c && c <= ranges.get(i)[1];
            }
            return in != negated;
        }
    }

    private final String pattern;
    private final boolean any;
    private final boolean literal;
    private final Token[] tokens;

    private Glob(String pattern, boolean any, boolean literal, Token[] tokens) {
        this.pattern = pattern;
        this.any = any;
        this.literal = literal;
        this.tokens = tokens;
    }

    /**
     * Compiles one field.
     *
     * @throws IllegalArgumentException naming the pattern and the position of the problem
     */
    public static Glob compile(String pattern) {
        if (pattern.isEmpty() || pattern.equals("*")) {
            return new Glob(pattern, true, false, new Token[0]);
        }
        boolean special = false;
        for (int i = 0; i < pattern.length() && !special; i++) {
            special = SPECIAL.indexOf(pattern.charAt(i)) >= 0;
        }
        if (!special) {
            return new Glob(pattern, false, true, new Token[0]);
        }
        return new Glob(pattern, false, false, tokenize(pattern));
    }

    private static Token[] tokenize(String p) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < p.length()) {
            char c = p.charAt(i++);
            switch (c) {
                case '*' -> {
                    if (out.isEmpty() || !(out.get(out.size() - 1) instanceof Star)) {
                        out.add(new Star());
                    }
                }
                case '?' -> out.add(new AnyChar());
                case '\\' -> {
                    if (i >= p.length()) {
                        throw new IllegalArgumentException("trailing \\ in '" + p + "'");
                    }
                    out.add(new Literal(p.charAt(i++)));
                }
                case '[' -> i = parseClass(p, i, out);
                default -> out.add(new Literal(c));
            }
        }
        return out.toArray(new Token[0]);
    }

    /** Parses a class starting after its '['; DTrace's rules: the first member may be ']'. */
    private static int parseClass(String p, int i, List<Token> out) {
        int open = i - 1;
        boolean negated = i < p.length() && p.charAt(i) == '!';
        if (negated) {
            i++;
        }
        StringBuilder members = new StringBuilder();
        List<char[]> ranges = new ArrayList<>();
        char lc = 0;
        boolean first = true;
        while (true) {
            if (i >= p.length()) {
                throw new IllegalArgumentException("unterminated [ at position " + open + " in '" + p + "'");
            }
            char c = p.charAt(i++);
            if (c == ']' && !first) {
                break;
            }
            first = false;
            if (c == '-' && lc != 0 && i < p.length() && p.charAt(i) != ']') {
                char hi = p.charAt(i++);
                if (hi == '\\') {
                    hi = escaped(p, i++, open);
                }
                ranges.add(new char[] {lc, hi});
                c = hi;
            } else if (c == '\\') {
                c = escaped(p, i++, open);
            }
            lc = c;
            members.append(c);
        }
        out.add(new CharClass(negated, members.toString(), List.copyOf(ranges)));
        return i;
    }

    private static char escaped(String p, int i, int open) {
        if (i >= p.length()) {
            throw new IllegalArgumentException("unterminated [ at position " + open + " in '" + p + "'");
        }
        return p.charAt(i);
    }

    /** Whether this field matches every string. */
    public boolean matchesAll() {
        return any;
    }

    /** Whether this field is a plain string, compared for equality. */
    public boolean isLiteral() {
        return literal;
    }

    public String pattern() {
        return pattern;
    }

    /** Whether the string matches; a CharSequence so that a caller can match a name plus a suffix it builds in place. */
    public boolean matches(CharSequence s) {
        if (any) {
            return true;
        }
        if (literal) {
            return pattern.contentEquals(s);
        }
        int p = 0;
        int i = 0;
        int starP = -1;
        int starI = 0;
        while (i < s.length()) {
            if (p < tokens.length && !(tokens[p] instanceof Star) && one(tokens[p], s.charAt(i))) {
                p++;
                i++;
            } else if (p < tokens.length && tokens[p] instanceof Star) {
                starP = p++;
                starI = i;
            } else if (starP >= 0) {
                p = starP + 1;
                i = ++starI;
            } else {
                return false;
            }
        }
        while (p < tokens.length && tokens[p] instanceof Star) {
            p++;
        }
        return p == tokens.length;
    }

    private static boolean one(Token t, char c) {
        if (t instanceof Literal l) {
            return l.c() == c;
        }
        if (t instanceof AnyChar) {
            return true;
        }
        return ((CharClass) t).contains(c);
    }

    @Override
    public String toString() {
        return pattern;
    }
}
