package org.dtprobed.dof;

/**
 * {@code dof_hdr_t}: the 64-byte header that starts every DOF blob (reference §3.2).
 *
 * @param model     {@link #MODEL_ILP32} or {@link #MODEL_LP64}
 * @param encoding  {@link #ENCODE_LSB} on every platform this daemon runs on
 * @param version   1, 2 or 3; is-enabled sites are honoured only for 3
 * @param difVersion DIF version, must be 2
 * @param difIntRegs DIF integer registers, at most 8
 * @param difTupleRegs DIF tuple registers, at most 8
 * @param flags     must be 0
 * @param headerSize as written (64 by every producer; not checked, as in dtprobed)
 * @param sectionHeaderSize size of one {@code dof_sec_t}, at least 32
 * @param sectionCount number of section headers
 * @param sectionOffset offset of the first section header
 * @param loadSize  bytes a client hands over: header, section headers, loadable data
 * @param fileSize  bytes including non-loadable data (not checked, as in dtprobed)
 */
public record DofHeader(int model, int encoding, int version, int difVersion, int difIntRegs,
                        int difTupleRegs, long flags, long headerSize, long sectionHeaderSize,
                        long sectionCount, long sectionOffset, long loadSize, long fileSize) {
    public static final int SIZE = 64;

    public static final int OFF_IDENT = 0;
    public static final int OFF_FLAGS = 16;
    public static final int OFF_HDRSIZE = 20;
    public static final int OFF_SECSIZE = 24;
    public static final int OFF_SECNUM = 28;
    public static final int OFF_SECOFF = 32;
    public static final int OFF_LOADSZ = 40;
    public static final int OFF_FILESZ = 48;
    public static final int OFF_PAD = 56;

    public static final int ID_MAG0 = 0;
    public static final int ID_MODEL = 4;
    public static final int ID_ENCODING = 5;
    public static final int ID_VERSION = 6;
    public static final int ID_DIFVERS = 7;
    public static final int ID_DIFIREG = 8;
    public static final int ID_DIFTREG = 9;
    public static final int ID_PAD = 10;
    public static final int ID_SIZE = 16;

    public static final byte[] MAGIC = {0x7F, 'D', 'O', 'F'};
    public static final int MODEL_ILP32 = 1;
    public static final int MODEL_LP64 = 2;
    public static final int ENCODE_LSB = 1;
    public static final int VERSION_1 = 1;
    public static final int VERSION_2 = 2;
    public static final int VERSION_3 = 3;
    public static final int DIF_VERSION_2 = 2;
    public static final int DIF_MAX_REGS = 8;

    /** Reads the header fields without judging them; {@code in} holds at least {@link #SIZE} bytes. */
    static DofHeader read(DofInput in) throws DofFormatException {
        DofRule r = DofRule.HEADER_TRUNCATED;
        return new DofHeader(in.u8(ID_MODEL, r), in.u8(ID_ENCODING, r), in.u8(ID_VERSION, r),
                in.u8(ID_DIFVERS, r), in.u8(ID_DIFIREG, r), in.u8(ID_DIFTREG, r),
                in.u32(OFF_FLAGS, r), in.u32(OFF_HDRSIZE, r), in.u32(OFF_SECSIZE, r),
                in.u32(OFF_SECNUM, r), in.u64(OFF_SECOFF, r), in.u64(OFF_LOADSZ, r),
                in.u64(OFF_FILESZ, r));
    }
}
