package org.dtprobed.health;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * systemd's watchdog ({@code WatchdogSec=}): every half interval, a ping — but only while every
 * heartbeat is fresh. A ping from a timer alone would say nothing; this one says that the FUSE
 * reader and the parsers' deadline timer still turn, so systemd restarts a daemon whose device hangs.
 */
public final class Watchdog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);
    private static final long PID = ProcessHandle.current().pid();

    private final Supplier<List<Heartbeat>> heartbeats;
    private final Runnable ping;
    private final ScheduledExecutorService timer;
    private volatile boolean withheld;

    private Watchdog(Duration every, Supplier<List<Heartbeat>> heartbeats, Runnable ping) {
        this.heartbeats = heartbeats;
        this.ping = ping;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dtprobed-watchdog");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::check, 0, every.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Pings every {@code every} while all heartbeats are fresh. */
    public static Watchdog start(Duration every, Supplier<List<Heartbeat>> heartbeats, Runnable ping) {
        return new Watchdog(every, heartbeats, ping);
    }

    /**
     * The ping period systemd asks for: half of {@code WATCHDOG_USEC}, when that is set and
     * {@code WATCHDOG_PID} (if set) is this process.
     */
    public static Optional<Duration> period(Map<String, String> env) {
        String usec = env.get("WATCHDOG_USEC");
        if (usec == null || usec.isBlank()) {
            return Optional.empty();
        }
        String pid = env.get("WATCHDOG_PID");
        if (pid != null && !pid.isBlank() && !pid.trim().equals(Long.toString(PID))) {
            return Optional.empty();
        }
        try {
            long us = Long.parseLong(usec.trim());
            return us > 0 ? Optional.of(Duration.ofNanos(us * 1000 / 2)) : Optional.empty();
        } catch (NumberFormatException e) {
            LOG.warn("pid {}: WATCHDOG_USEC '{}' is not a number; no watchdog pings", PID, usec);
            return Optional.empty();
        }
    }

    private void check() {
        try {
            long now = System.nanoTime();
            for (Heartbeat h : heartbeats.get()) {
                Optional<Duration> stuck = h.stuckFor(now);
                if (stuck.isPresent()) {
                    if (!withheld) {
                        LOG.error("pid {}: {} has not turned for {} ms: watchdog pings withheld", PID, h.name(),
                                stuck.get().toMillis());
                        withheld = true;
                    }
                    return;
                }
            }
            if (withheld) {
                LOG.warn("pid {}: every loop turns again: watchdog pings resumed", PID);
                withheld = false;
            }
            ping.run();
        } catch (RuntimeException e) {
            LOG.error("pid {}: watchdog check failed; no ping this time", PID, e);
        }
    }

    /** Whether the last check found a stuck loop and sent no ping. */
    public boolean withheld() {
        return withheld;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
