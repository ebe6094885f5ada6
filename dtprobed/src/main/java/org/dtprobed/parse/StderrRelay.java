package org.dtprobed.parse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays a child's stderr into the daemon's log, one event per line, with the child's pid. The
 * child is not trusted: lines are cut at {@link #MAX_LINE} bytes and control characters escaped,
 * so it cannot flood memory or forge log lines. The level comes from slf4j-simple's prefix
 * ({@code INFO JailedChild - ...}); anything else (JVM output) is logged as WARN.
 */
final class StderrRelay implements Runnable {
    static final Logger LOG = LoggerFactory.getLogger("org.dtprobed.parse.child");
    static final int MAX_LINE = 4096;

    private final InputStream in;
    private final long pid;
    private final StringBuilder tail = new StringBuilder();

    StderrRelay(InputStream in, long pid) {
        this.in = in;
        this.pid = pid;
    }

    @Override
    public void run() {
        byte[] line = new byte[MAX_LINE];
        int n = 0;
        boolean cut = false;
        try {
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '\n') {
                    emit(line, n, cut);
                    n = 0;
                    cut = false;
                } else if (n < MAX_LINE) {
                    line[n++] = (byte) b;
                } else {
                    cut = true;
                }
            }
        } catch (IOException e) {
            // the pipe closes when the child is killed; nothing to report
        }
        if (n > 0) {
            emit(line, n, cut);
        }
    }

    /** The last lines the child wrote (for start-up errors). */
    synchronized String tail() {
        return tail.toString();
    }

    private void emit(byte[] bytes, int n, boolean cut) {
        String s = printable(new String(bytes, 0, n, StandardCharsets.UTF_8)) + (cut ? " [line cut]" : "");
        synchronized (this) {
            tail.append(s).append('\n');
            if (tail.length() > 2 * MAX_LINE) {
                tail.delete(0, tail.length() - 2 * MAX_LINE);
            }
        }
        int sp = s.indexOf(' ');
        String level = sp > 0 ? s.substring(0, sp) : "";
        switch (level) {
            case "ERROR" -> LOG.error("parser child {}: {}", pid, s.substring(sp + 1));
            case "WARN" -> LOG.warn("parser child {}: {}", pid, s.substring(sp + 1));
            case "INFO" -> LOG.info("parser child {}: {}", pid, s.substring(sp + 1));
            case "DEBUG", "TRACE" -> LOG.debug("parser child {}: {}", pid, s.substring(sp + 1));
            default -> LOG.warn("parser child {}: {}", pid, s);
        }
    }

    static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7F) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
