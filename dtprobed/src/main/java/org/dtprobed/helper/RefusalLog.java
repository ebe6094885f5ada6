package org.dtprobed.helper;

import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * The warning lines of refused requests, rate-limited per uid (issue 19: invalid ioctls from one
 * user wrote 3.7 MB of log per 10 s, and journald drops real messages when a unit floods it).
 * Each uid gets {@code linesPerInterval} lines per interval; what is beyond them is counted, and
 * the first refusal after the interval writes one summary line with that count before its own.
 */
public final class RefusalLog {
    public static final int DEFAULT_LINES_PER_INTERVAL = 10;
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    private static final class Window {
        long startNanos;
        int logged;
        long suppressed;
    }

    private final Logger log;
    private final int linesPerInterval;
    private final long intervalNanos;
    private final LongSupplier clock;
    private final Map<Integer, Window> windows = new HashMap<>();

    public RefusalLog(Logger log, int linesPerInterval, Duration interval, LongSupplier clock) {
        this.log = log;
        this.linesPerInterval = linesPerInterval;
        this.intervalNanos = interval.toNanos();
        this.clock = clock;
    }

    public static RefusalLog standard(Logger log) {
        return new RefusalLog(log, DEFAULT_LINES_PER_INTERVAL, DEFAULT_INTERVAL, System::nanoTime);
    }

    /** Logs the line at WARN unless the uid has had its share of this interval. */
    public void warn(int uid, String format, Object... args) {
        long suppressedBefore;
        synchronized (this) {
            long now = clock.getAsLong();
            Window w = windows.computeIfAbsent(uid, k -> new Window());
            suppressedBefore = 0;
            if (w.logged == 0 && w.suppressed == 0 || now - w.startNanos >= intervalNanos) {
                suppressedBefore = w.suppressed;
                w.startNanos = now;
                w.logged = 0;
                w.suppressed = 0;
                if (windows.size() > 1024) {
                    forgetQuiet(now);
                }
            }
            if (w.logged >= linesPerInterval) {
                w.suppressed++;
                return;
            }
            w.logged++;
        }
        if (suppressedBefore > 0) {
            log.warn("uid {}: {} more refusals were not logged in the last {} s", uid, suppressedBefore,
                    intervalNanos / 1_000_000_000L);
        }
        log.warn(format, args);
    }

    /** Uids whose window ended with nothing suppressed need no state. */
    private void forgetQuiet(long now) {
        for (Iterator<Window> it = windows.values().iterator(); it.hasNext(); ) {
            Window w = it.next();
            if (now - w.startNanos >= intervalNanos && w.suppressed == 0) {
                it.remove();
            }
        }
    }
}
