package org.dtprobed.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for an event instead of sleeping for a guess. The bound is a liveness limit for a
 * machine that is several times slower than usual, never a timing assertion: when it runs out,
 * the failure says what was awaited and what was last seen.
 */
public final class Await {
    /** Generous enough for a 2-core machine under a full CPU hog. */
    public static final Duration LIVENESS = Duration.ofMinutes(3);
    /** The first look comes soon; later ones back off, since a condition may cost a socket round trip or a process. */
    private static final long FIRST_POLL_MILLIS = 10;
    private static final long MAX_POLL_MILLIS = 250;

    private Await() {
    }

    /** Polls {@code condition} until it holds, for at most {@link #LIVENESS}. */
    public static void until(String what, BooleanSupplier condition) throws InterruptedException {
        until(what, LIVENESS, condition, () -> "");
    }

    /** Polls {@code condition} until it holds; {@code state} describes what was seen, for the failure. */
    public static void until(String what, Duration limit, BooleanSupplier condition, Supplier<String> state)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        long poll = FIRST_POLL_MILLIS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                String seen = state.get();
                throw new AssertionError("not seen within " + limit + " (a liveness bound): " + what
                        + (seen.isEmpty() ? "" : "; last seen: " + seen));
            }
            Thread.sleep(poll);
            poll = Math.min(MAX_POLL_MILLIS, poll * 2);
        }
    }
}
