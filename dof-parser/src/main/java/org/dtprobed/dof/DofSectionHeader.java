package org.dtprobed.dof;

/**
 * {@code dof_sec_t}: one 32-byte section header (reference §3.3).
 *
 * @param index   position in the section table
 * @param type    a {@link DofSectionType} value
 * @param align   required alignment of {@code offset}, a power of two
 * @param flags   {@link #FLAG_LOAD} for sections a client hands over
 * @param entrySize size of one entry for table sections, else 0
 * @param offset  offset of the section data from the start of the DOF
 * @param size    size of the section data
 */
public record DofSectionHeader(int index, int type, long align, long flags, long entrySize,
                               long offset, long size) {
    public static final int SIZE = 32;

    public static final int OFF_TYPE = 0;
    public static final int OFF_ALIGN = 4;
    public static final int OFF_FLAGS = 8;
    public static final int OFF_ENTSIZE = 12;
    public static final int OFF_OFFSET = 16;
    public static final int OFF_SIZE = 24;

    public static final long FLAG_LOAD = 1;

    public boolean loaded() {
        return (flags & FLAG_LOAD) != 0;
    }

    static DofSectionHeader read(DofInput in, int index, long at) throws DofFormatException {
        DofRule r = DofRule.SECTION_TABLE_OUT_OF_BOUNDS;
        return new DofSectionHeader(index, (int) in.u32(at + OFF_TYPE, r), in.u32(at + OFF_ALIGN, r),
                in.u32(at + OFF_FLAGS, r), in.u32(at + OFF_ENTSIZE, r), in.u64(at + OFF_OFFSET, r),
                in.u64(at + OFF_SIZE, r));
    }
}
