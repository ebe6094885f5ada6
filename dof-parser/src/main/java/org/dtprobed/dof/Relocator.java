package org.dtprobed.dof;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The second pass (reference §3.5–3.6): validates every loaded URELHDR and finds which
 * {@code dofpr_addr} fields its SETX entries relocate. Nothing is patched: the rule "add the load
 * base unless the stored value is above it" depends on the base, so it is applied per
 * registration ({@link ParsedProbe#addressAt}) and a parse result serves every base an object is
 * loaded at. A SETX may therefore target only the {@code dofpr_addr} of a PROBES entry (all that
 * {@code dtrace -G} emits); any other target would make other fields depend on the base, and is
 * refused.
 */
final class Relocator {
    /**
     * @param relocations the entries found
     * @param targets     blob offsets of the {@code dofpr_addr} fields a SETX relocates
     */
    record Result(List<ParsedRelocation> relocations, Set<Long> targets) {
    }

    private Relocator() {
    }

    static Result apply(DofInput in, SectionTable table) throws DofFormatException {
        List<ParsedRelocation> relocations = new ArrayList<>();
        Set<Long> targets = new HashSet<>();
        for (int i = 0; i < table.size(); i++) {
            DofSectionHeader s = table.get(i);
            if (s.type() == DofSectionType.URELHDR && s.loaded()) {
                readHeader(in, table, s, relocations, targets);
            }
        }
        return new Result(relocations, targets);
    }

    private static void readHeader(DofInput in, SectionTable table, DofSectionHeader hdr,
                                   List<ParsedRelocation> out, Set<Long> targets) throws DofFormatException {
        int at = hdr.index();
        if (hdr.size() < DofRelocation.HEADER_SIZE || hdr.align() != DofRelocation.HEADER_ALIGN) {
            throw new DofFormatException(DofRule.BAD_RELOCATION_HEADER, at, DofFormatException.NONE,
                    "size " + hdr.size() + ", alignment " + hdr.align());
        }
        long base = hdr.offset();
        DofRule r = DofRule.BAD_RELOCATION_HEADER;
        DofSectionHeader strtab = table.require(in.u32(base + DofRelocation.HDR_OFF_STRTAB, r),
                DofSectionType.STRTAB, at, "dofr_strtab");
        DofSectionHeader reltab = table.require(in.u32(base + DofRelocation.HDR_OFF_RELSEC, r),
                DofSectionType.RELTAB, at, "dofr_relsec");
        DofSectionHeader target = table.require(in.u32(base + DofRelocation.HDR_OFF_TGTSEC, r), -1, at,
                "dofr_tgtsec");
        if (reltab.entrySize() < DofRelocation.DESC_SIZE || reltab.align() != DofRelocation.TABLE_ALIGN) {
            throw new DofFormatException(DofRule.BAD_RELOCATION_TABLE, reltab.index(), DofFormatException.NONE,
                    "entry size " + reltab.entrySize() + ", alignment " + reltab.align());
        }
        StringTable names = new StringTable(in, strtab);
        long count = reltab.size() / reltab.entrySize();
        for (long k = 0; k < count; k++) {
            long desc = reltab.offset() + k * reltab.entrySize();
            out.add(readEntry(in, names, reltab, target, desc, targets));
        }
    }

    private static ParsedRelocation readEntry(DofInput in, StringTable names, DofSectionHeader reltab,
                                              DofSectionHeader target, long desc, Set<Long> targets)
            throws DofFormatException {
        DofRule r = DofRule.BAD_RELOCATION_TABLE;
        long type = in.u32(desc + DofRelocation.DESC_OFF_TYPE, r);
        long offset = in.u64(desc + DofRelocation.DESC_OFF_OFFSET, r);
        String symbol = symbol(names, in.u32(desc + DofRelocation.DESC_OFF_NAME, r), reltab.index());
        if (type == DofRelocation.TYPE_SETX) {
            if (offset < 0 || offset >= target.size() || offset + 8 > target.size()) {
                throw new DofFormatException(DofRule.RELOCATION_OUT_OF_BOUNDS, reltab.index(), DofFormatException.NONE,
                        "offset " + Long.toUnsignedString(offset) + " in section " + target.index() + " of "
                                + target.size() + " bytes");
            }
            long position = target.offset() + offset;
            if (position % 8 != 0) {
                throw new DofFormatException(DofRule.RELOCATION_MISALIGNED, reltab.index(), DofFormatException.NONE,
                        "target at offset " + position);
            }
            // a PROBES entry size the provider reader will refuse is left to it
            boolean entriesReadable = target.entrySize() >= DofProbeRecord.SIZE && target.entrySize() % 8 == 0;
            if (target.type() != DofSectionType.PROBES
                    || entriesReadable && offset % target.entrySize() != DofProbeRecord.OFF_ADDR) {
                throw new DofFormatException(DofRule.RELOCATION_NOT_PROBE_ADDRESS, reltab.index(),
                        DofFormatException.NONE, "offset " + offset + " in " + DofSectionType.name(target.type())
                        + " section " + target.index() + " (entry size " + target.entrySize() + ")");
            }
            targets.add(position);
        } else if (type != DofRelocation.TYPE_NONE) {
            throw new DofFormatException(DofRule.BAD_RELOCATION_TYPE, reltab.index(), DofFormatException.NONE,
                    "type " + type);
        }
        return new ParsedRelocation(symbol, (int) type, offset, target.index());
    }

    /** Relocation names are informational (dtprobed never reads them): a bad one reads as "". */
    private static String symbol(StringTable names, long index, int from) {
        if (index >= names.size()) {
            return "";
        }
        try {
            return names.read(index, Integer.MAX_VALUE - 8, "relocation symbol", from, DofFormatException.NONE);
        } catch (DofFormatException e) {
            return "";
        }
    }
}
