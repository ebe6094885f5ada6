package org.dtprobed.stash.dump;

import java.util.regex.Pattern;
import org.dtprobed.stash.ProbeRecord;

/**
 * A probe description {@code provider:module:function:name} with DTrace's glob rules ({@code *},
 * {@code ?}, {@code [...]}, {@code \} escapes); fewer fields fill from the right, an empty field
 * matches anything, and the provider matches with or without the pid suffix.
 */
final class ProbeGlob {
    static final int MAX_LENGTH = 4096;

    private final Pattern[] fields = new Pattern[4];

    ProbeGlob(String desc) {
        if (desc.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("probe description is " + desc.length() + " characters; at most " + MAX_LENGTH);
        }
        String[] parts = desc.split(":", -1);
        if (parts.length > 4) {
            throw new IllegalArgumentException("probe description has " + parts.length + " fields; at most 4");
        }
        int skip = 4 - parts.length;
        for (int i = 0; i < 4; i++) {
            String p = i < skip ? "" : parts[i - skip];
            fields[i] = p.isEmpty() ? null : Pattern.compile(toRegex(p), Pattern.DOTALL);
        }
    }

    boolean matches(ProbeRecord r) {
        return (fields[0] == null || fields[0].matcher(r.provider()).matches()
                || fields[0].matcher(r.provider() + r.pid()).matches())
                && field(1, r.module()) && field(2, r.function()) && field(3, r.name());
    }

    private boolean field(int i, String s) {
        return fields[i] == null || fields[i].matcher(s).matches();
    }

    static String toRegex(String glob) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> sb.append(".*");
                case '?' -> sb.append('.');
                case '\\' -> {
                    if (i + 1 < glob.length()) {
                        sb.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
                    } else {
                        sb.append(Pattern.quote("\\"));
                    }
                }
                case '[' -> {
                    int end = glob.indexOf(']', i + 2);
                    if (end < 0) {
                        sb.append(Pattern.quote("["));
                    } else {
                        sb.append(bracket(glob.substring(i + 1, end)));
                        i = end;
                    }
                }
                default -> sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return sb.toString();
    }

    private static String bracket(String body) {
        StringBuilder sb = new StringBuilder("[");
        int start = 0;
        if (body.startsWith("!") || body.startsWith("^")) {
            sb.append('^');
            start = 1;
        }
        for (int i = start; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '-' && i > start && i < body.length() - 1) {
                sb.append('-');
            } else if (Character.isLetterOrDigit(c)) {
                sb.append(c);
            } else {
                sb.append('\\').append(c);
            }
        }
        return sb.append(']').toString();
    }
}
