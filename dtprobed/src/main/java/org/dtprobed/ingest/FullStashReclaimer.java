package org.dtprobed.ingest;

import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * When a commit finds the stash full, the registrations of processes that have died since the
 * last periodic pruning are usually what fills it (a fork storm of short-lived children each
 * registers once): prune them now, so the caller is refused only when the stash really is full
 * of live processes. At most one pruning runs at a time, concurrent callers that hit FULL wait for
 * it rather than prune again, and after a pass that found nothing to remove the next one waits
 * {@code minIntervalNanos}, so a stash full of live processes costs each caller an errno, not a
 * scan of {@code /proc}.
 */
final class FullStashReclaimer {
    private final Supplier<Integer> prune;
    private final LongSupplier clock;
    private final long minIntervalNanos;
    private long passes;
    private long fruitlessPassNanos;
    private boolean fruitless;

    /** @param prune one pruning pass; returns how many registrations it removed */
    FullStashReclaimer(Supplier<Integer> prune, LongSupplier clock, long minIntervalNanos) {
        this.prune = prune;
        this.clock = clock;
        this.minIntervalNanos = minIntervalNanos;
    }

    /** How many passes have run; read before the commit whose FULL is then passed to {@link #reclaim}. */
    synchronized long passes() {
        return passes;
    }

    /**
     * Makes room after a commit failed with FULL.
     *
     * @param passesBefore {@link #passes()} read before that commit
     * @return whether a retry can succeed: this pass removed something, or another one ran since
     *         {@code passesBefore}
     */
    synchronized boolean reclaim(long passesBefore) {
        if (passes != passesBefore) {
            return true; // another caller pruned while this one was committing
        }
        if (fruitless && clock.getAsLong() - fruitlessPassNanos < minIntervalNanos) {
            return false;
        }
        int removed = prune.get();
        passes++;
        fruitless = removed == 0;
        fruitlessPassNanos = clock.getAsLong();
        return removed > 0;
    }
}
