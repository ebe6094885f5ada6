package org.dtprobed.log;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * How a log event becomes lines on stderr. Under systemd with stderr connected to the journal,
 * each line starts with its syslog priority ({@code <3>} … {@code <7>}), which journald turns
 * into the entry's PRIORITY, and carries no timestamp (the journal stamps every entry itself).
 * Elsewhere (a terminal, a file) a line starts with an ISO-8601 UTC timestamp and the level.
 */
public enum LineFormat {
    JOURNAL, PLAIN;

    /**
     * JOURNAL when {@code $JOURNAL_STREAM} names the very file stderr is ({@code dev:inode},
     * systemd.exec(5)): stderr redirected by the operator to a file or a pipe keeps the plain
     * format even under systemd. {@code INVOCATION_ID} alone does not decide, since it is also set
     * when a unit sends stderr to a file.
     */
    public static LineFormat detect(Map<String, String> env) {
        String stream = env.get("JOURNAL_STREAM");
        if (stream == null || stream.isBlank()) {
            return PLAIN;
        }
        try {
            Path stderr = Path.of("/proc/self/fd/2");
            long dev = ((Number) Files.getAttribute(stderr, "unix:dev")).longValue();
            long ino = ((Number) Files.getAttribute(stderr, "unix:ino")).longValue();
            return stream.trim().equals(dev + ":" + ino) ? JOURNAL : PLAIN;
        } catch (IOException | RuntimeException e) {
            return JOURNAL; // cannot check: believe systemd
        }
    }

    /** The lines of one event, each ending in a newline. */
    String lines(LogLevel level, String logger, String thread, String message, Throwable t) {
        StringBuilder b = new StringBuilder(message.length() + 96);
        String text = t == null ? message : message + "\n" + stackTrace(t);
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty() && b.length() > 0) {
                continue;
            }
            if (this == JOURNAL) {
                b.append('<').append(level.syslogPriority()).append('>');
            } else {
                b.append(Instant.now()).append(' ');
            }
            b.append(level.name()).append(' ').append(logger).append(" [").append(thread).append("] - ")
                    .append(line).append('\n');
        }
        return b.toString();
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString().stripTrailing().replace("\t", "    ");
    }
}
