package org.dtprobed.stash;

/**
 * How one Chronicle Map file is sized when it is created (fixed afterwards; Chronicle preallocates
 * the whole file). {@code maxBloatFactor} lets it grow by extra tiers up to that multiple before
 * refusing with {@link StashException.Kind#FULL}.
 */
public record MapSizing(long entries, int averageValueBytes, double maxBloatFactor) {
    public MapSizing {
        if (entries < 1 || averageValueBytes < 1 || maxBloatFactor < 1 || maxBloatFactor > 1000) {
            throw new IllegalArgumentException("map sizing needs entries >= 1, averageValueBytes >= 1, "
                    + "maxBloatFactor in [1, 1000]; got " + entries + ", " + averageValueBytes + ", " + maxBloatFactor);
        }
    }
}
