package org.dtprobed.dof;

/**
 * The section headers of one blob after the first validation pass (reference §3.6 "First pass"):
 * every LOAD section lies inside the load size and is aligned, every string table is non-empty and
 * ends with NUL. References from providers and relocation headers resolve through {@link #require}.
 */
final class SectionTable {
    private final DofSectionHeader[] sections;

    private SectionTable(DofSectionHeader[] sections) {
        this.sections = sections;
    }

    static SectionTable read(DofInput in, DofHeader h) throws DofFormatException {
        int count = (int) h.sectionCount(); // bounded by the load size and the section limit
        DofSectionHeader[] sections = new DofSectionHeader[count];
        for (int i = 0; i < count; i++) {
            DofSectionHeader s = DofSectionHeader.read(in, i, h.sectionOffset() + (long) i * h.sectionHeaderSize());
            check(in, s);
            sections[i] = s;
        }
        return new SectionTable(sections);
    }

    private static void check(DofInput in, DofSectionHeader s) throws DofFormatException {
        if (DofSectionType.isLoadable(s.type()) && !s.loaded()) {
            throw new DofFormatException(DofRule.SECTION_NOT_LOADED, s.index(), DofFormatException.NONE,
                    DofSectionType.name(s.type()));
        }
        if (!s.loaded()) {
            return; // never read; a reference to it is refused by require()
        }
        long align = s.align();
        if ((align & (align - 1)) != 0) {
            throw new DofFormatException(DofRule.BAD_SECTION_ALIGNMENT, s.index(), DofFormatException.NONE,
                    "alignment " + align);
        }
        // dtprobed computes offset & (align - 1) in u32, so alignment 0 demands a zero low word
        long mask = align == 0 ? 0xFFFF_FFFFL : align - 1;
        if ((s.offset() & mask) != 0) {
            throw new DofFormatException(DofRule.SECTION_MISALIGNED, s.index(), DofFormatException.NONE,
                    "offset " + Long.toUnsignedString(s.offset()) + ", alignment " + align);
        }
        if (!in.contains(s.offset(), s.size())) {
            throw new DofFormatException(DofRule.SECTION_OUT_OF_BOUNDS, s.index(), DofFormatException.NONE,
                    "offset " + Long.toUnsignedString(s.offset()) + ", size " + Long.toUnsignedString(s.size())
                            + ", load size " + in.size());
        }
        if (s.type() == DofSectionType.STRTAB) {
            if (s.size() == 0) {
                throw new DofFormatException(DofRule.EMPTY_STRTAB, s.index(), DofFormatException.NONE, "");
            }
            if (in.u8(s.offset() + s.size() - 1, DofRule.SECTION_OUT_OF_BOUNDS) != 0) {
                throw new DofFormatException(DofRule.STRTAB_NOT_TERMINATED, s.index(), DofFormatException.NONE,
                        "last byte at offset " + (s.offset() + s.size() - 1));
            }
        }
    }

    int size() {
        return sections.length;
    }

    DofSectionHeader get(int index) {
        return sections[index];
    }

    /**
     * Resolves a section index found in another structure: it must exist, be loaded and have
     * the expected type ({@code -1} accepts any type).
     */
    DofSectionHeader require(long index, int type, int from, String field) throws DofFormatException {
        if (index < 0 || index >= sections.length) {
            throw new DofFormatException(DofRule.BAD_SECTION_REFERENCE, from, DofFormatException.NONE,
                    field + " = " + index + ", there are " + sections.length + " sections");
        }
        DofSectionHeader s = sections[(int) index];
        if (!s.loaded() || (type >= 0 && s.type() != type)) {
            throw new DofFormatException(DofRule.BAD_SECTION_REFERENCE, from, DofFormatException.NONE,
                    field + " = " + index + " is " + DofSectionType.name(s.type())
                            + (s.loaded() ? "" : " (not loaded)")
                            + (type >= 0 ? ", expected " + DofSectionType.name(type) : ""));
        }
        return s;
    }
}
