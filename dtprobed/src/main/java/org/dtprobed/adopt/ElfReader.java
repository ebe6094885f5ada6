package org.dtprobed.adopt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Finds the {@code .SUNW_dof} section of an ELF object (what {@code dtrace -G} links in, and drti's
 * {@code __SUNW_dof} points at). Its input is any file a process has mapped executable, read as root:
 * hostile. So every offset, count and size is checked against the file's size and a fixed bound
 * before anything is read or allocated (all arithmetic in {@code long}), at most {@link
 * #MAX_SECTION_TABLE} bytes of section headers and {@link #MAX_NAMES} of section names are read,
 * and anything that does not hold is one {@link ElfException} naming the field, the value and the
 * bound. Little-endian ELF32 and ELF64, as the machines this daemon serves.
 */
public final class ElfReader {
    public static final int ET_EXEC = 2;
    public static final int ET_DYN = 3;
    /** {@code SHT_SUNW_dof}: the section type Solaris gave DOF; the name is what identifies it here. */
    static final int SHT_SUNW_DOF = 0x6ffffff4;
    static final int SHT_NOBITS = 8;
    static final String DOF_SECTION = ".SUNW_dof";
    /** Section header bytes read at most (1,024 sections of ELF64 take 64 KiB). */
    static final long MAX_SECTION_TABLE = 4L << 20;
    /** Section-name table bytes read at most. */
    static final long MAX_NAMES = 1L << 20;

    private static final int SHN_XINDEX = 0xffff;
    private static final byte[] MAGIC = {0x7f, 'E', 'L', 'F'};

    /** Field offsets that differ between the classes (index 0: ELF32, 1: ELF64). */
    private static final int[] HEADER_SIZE = {52, 64};
    private static final int[] OFF_SHOFF = {32, 40};
    private static final int[] OFF_SHENTSIZE = {46, 58};
    private static final int[] OFF_SHNUM = {48, 60};
    private static final int[] OFF_SHSTRNDX = {50, 62};
    private static final int[] SH_SIZE = {40, 64};
    private static final int[] SH_OFF_ADDR = {12, 16};
    private static final int[] SH_OFF_OFFSET = {16, 24};
    private static final int[] SH_OFF_SIZE = {20, 32};
    private static final int SH_OFF_NAME = 0;
    private static final int SH_OFF_TYPE = 4;
    private static final int[] SH_OFF_LINK = {24, 40};
    private static final int OFF_TYPE = 16;

    private ElfReader() {
    }

    /** One section header, as read. */
    private record Section(long name, int type, long addr, long offset, long size, long link) {
    }

    public static ElfObject read(ElfSource src) throws ElfException, IOException {
        long fileSize = src.size();
        if (fileSize < HEADER_SIZE[0]) {
            throw new ElfException("file of " + fileSize + " bytes is shorter than an ELF header");
        }
        ByteBuffer ident = read(src, 0, 16);
        for (int i = 0; i < MAGIC.length; i++) {
            if (ident.get(i) != MAGIC[i]) {
                throw new ElfException("not ELF (magic)");
            }
        }
        int cls = ident.get(4) - 1; // ELFCLASS32 = 1, ELFCLASS64 = 2
        if (cls != 0 && cls != 1) {
            throw new ElfException("EI_CLASS " + (cls + 1) + " is neither ELF32 nor ELF64");
        }
        if (ident.get(5) != 1) {
            throw new ElfException("EI_DATA " + ident.get(5) + " is not little-endian");
        }
        if (fileSize < HEADER_SIZE[cls]) {
            throw new ElfException("file of " + fileSize + " bytes is shorter than its ELF header");
        }
        ByteBuffer h = read(src, 0, HEADER_SIZE[cls]);
        int type = u16(h, OFF_TYPE);
        long shoff = word(h, OFF_SHOFF[cls], cls);
        int shentsize = u16(h, OFF_SHENTSIZE[cls]);
        long shnum = u16(h, OFF_SHNUM[cls]);
        long shstrndx = u16(h, OFF_SHSTRNDX[cls]);
        if (shoff == 0) {
            return new ElfObject(type, -1, 0, 0); // no section table: nothing names a DOF section
        }
        if (shentsize < SH_SIZE[cls]) {
            throw new ElfException("e_shentsize " + shentsize + " is below " + SH_SIZE[cls]);
        }
        Section first = section(src, fileSize, shoff, shentsize, 0, cls);
        if (shnum == 0) {
            shnum = first.size(); // extended numbering: the count is in section 0
        }
        if (shstrndx == SHN_XINDEX) {
            shstrndx = first.link();
        }
        checkTable(fileSize, shoff, shentsize, shnum);
        if (shstrndx >= shnum) {
            throw new ElfException("e_shstrndx " + shstrndx + " is not below the section count " + shnum);
        }
        ByteBuffer table = read(src, shoff, (int) (shnum * shentsize));
        ByteBuffer names = names(src, fileSize, section(table, shentsize, shstrndx, cls));
        for (long i = 1; i < shnum; i++) {
            Section s = section(table, shentsize, i, cls);
            if (isDof(s, names)) {
                return dof(type, s, fileSize, i);
            }
        }
        return new ElfObject(type, -1, 0, 0);
    }

    private static void checkTable(long fileSize, long shoff, long shentsize, long shnum) throws ElfException {
        if (shnum < 0 || shnum > MAX_SECTION_TABLE / shentsize) {
            throw new ElfException(Long.toUnsignedString(shnum) + " section headers of " + shentsize
                    + " bytes exceed the bound of " + MAX_SECTION_TABLE + " bytes");
        }
        long bytes = shnum * shentsize;
        if (shoff < 0 || shoff > fileSize || bytes > fileSize - shoff) {
            throw new ElfException("section headers at " + Long.toUnsignedString(shoff) + " (" + bytes
                    + " bytes) run past the end of the " + fileSize + "-byte file");
        }
    }

    private static Section section(ElfSource src, long fileSize, long shoff, long shentsize, long index, int cls)
            throws ElfException, IOException {
        if (shoff < 0 || shoff > fileSize || index * shentsize > fileSize - shoff
                || SH_SIZE[cls] > fileSize - shoff - index * shentsize) {
            throw new ElfException("section header " + index + " at " + Long.toUnsignedString(shoff) + " + " + index
                    + " x " + shentsize + " lies past the end of the " + fileSize + "-byte file");
        }
        return section(read(src, shoff + index * shentsize, SH_SIZE[cls]), 0, 0, cls);
    }

    /** The header at {@code index} of a table already read and bounds-checked. */
    private static Section section(ByteBuffer table, long shentsize, long index, int cls) {
        ByteBuffer b = table.slice((int) (index * shentsize), SH_SIZE[cls]).order(ByteOrder.LITTLE_ENDIAN);
        return new Section(u32(b, SH_OFF_NAME), b.getInt(SH_OFF_TYPE), word(b, SH_OFF_ADDR[cls], cls),
                word(b, SH_OFF_OFFSET[cls], cls), word(b, SH_OFF_SIZE[cls], cls), u32(b, SH_OFF_LINK[cls]));
    }

    private static ByteBuffer names(ElfSource src, long fileSize, Section s) throws ElfException, IOException {
        if (s.type() == SHT_NOBITS || s.size() == 0) {
            return ByteBuffer.allocate(0);
        }
        if (Long.compareUnsigned(s.size(), MAX_NAMES) > 0) {
            throw new ElfException("section-name table of " + Long.toUnsignedString(s.size())
                    + " bytes exceeds the bound of " + MAX_NAMES);
        }
        checkInFile(fileSize, s.offset(), s.size(), "section-name table");
        return read(src, s.offset(), (int) s.size());
    }

    private static boolean isDof(Section s, ByteBuffer names) {
        if (s.type() == SHT_SUNW_DOF) {
            return true;
        }
        byte[] want = DOF_SECTION.getBytes(StandardCharsets.US_ASCII);
        long at = s.name();
        if (at < 0 || at + want.length + 1 > names.limit()) {
            return false;
        }
        for (int i = 0; i < want.length; i++) {
            if (names.get((int) at + i) != want[i]) {
                return false;
            }
        }
        return names.get((int) at + want.length) == 0;
    }

    private static ElfObject dof(int type, Section s, long fileSize, long index) throws ElfException {
        if (s.type() == SHT_NOBITS) {
            throw new ElfException(DOF_SECTION + " (section " + index + ") has no bytes in the file (SHT_NOBITS)");
        }
        checkInFile(fileSize, s.offset(), s.size(), DOF_SECTION + " (section " + index + ")");
        return new ElfObject(type, s.offset(), s.size(), s.addr());
    }

    private static void checkInFile(long fileSize, long offset, long size, String what) throws ElfException {
        if (offset < 0 || size < 0 || offset > fileSize || size > fileSize - offset) {
            throw new ElfException(what + " at " + Long.toUnsignedString(offset) + " (" + Long.toUnsignedString(size)
                    + " bytes) runs past the end of the " + fileSize + "-byte file");
        }
    }

    /**
     * Reads the DOF section's bytes, at most {@code maxBytes} (the daemon's one DOF size cap):
     * checked before allocating.
     */
    public static byte[] readDof(ElfSource src, ElfObject o, long maxBytes) throws ElfException, IOException {
        if (!o.hasDof()) {
            throw new IllegalArgumentException("no DOF section");
        }
        if (o.dofSize() > maxBytes) {
            throw new ElfException(DOF_SECTION + " of " + o.dofSize() + " bytes exceeds the DOF size cap of "
                    + maxBytes);
        }
        checkInFile(src.size(), o.dofOffset(), o.dofSize(), DOF_SECTION);
        return read(src, o.dofOffset(), (int) o.dofSize()).array();
    }

    private static ByteBuffer read(ElfSource src, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        src.read(at, b);
        return b.flip().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int u16(ByteBuffer b, int at) {
        return b.getShort(at) & 0xffff;
    }

    private static long u32(ByteBuffer b, int at) {
        return b.getInt(at) & 0xffffffffL;
    }

    /** An address-sized field; a 64-bit value above 2^63 reads negative, and every bound check refuses it. */
    private static long word(ByteBuffer b, int at, int cls) {
        return cls == 0 ? u32(b, at) : b.getLong(at);
    }
}
