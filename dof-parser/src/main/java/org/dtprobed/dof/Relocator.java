package org.dtprobed.dof;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The second pass (reference §3.5–3.6): validates every loaded URELHDR and applies its SETX
 * entries for one load base. The stored DOF is never changed: when a relocation has an effect,
 * the blob is copied once and the copy is patched, as dtprobed patches its own copy.
 */
final class Relocator {
    /** The relocations found, and the input to read relocated values from. */
    record Result(DofInput input, List<ParsedRelocation> relocations) {
    }

    private record Patch(long position) {
    }

    private Relocator() {
    }

    static Result apply(DofInput in, SectionTable table, long loadBase) throws DofFormatException {
        List<ParsedRelocation> relocations = new ArrayList<>();
        List<Patch> patches = new ArrayList<>();
        for (int i = 0; i < table.size(); i++) {
            DofSectionHeader s = table.get(i);
            if (s.type() == DofSectionType.URELHDR && s.loaded()) {
                readHeader(in, table, s, relocations, patches);
            }
        }
        if (patches.isEmpty() || loadBase == 0) {
            return new Result(in, relocations); // adding 0 changes nothing
        }
        return new Result(patched(in, patches, loadBase), relocations);
    }

    private static void readHeader(DofInput in, SectionTable table, DofSectionHeader hdr,
                                   List<ParsedRelocation> out, List<Patch> patches) throws DofFormatException {
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
            out.add(readEntry(in, names, reltab, target, desc, patches));
        }
    }

    private static ParsedRelocation readEntry(DofInput in, StringTable names, DofSectionHeader reltab,
                                              DofSectionHeader target, long desc, List<Patch> patches)
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
            patches.add(new Patch(position));
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

    private static DofInput patched(DofInput in, List<Patch> patches, long loadBase) {
        ByteBuffer copy = ByteBuffer.wrap(in.bytes(0, in.size())).order(ByteOrder.LITTLE_ENDIAN);
        for (Patch p : patches) {
            int pos = (int) p.position();
            long value = copy.getLong(pos);
            // a value above the base was already relocated by the runtime loader
            if (Long.compareUnsigned(value, loadBase) <= 0) {
                copy.putLong(pos, value + loadBase);
            }
        }
        return new DofInput(copy, in.size());
    }
}
