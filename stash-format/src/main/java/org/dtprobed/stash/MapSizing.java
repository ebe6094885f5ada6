package org.dtprobed.stash;

/**
 * How one of the stash's variable-size files (pid records, negative cache, meta) is sized when it
 * is created; fixed afterwards. The slotted files (registrations, raw DOF, parse cache, chunks) are
 * sized by entry count alone ({@link StashConfig}), their value sizes being part of the layout.
 */
public record MapSizing(long entries, int averageValueBytes, double maxBloatFactor) {
    public MapSizing {
        if (entries < 1 || averageValueBytes < 1 || maxBloatFactor < 1 || maxBloatFactor > 1000) {
            throw new IllegalArgumentException("map sizing needs entries >= 1, averageValueBytes >= 1, "
                    + "maxBloatFactor in [1, 1000]; got " + entries + ", " + averageValueBytes + ", " + maxBloatFactor);
        }
    }
}
