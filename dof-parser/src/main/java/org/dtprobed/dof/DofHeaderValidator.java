package org.dtprobed.dof;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Validates a {@code dof_hdr_t} on its own (reference §3.6 "Header", plus the section-header size
 * check dtprobed lacks). The privileged daemon runs only this on untrusted bytes, to learn the one
 * load size it will fetch; everything past the header is checked by {@link DofParser} in the jail.
 */
public final class DofHeaderValidator {
    private final DofLimits limits;

    public DofHeaderValidator(DofLimits limits) {
        this.limits = limits;
    }

    /** Validates the first 64 bytes at the buffer's position; the rest of the blob need not be present. */
    public DofHeader validate(ByteBuffer first) throws DofFormatException {
        if (first.remaining() < DofHeader.SIZE) {
            throw new DofFormatException(DofRule.HEADER_TRUNCATED, "got " + first.remaining() + " bytes");
        }
        DofInput in = new DofInput(first, DofHeader.SIZE);
        byte[] ident = in.bytes(DofHeader.OFF_IDENT, DofHeader.ID_SIZE);
        DofHeader h = DofHeader.read(in);
        checkIdent(ident, h);
        checkSizes(h);
        return h;
    }

    private static void checkIdent(byte[] ident, DofHeader h) throws DofFormatException {
        if (!Arrays.equals(ident, DofHeader.ID_MAG0, DofHeader.ID_MAG0 + 4, DofHeader.MAGIC, 0, 4)) {
            throw new DofFormatException(DofRule.BAD_MAGIC, "");
        }
        if (h.model() != DofHeader.MODEL_ILP32 && h.model() != DofHeader.MODEL_LP64) {
            throw new DofFormatException(DofRule.BAD_MODEL, "model " + h.model());
        }
        if (h.encoding() != DofHeader.ENCODE_LSB) {
            throw new DofFormatException(DofRule.BAD_ENCODING, "encoding " + h.encoding());
        }
        if (h.version() < DofHeader.VERSION_1 || h.version() > DofHeader.VERSION_3) {
            throw new DofFormatException(DofRule.BAD_VERSION, "version " + h.version());
        }
        if (h.difVersion() != DofHeader.DIF_VERSION_2) {
            throw new DofFormatException(DofRule.BAD_DIF_VERSION, "DIF version " + h.difVersion());
        }
        if (h.difIntRegs() > DofHeader.DIF_MAX_REGS || h.difTupleRegs() > DofHeader.DIF_MAX_REGS) {
            throw new DofFormatException(DofRule.BAD_DIF_REGISTERS,
                    "integer " + h.difIntRegs() + ", tuple " + h.difTupleRegs());
        }
        for (int i = DofHeader.ID_PAD; i < DofHeader.ID_SIZE; i++) {
            if (ident[i] != 0) {
                throw new DofFormatException(DofRule.NONZERO_IDENT_PAD, "byte " + i + " is " + (ident[i] & 0xFF));
            }
        }
        if (h.flags() != 0) {
            throw new DofFormatException(DofRule.NONZERO_FLAGS, "flags 0x" + Long.toHexString(h.flags()));
        }
    }

    private void checkSizes(DofHeader h) throws DofFormatException {
        long load = h.loadSize();
        if (load < 0 || load >= limits.maxLoadSize()) {
            throw new DofFormatException(DofRule.LOAD_SIZE_TOO_LARGE,
                    "load size " + Long.toUnsignedString(load) + ", maximum " + (limits.maxLoadSize() - 1));
        }
        if (load < DofHeader.SIZE) {
            throw new DofFormatException(DofRule.LOAD_SIZE_TOO_SMALL, "load size " + load);
        }
        if (h.sectionHeaderSize() < DofSectionHeader.SIZE) {
            throw new DofFormatException(DofRule.BAD_SECTION_HEADER_SIZE,
                    "section header size " + h.sectionHeaderSize() + " is below " + DofSectionHeader.SIZE);
        }
        long tableLength = h.sectionCount() * h.sectionHeaderSize(); // both u32: no overflow in 64 bits
        long off = h.sectionOffset();
        if (off < 0 || off > load || tableLength > load || off + tableLength > load) {
            throw new DofFormatException(DofRule.SECTION_TABLE_OUT_OF_BOUNDS, "offset "
                    + Long.toUnsignedString(off) + ", " + h.sectionCount() + " x " + h.sectionHeaderSize()
                    + " bytes, load size " + load);
        }
        if (off % 8 != 0 || h.sectionHeaderSize() % 8 != 0) {
            throw new DofFormatException(DofRule.SECTION_TABLE_MISALIGNED,
                    "offset " + off + ", section header size " + h.sectionHeaderSize());
        }
        if (off < DofHeader.SIZE && h.sectionCount() > 0) {
            throw new DofFormatException(DofRule.SECTION_TABLE_OUT_OF_BOUNDS,
                    "section headers at offset " + off + " overlap the DOF header");
        }
        if (h.sectionCount() > limits.maxSections()) {
            throw new DofFormatException(DofRule.TOO_MANY_SECTIONS,
                    h.sectionCount() + " sections, limit " + limits.maxSections());
        }
    }
}
