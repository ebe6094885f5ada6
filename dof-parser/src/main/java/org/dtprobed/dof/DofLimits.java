package org.dtprobed.dof;

/**
 * Bounds the parser enforces beyond the format itself. Every count is also bounded by the bytes
 * present, so these only cap how much work one blob may cause.
 *
 * @param maxLoadSize DOF whose load size is at least this is refused with E2BIG (dtprobed: 256 MiB)
 * @param maxSections most section headers accepted
 * @param maxProbes   most probes accepted over all providers
 */
public record DofLimits(long maxLoadSize, int maxSections, int maxProbes) {
    public static final long DEFAULT_MAX_LOAD_SIZE = 256L * 1024 * 1024;
    public static final int DEFAULT_MAX_SECTIONS = 65_536;
    public static final int DEFAULT_MAX_PROBES = 1_000_000;

    public static final DofLimits DEFAULT =
            new DofLimits(DEFAULT_MAX_LOAD_SIZE, DEFAULT_MAX_SECTIONS, DEFAULT_MAX_PROBES);

    public DofLimits {
        if (maxLoadSize < DofHeader.SIZE || maxSections < 1 || maxProbes < 1) {
            throw new IllegalArgumentException("limits must be positive and admit at least a header");
        }
    }
}
