package org.dtprobed.stash;

/**
 * How one Chronicle Map file is sized when it is created (fixed afterwards; Chronicle preallocates
 * the whole file). The stash refuses a commit beyond {@code entries}, or beyond
 * {@code entries x averageValueBytes} of values, with {@link StashException.Kind#FULL}.
 * {@code maxBloatFactor} 1 still lets Chronicle 2026.1 chain one bulk of 16 extra tiers (measured,
 * issue 20); larger factors allow more, and its recovery was once seen to lose extra-tier entries
 * after a kill during a tier allocation (docs/STASH-FORMAT.md).
 */
public record MapSizing(long entries, int averageValueBytes, double maxBloatFactor) {
    public MapSizing {
        if (entries < 1 || averageValueBytes < 1 || maxBloatFactor < 1 || maxBloatFactor > 1000) {
            throw new IllegalArgumentException("map sizing needs entries >= 1, averageValueBytes >= 1, "
                    + "maxBloatFactor in [1, 1000]; got " + entries + ", " + averageValueBytes + ", " + maxBloatFactor);
        }
    }
}
