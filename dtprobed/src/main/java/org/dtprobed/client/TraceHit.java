package org.dtprobed.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line of a trace instance's {@code trace_pipe} with {@code record-tgid} on, e.g.
 * {@code prog-1190 (   1190) [000] DBZff  1472.131947: dtprobe_77_0: (0x5556e147413d)}.
 *
 * @param tgid     the process (thread group) the hit was in
 * @param seconds  the trace clock's timestamp
 * @param event    the event's name
 * @param rest     what follows the event name
 */
record TraceHit(int tid, int tgid, double seconds, String event, String rest) {
    /** The comm may hold spaces and dashes, so the line is anchored on what follows it. */
    private static final Pattern LINE = Pattern.compile(
            "-(\\d+)\\s+\\(\\s*(\\d+|-+)\\)\\s+\\[\\d+\\]\\s+\\S+\\s+(\\d+\\.\\d+):\\s+([A-Za-z0-9_]+):\\s?(.*)$");

    static Optional<TraceHit> parse(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.find()) {
            return Optional.empty();
        }
        int tid = Integer.parseInt(m.group(1));
        int tgid = m.group(2).startsWith("-") ? tid : Integer.parseInt(m.group(2));
        return Optional.of(new TraceHit(tid, tgid, Double.parseDouble(m.group(3)), m.group(4), m.group(5)));
    }

    /**
     * The argument values that follow the address in {@link #rest}, as the fetches defined them
     * ({@code (0x5556e147413d) arg0=42 arg1="a b"}): a {@link Long} for an integer (x-types are
     * hex, unsigned), a {@link String} for a string, null where the kernel could not read it
     * ({@code (fault)}) or the line lacks it. The kernel does not escape strings, so a string ends
     * at the last quote followed by the next argument's name (a string holding that text confuses
     * only the strings after it).
     */
    List<Object> args(List<ArgFetch> fetches) {
        List<Object> out = new ArrayList<>(fetches.size());
        int pos = 0;
        for (int k = 0; k < fetches.size(); k++) {
            String name = " arg" + k + "=";
            int at = rest.indexOf(name, pos);
            if (at < 0) {
                out.add(null);
                continue;
            }
            int from = at + name.length();
            String next = " arg" + (k + 1) + "=";
            int end;
            if (fetches.get(k).string() && from < rest.length() && rest.charAt(from) == '"') {
                int close = k + 1 < fetches.size() ? rest.lastIndexOf('"' + next) : rest.lastIndexOf('"');
                end = close < from + 1 ? rest.length() : close + 1;
            } else {
                int n = rest.indexOf(next, from);
                end = n < 0 ? rest.length() : n;
            }
            out.add(value(rest.substring(from, end).strip(), fetches.get(k)));
            pos = end;
        }
        return out;
    }

    private static Object value(String text, ArgFetch f) {
        if (f.string()) {
            return text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")
                    ? text.substring(1, text.length() - 1) : null;
        }
        try {
            if (text.startsWith("0x")) {
                return Long.parseUnsignedLong(text.substring(2), 16);
            }
            return f.type().startsWith("u") ? Long.parseUnsignedLong(text) : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return null; // "(fault)" or a form this kernel prints differently
        }
    }
}
