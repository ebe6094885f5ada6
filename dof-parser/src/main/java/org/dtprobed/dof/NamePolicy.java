package org.dtprobed.dof;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * Registration policy for names (reference §7.3 items 1–2): a name becomes a path component and a
 * field of a probe description, so {@code /}, {@code :} and NUL are refused, as are {@code .},
 * {@code ..} and the empty name; a provider name must leave room for the pid DTrace appends.
 */
final class NamePolicy {
    /**
     * Digits of the largest pid Linux can hand out ({@code PID_MAX_LIMIT} = 4,194,304), assumed
     * when the registering pid is not known.
     */
    static final int MAX_PID_DIGITS = 7;

    private NamePolicy() {
    }

    /** {@code where} is built only when there is something to report: most names are fine. */
    static void check(String kind, String name, boolean utf8, Supplier<String> where, List<PolicyViolation> out) {
        if (name.isEmpty()) {
            out.add(new PolicyViolation(DofRule.EMPTY_NAME, where.get(), kind));
        } else if (name.equals(".") || name.equals("..") || name.indexOf('/') >= 0 || name.indexOf(':') >= 0
                || name.indexOf('\0') >= 0) {
            out.add(new PolicyViolation(DofRule.UNSAFE_NAME, where.get(), kind + " '" + printable(name) + "'"));
        }
        if (!utf8) {
            out.add(new PolicyViolation(DofRule.NAME_NOT_UTF8, where.get(), kind));
        }
    }

    static void checkProvider(String name, boolean utf8, long pid, Supplier<String> where,
                              List<PolicyViolation> out) {
        check("provider", name, utf8, where, out);
        int digits = pid < 0 ? MAX_PID_DIGITS : Long.toString(pid).length();
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes + digits >= StringTable.PROVIDER_NAME_MAX) {
            out.add(new PolicyViolation(DofRule.PROVIDER_NAME_TOO_LONG, where.get(),
                    bytes + " bytes + " + digits + " pid digits"));
        }
    }

    /** Control characters would let a hostile name forge log lines. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length() && sb.length() < 200; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
