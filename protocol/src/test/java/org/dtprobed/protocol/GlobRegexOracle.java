package org.dtprobed.protocol;

import java.util.regex.Pattern;

/**
 * An independent second implementation of DTrace's probe-glob rules, written from the rules (not
 * from any matcher's code): the glob becomes a {@link java.util.regex.Pattern}. It is slow and
 * exponential in the worst case, and that is fine for small random patterns; {@link Glob} is
 * checked against it.
 *
 * <p>Rules: an empty pattern matches anything; {@code *} any string; {@code ?} one character;
 * {@code \c} the character c; {@code [...]} one character of a class, where a leading {@code !}
 * negates, the first character (even {@code ]}) is literal, {@code \c} is literal c, and
 * {@code x-y} is a range whose start is the previous character (so {@code [a-c-e]} is a-c and
 * c-e), unless the {@code -} is last.
 */
final class GlobRegexOracle {
    private GlobRegexOracle() {
    }

    /** Whether {@code s} matches; a malformed pattern matches nothing. */
    static boolean matches(String s, String glob) {
        if (glob.isEmpty()) {
            return true;
        }
        String regex = toRegex(glob);
        return regex != null && Pattern.compile(regex, Pattern.DOTALL).matcher(s).matches();
    }

    private static String toRegex(String g) {
        StringBuilder re = new StringBuilder();
        int i = 0;
        while (i < g.length()) {
            char c = g.charAt(i++);
            if (c == '*') {
                re.append(".*");
            } else if (c == '?') {
                re.append('.');
            } else if (c == '\\') {
                if (i == g.length()) {
                    return null;
                }
                re.append(literal(g.charAt(i++)));
            } else if (c == '[') {
                int end = classEnd(g, i);
                if (end < 0) {
                    return null;
                }
                re.append(charClass(g.substring(i, end)));
                i = end + 1;
            } else {
                re.append(literal(c));
            }
        }
        return re.toString();
    }

    /** Index of the {@code ]} that closes a class whose body starts at {@code from}, or -1. */
    private static int classEnd(String g, int from) {
        int i = from;
        if (i < g.length() && g.charAt(i) == '!') {
            i++;
        }
        boolean first = true;
        while (i < g.length()) {
            char c = g.charAt(i);
            if (c == ']' && !first) {
                return i;
            }
            i += c == '\\' ? 2 : 1;
            first = false;
        }
        return -1;
    }

    private static String charClass(String body) {
        boolean negate = body.startsWith("!");
        String b = negate ? body.substring(1) : body;
        StringBuilder items = new StringBuilder();
        Character last = null;
        int i = 0;
        while (i < b.length()) {
            char c = b.charAt(i++);
            if (c == '-' && last != null && i < b.length()) {
                char hi = b.charAt(i++);
                if (hi == '\\') {
                    hi = b.charAt(i++);
                }
                items.append(literal(last)).append('-').append(literal(hi));
                last = hi;
                continue;
            }
            if (c == '\\') {
                c = b.charAt(i++);
            }
            items.append(literal(c));
            last = c;
        }
        return (negate ? "[^" : "[") + items + "]";
    }

    private static String literal(char c) {
        return String.format("\\x{%x}", (int) c);
    }
}
