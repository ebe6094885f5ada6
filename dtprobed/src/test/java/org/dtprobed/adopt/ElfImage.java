package org.dtprobed.adopt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A small little-endian ELF64 object for tests: header, a {@code .SUNW_dof} section holding the
 * given bytes (or none), {@code .shstrtab}, and the section table at the end. Offsets are public
 * so that tests can break one field at a time.
 */
final class ElfImage {
    static final int HEADER = 64;
    static final int SHENT = 64;
    static final int OFF_SHOFF = 40;
    static final int OFF_SHENTSIZE = 58;
    static final int OFF_SHNUM = 60;
    static final int OFF_SHSTRNDX = 62;
    static final int SH_OFF_NAME = 0;
    static final int SH_OFF_TYPE = 4;
    static final int SH_OFF_ADDR = 16;
    static final int SH_OFF_OFFSET = 24;
    static final int SH_OFF_SIZE = 32;
    static final long DOF_ADDRESS = 0x2000;

    private ElfImage() {
    }

    /** @param dof the section's bytes, or null for an object without {@code .SUNW_dof} */
    static byte[] build(int type, byte[] dof) {
        byte[] names = "\0.SUNW_dof\0.shstrtab\0".getBytes(StandardCharsets.US_ASCII);
        int dofLen = dof == null ? 0 : dof.length;
        int dofAt = HEADER;
        int namesAt = align8(dofAt + dofLen);
        int shoff = align8(namesAt + names.length);
        int shnum = dof == null ? 2 : 3;
        ByteBuffer b = ByteBuffer.allocate(shoff + shnum * SHENT).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(16, (short) type).putShort(18, (short) 62).putInt(20, 1);
        b.putLong(OFF_SHOFF, shoff).putShort(52, (short) HEADER).putShort(OFF_SHENTSIZE, (short) SHENT);
        b.putShort(OFF_SHNUM, (short) shnum).putShort(OFF_SHSTRNDX, (short) (shnum - 1));
        if (dof != null) {
            b.put(dofAt, dof);
            section(b, shoff + SHENT, 1, 1, DOF_ADDRESS, dofAt, dofLen);
        }
        b.put(namesAt, names);
        section(b, shoff + (shnum - 1) * SHENT, 11, 3, 0, namesAt, names.length);
        return b.array();
    }

    static int sectionHeader(byte[] elf, int index) {
        return (int) ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN).getLong(OFF_SHOFF) + index * SHENT;
    }

    private static void section(ByteBuffer b, int at, int name, int type, long addr, long offset, long size) {
        b.putInt(at + SH_OFF_NAME, name).putInt(at + SH_OFF_TYPE, type).putLong(at + SH_OFF_ADDR, addr)
                .putLong(at + SH_OFF_OFFSET, offset).putLong(at + SH_OFF_SIZE, size);
    }

    private static int align8(int n) {
        return (n + 7) & ~7;
    }
}
