package org.dtprobed.dof;

/**
 * {@code dof_provider_t}: the body of a PROVIDER section (reference §3.4). Version-1 DOF carries
 * only the first {@link #SIZE_V1} bytes; later versions add {@code prenoffs}.
 */
public record DofProviderRecord(long strtab, long probes, long prargs, long proffs, long name,
                                ProviderAttributes attributes, long prenoffs) {
    public static final int SIZE_V1 = 40;
    public static final int SIZE = 44;

    public static final int OFF_STRTAB = 0;
    public static final int OFF_PROBES = 4;
    public static final int OFF_PRARGS = 8;
    public static final int OFF_PROFFS = 12;
    public static final int OFF_NAME = 16;
    public static final int OFF_PROVATTR = 20;
    public static final int OFF_MODATTR = 24;
    public static final int OFF_FUNCATTR = 28;
    public static final int OFF_NAMEATTR = 32;
    public static final int OFF_ARGSATTR = 36;
    public static final int OFF_PRENOFFS = 40;

    /** {@code prenoffs == 0} (DOF_SECT_NONE) means "no is-enabled offsets section". */
    public static final long NO_PRENOFFS = 0;

    static DofProviderRecord read(DofInput in, long at, boolean hasPrenoffs) throws DofFormatException {
        DofRule r = DofRule.BAD_PROVIDER_SECTION;
        ProviderAttributes attrs = new ProviderAttributes((int) in.u32(at + OFF_PROVATTR, r),
                (int) in.u32(at + OFF_MODATTR, r), (int) in.u32(at + OFF_FUNCATTR, r),
                (int) in.u32(at + OFF_NAMEATTR, r), (int) in.u32(at + OFF_ARGSATTR, r));
        return new DofProviderRecord(in.u32(at + OFF_STRTAB, r), in.u32(at + OFF_PROBES, r),
                in.u32(at + OFF_PRARGS, r), in.u32(at + OFF_PROFFS, r), in.u32(at + OFF_NAME, r),
                attrs, hasPrenoffs ? in.u32(at + OFF_PRENOFFS, r) : NO_PRENOFFS);
    }
}
