package org.dtprobed.dof;

/**
 * Counts what a parse result takes as it is built, probe by probe, and refuses the DOF as soon as
 * the count passes {@link DofLimits#maxResultBytes()}: the parser's memory stays within the bound
 * plus one probe (at most 510 argument types of 128 bytes), however the blob shares its strings.
 * The measure is the result's encoded size, roughly: string bytes plus a length word each, eight
 * bytes per offset and site, and a fixed part per probe.
 */
public final class ResultBudget {
    private static final int PROBE_FIXED_BYTES = 48;
    private final long limit;
    private long used;

    ResultBudget(long limit) {
        this.limit = limit;
    }

    void charge(ParsedProbe p, int section, int probe) throws DofFormatException {
        used += bytesOf(p);
        if (used > limit) {
            throw new DofFormatException(DofRule.RESULT_TOO_LARGE, section, probe,
                    "the result reaches " + used + " bytes at this probe, maximum " + limit);
        }
    }

    /** The measure of a whole result (for caches bounded in bytes); at most the limit it parsed under. */
    public static long bytesOf(ParsedDof d) {
        long n = 0;
        for (ParsedProvider p : d.providers()) {
            n += text(p.name());
            for (ParsedProbe probe : p.probes()) {
                n += bytesOf(probe);
            }
        }
        return n;
    }

    private static long bytesOf(ParsedProbe p) {
        long n = PROBE_FIXED_BYTES + text(p.function()) + text(p.name());
        for (String t : p.nativeTypes()) {
            n += text(t);
        }
        for (String t : p.translatedTypes()) {
            n += text(t);
        }
        return n + 4L * p.argmap().size() + 8L * (p.offsets().size() + p.enabledOffsets().size())
                + 9L * p.storedSites().size();
    }

    private static long text(String s) {
        return 4L + s.length();
    }
}
