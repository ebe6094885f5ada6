package org.dtprobed.dof;

/** Section type numbers ({@code DOF_SECT_*}, reference §3.3). */
public final class DofSectionType {
    public static final int NONE = 0;
    public static final int COMMENTS = 1;
    public static final int SOURCE = 2;
    public static final int STRTAB = 8;
    public static final int RELTAB = 10;
    public static final int URELHDR = 12;
    public static final int PROVIDER = 15;
    public static final int PROBES = 16;
    public static final int PRARGS = 17;
    public static final int PROFFS = 18;
    public static final int UTSNAME = 20;
    public static final int PRENOFFS = 26;

    /** {@code DOF_SECIDX_NONE} / {@code DOF_STRIDX_NONE}. */
    public static final long INDEX_NONE = 0xFFFF_FFFFL;

    private static final String[] NAMES = {
        "NONE", "COMMENTS", "SOURCE", "ECBDESC", "PROBEDESC", "ACTDESC", "DIFOHDR", "DIF",
        "STRTAB", "VARTAB", "RELTAB", "TYPTAB", "URELHDR", "KRELHDR", "OPTDESC", "PROVIDER",
        "PROBES", "PRARGS", "PROFFS", "INTTAB", "UTSNAME", "XLTAB", "XLMEMBERS", "XLIMPORT",
        "XLEXPORT", "PREXPORT", "PRENOFFS",
    };

    private DofSectionType() {
    }

    /** {@code DOF_SEC_ISLOADABLE}: every known type except NONE, COMMENTS, SOURCE and UTSNAME. */
    public static boolean isLoadable(int type) {
        return (type >= 3 && type <= 19) || (type >= 21 && type <= 26);
    }

    public static String name(int type) {
        return type >= 0 && type < NAMES.length ? NAMES[type] : "type " + Integer.toUnsignedString(type);
    }
}
