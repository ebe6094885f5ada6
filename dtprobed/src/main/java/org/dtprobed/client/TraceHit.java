package org.dtprobed.client;

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
}
