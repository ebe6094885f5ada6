package org.dtprobed.dof;

/** {@code dof_probe_t}: one 48-byte entry of a PROBES section (reference §3.4). */
public record DofProbeRecord(long addr, long func, long name, long nargv, long xargv, long argidx,
                             long offidx, int nargc, int xargc, int noffs, long enoffidx, int nenoffs,
                             int pad1, long pad2) {
    public static final int SIZE = 48;

    public static final int OFF_ADDR = 0;
    public static final int OFF_FUNC = 8;
    public static final int OFF_NAME = 12;
    public static final int OFF_NARGV = 16;
    public static final int OFF_XARGV = 20;
    public static final int OFF_ARGIDX = 24;
    public static final int OFF_OFFIDX = 28;
    public static final int OFF_NARGC = 32;
    public static final int OFF_XARGC = 33;
    public static final int OFF_NOFFS = 34;
    public static final int OFF_ENOFFIDX = 36;
    public static final int OFF_NENOFFS = 40;
    public static final int OFF_PAD1 = 42;
    public static final int OFF_PAD2 = 44;

    /** Reads the entry at {@code at}; {@code addr} is the (possibly relocated) value passed in. */
    static DofProbeRecord read(DofInput in, long at, long addr) throws DofFormatException {
        DofRule r = DofRule.BAD_PROBES_SECTION;
        return new DofProbeRecord(addr, in.u32(at + OFF_FUNC, r), in.u32(at + OFF_NAME, r),
                in.u32(at + OFF_NARGV, r), in.u32(at + OFF_XARGV, r), in.u32(at + OFF_ARGIDX, r),
                in.u32(at + OFF_OFFIDX, r), in.u8(at + OFF_NARGC, r), in.u8(at + OFF_XARGC, r),
                in.u16(at + OFF_NOFFS, r), in.u32(at + OFF_ENOFFIDX, r), in.u16(at + OFF_NENOFFS, r),
                in.u16(at + OFF_PAD1, r), in.u32(at + OFF_PAD2, r));
    }
}
