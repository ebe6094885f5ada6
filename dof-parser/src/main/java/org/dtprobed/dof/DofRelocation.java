package org.dtprobed.dof;

/**
 * {@code dof_relohdr_t} (a URELHDR section body) and {@code dof_relodesc_t} (one RELTAB entry),
 * reference §3.4–3.5.
 */
public final class DofRelocation {
    public static final int HEADER_SIZE = 12;
    public static final int HDR_OFF_STRTAB = 0;
    public static final int HDR_OFF_RELSEC = 4;
    public static final int HDR_OFF_TGTSEC = 8;

    public static final int DESC_SIZE = 24;
    public static final int DESC_OFF_NAME = 0;
    public static final int DESC_OFF_TYPE = 4;
    public static final int DESC_OFF_OFFSET = 8;
    public static final int DESC_OFF_DATA = 16;

    public static final int TYPE_NONE = 0;
    public static final int TYPE_SETX = 1;

    /** URELHDR alignment required by the parser. */
    public static final int HEADER_ALIGN = 4;
    /** RELTAB alignment required by the parser. */
    public static final int TABLE_ALIGN = 8;

    private DofRelocation() {
    }
}
