package org.dtprobed.health;

import java.time.Duration;
import java.util.Optional;

/**
 * The pulse of one loop that must keep turning (the FUSE reader, the parsers' deadline timer): the loop
 * beats on every turn, and a beat older than the loop's own bound means it is stuck, which
 * stops the systemd watchdog pings ({@link Watchdog}).
 */
public final class Heartbeat {
    private final String name;
    private final long stuckAfterNanos;
    private volatile long lastNanos = System.nanoTime();

    /**
     * @param name       says which loop in the log line
     * @param stuckAfter the longest a healthy loop goes between beats (its poll period plus the
     *                   longest piece of work it may do in between)
     */
    public Heartbeat(String name, Duration stuckAfter) {
        if (stuckAfter.isNegative() || stuckAfter.isZero()) {
            throw new IllegalArgumentException("stuckAfter must be positive, got " + stuckAfter);
        }
        this.name = name;
        this.stuckAfterNanos = stuckAfter.toNanos();
    }

    public void beat() {
        lastNanos = System.nanoTime();
    }

    public String name() {
        return name;
    }

    /** How long since the last beat, when that is beyond the bound. */
    public Optional<Duration> stuckFor(long nowNanos) {
        long age = nowNanos - lastNanos;
        return age > stuckAfterNanos ? Optional.of(Duration.ofNanos(age)) : Optional.empty();
    }
}
