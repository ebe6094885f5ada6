package org.dtprobed.dof;

/**
 * Bounds the parser enforces beyond the format itself. Every count is also bounded by the bytes
 * present, so these only cap how much work one blob may cause.
 *
 * <p>The load size is bounded far below dtprobed's 256 MiB: a parser child (256 MiB of heap)
 * holds the request frame, the blob, the result and its encoding at once, and the stash's raw-DOF
 * file holds 16 MiB in all; a real DOF is a few KiB (the corpus's largest, 100 probes, is
 * 8.4 KiB). The result is bounded on its own because a small blob can describe a large one: probes
 * that share one long argument-type list (52 KB of DOF decoded to 27 MB, issue 19).
 *
 * @param maxLoadSize    DOF whose load size is at least this is refused with E2BIG
 * @param maxSections    most section headers accepted
 * @param maxProbes      most probes accepted over all providers
 * @param maxResultBytes most bytes the parse result may take ({@link ResultBudget}'s measure,
 *                       close to its encoded size); a larger one is refused with EOVERFLOW
 */
public record DofLimits(long maxLoadSize, int maxSections, int maxProbes, long maxResultBytes) {
    public static final long DEFAULT_MAX_LOAD_SIZE = 8L * 1024 * 1024;
    public static final int DEFAULT_MAX_SECTIONS = 65_536;
    public static final int DEFAULT_MAX_PROBES = 1_000_000;
    public static final long DEFAULT_MAX_RESULT_BYTES = 8L * 1024 * 1024;

    public static final DofLimits DEFAULT =
            new DofLimits(DEFAULT_MAX_LOAD_SIZE, DEFAULT_MAX_SECTIONS, DEFAULT_MAX_PROBES, DEFAULT_MAX_RESULT_BYTES);

    public DofLimits {
        if (maxLoadSize < DofHeader.SIZE || maxSections < 1 || maxProbes < 1 || maxResultBytes < 1) {
            throw new IllegalArgumentException("limits must be positive and admit at least a header");
        }
    }

    /** The default result bound with these other limits. */
    public DofLimits(long maxLoadSize, int maxSections, int maxProbes) {
        this(maxLoadSize, maxSections, maxProbes, DEFAULT_MAX_RESULT_BYTES);
    }
}
