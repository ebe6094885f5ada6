package org.dtprobed.stash;

/**
 * How one Chronicle Map file is sized when it is created (fixed afterwards; Chronicle preallocates
 * the whole file). The stash refuses a commit beyond {@code entries} with
 * {@link StashException.Kind#FULL}. {@code maxBloatFactor} above 1 would let Chronicle grow the
 * file by extra tiers; the defaults keep it at 1 because Chronicle 2026.1's recovery was seen to
 * lose the entries of extra tiers after a kill during a tier allocation (docs/STASH-FORMAT.md).
 */
public record MapSizing(long entries, int averageValueBytes, double maxBloatFactor) {
    public MapSizing {
        if (entries < 1 || averageValueBytes < 1 || maxBloatFactor < 1 || maxBloatFactor > 1000) {
            throw new IllegalArgumentException("map sizing needs entries >= 1, averageValueBytes >= 1, "
                    + "maxBloatFactor in [1, 1000]; got " + entries + ", " + averageValueBytes + ", " + maxBloatFactor);
        }
    }
}
