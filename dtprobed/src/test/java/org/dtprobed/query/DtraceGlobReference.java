package org.dtprobed.query;

/**
 * A line-by-line port of the kernel's {@code dtrace_match_glob} (dtrace.c), without its depth
 * limit: the reference {@link Glob} is checked against. Exponential in stars; tests keep patterns small.
 */
final class DtraceGlobReference {
    private DtraceGlobReference() {
    }

    /** As {@code dtrace_match_probe} uses it: an empty field is {@code dtrace_match_nul}, everything else globs. */
    static boolean matches(String s, String p) {
        return p.isEmpty() || match(s + "\0", 0, p + "\0", 0);
    }

    @SuppressWarnings("fallthrough")
    private static boolean match(String s, int si, String p, int pi) {
        while (true) {
            int olds = si;
            char s1 = s.charAt(si++);
            char c = p.charAt(pi++);
            if (c == '\0') {
                return s1 == '\0';
            }
            switch (c) {
                case '[': {
                    int ok = 0;
                    boolean notflag = false;
                    char lc = '\0';
                    if (s1 == '\0') {
                        return false;
                    }
                    if (p.charAt(pi) == '!') {
                        notflag = true;
                        pi++;
                    }
                    if ((c = p.charAt(pi++)) == '\0') {
                        return false;
                    }
                    do {
                        if (c == '-' && lc != '\0' && p.charAt(pi) != ']') {
                            if ((c = p.charAt(pi++)) == '\0') {
                                return false;
                            }
                            if (c == '\\' && (c = p.charAt(pi++)) == '\0') {
                                return false;
                            }
                            if (notflag) {
                                if (s1 < lc || s1 > c) {
                                    ok++;
                                } else {
                                    return false;
                                }
                            } else if (lc <= s1 && s1 <= c) {
                                ok++;
                            }
                        } else if (c == '\\' && (c = p.charAt(pi++)) == '\0') {
                            return false;
                        }
                        lc = c;
                        if (notflag) {
                            if (s1 != c) {
                                ok++;
                            } else {
                                return false;
                            }
                        } else if (s1 == c) {
                            ok++;
                        }
                        if ((c = p.charAt(pi++)) == '\0') {
                            return false;
                        }
                    } while (c != ']');
                    if (ok > 0) {
                        continue;
                    }
                    return false;
                }
                case '\\':
                    if ((c = p.charAt(pi++)) == '\0') {
                        return false;
                    }
                    // fall through
                default:
                    if (c != s1) {
                        return false;
                    }
                    // fall through
                case '?':
                    if (s1 != '\0') {
                        continue;
                    }
                    return false;
                case '*':
                    while (p.charAt(pi) == '*') {
                        pi++;
                    }
                    if (p.charAt(pi) == '\0') {
                        return true;
                    }
                    for (int t = olds; s.charAt(t) != '\0'; t++) {
                        if (match(s, t, p, pi)) {
                            return true;
                        }
                    }
                    return false;
            }
        }
    }
}
