package org.dtprobed.dof;

/**
 * Reads NUL-terminated strings out of one STRTAB section. A string must start inside the
 * section and end within it, and is shorter than the bound DTrace gives its kind; the scan for
 * the NUL stops at that bound, so hostile tables cost at most that many bytes per string.
 */
final class StringTable {
    /** {@code DTRACE_PROVNAMELEN}: provider names are shorter than this. */
    static final int PROVIDER_NAME_MAX = 64;
    /** {@code DTRACE_FUNCNAMELEN}. */
    static final int FUNCTION_NAME_MAX = 128;
    /** {@code DTRACE_NAMELEN}. */
    static final int PROBE_NAME_MAX = 64;
    /** {@code DTRACE_ARGTYPELEN}. */
    static final int ARG_TYPE_MAX = 128;

    private final DofInput in;
    private final DofSectionHeader section;
    private final int start;
    private final int end;
    /** Set by {@link #read} to the position just past the string's NUL. */
    private int next;
    /** Set by {@link #read}: whether the string was valid UTF-8. */
    private boolean validUtf8;

    StringTable(DofInput in, DofSectionHeader section) {
        this.in = in;
        this.section = section;
        this.start = (int) section.offset();
        this.end = (int) (section.offset() + section.size());
    }

    int sectionIndex() {
        return section.index();
    }

    long size() {
        return section.size();
    }

    /**
     * The string at {@code index}; shorter than {@code max} bytes or refused.
     *
     * @param what   names the string in an error ("probe name")
     * @param probe  probe index for the error, or {@link DofFormatException#NONE}
     */
    String read(long index, int max, String what, int from, int probe) throws DofFormatException {
        if (index < 0 || index >= section.size()) {
            throw new DofFormatException(DofRule.STRING_OUT_OF_BOUNDS, from, probe,
                    what + " at index " + index + ", string table " + section.index() + " has "
                            + section.size() + " bytes");
        }
        int first = start + (int) index;
        int limit = (int) Math.min(end, (long) first + max);
        int nul = in.indexOfNul(first, limit);
        if (nul < 0) {
            throw new DofFormatException(limit < end ? DofRule.STRING_TOO_LONG : DofRule.STRING_OUT_OF_BOUNDS,
                    from, probe, what + " at index " + index + (limit < end
                            ? " is " + max + " bytes or longer" : " is not NUL-terminated"));
        }
        next = nul + 1 - start;
        if (in.isAscii(first, nul)) {
            validUtf8 = true;
            return in.ascii(first, nul);
        }
        String s = in.string(first, nul);
        validUtf8 = Utf8.isValid(in.bytes(first, nul - first));
        return s;
    }

    /** The index just past the last string read: where a consecutive type list continues. */
    long next() {
        return next;
    }

    boolean lastWasUtf8() {
        return validUtf8;
    }
}
