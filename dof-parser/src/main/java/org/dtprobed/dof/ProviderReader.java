package org.dtprobed.dof;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads one PROVIDER section and its probes (reference §3.6 "Per PROVIDER section" and "Per
 * probe", with the checks dtprobed lacks: PROBES entry size at least 48, PRENOFFS entry size 4,
 * translated arguments mapping strictly below {@code nargc}, pad fields zero).
 */
final class ProviderReader {
    private final DofInput in;
    /** Blob offsets of the {@code dofpr_addr} fields a SETX relocates. */
    private final Set<Long> relocated;
    private final SectionTable table;
    private final int version;
    private final String module;
    private final List<PolicyViolation> violations;

    /** @param relocated blob offsets of the {@code dofpr_addr} fields a SETX relocates */
    ProviderReader(DofInput in, Set<Long> relocated, SectionTable table, int version, String module,
                   List<PolicyViolation> violations) {
        this.in = in;
        this.relocated = relocated;
        this.table = table;
        this.version = version;
        this.module = module;
        this.violations = violations;
    }

    /** The sections one provider draws on, resolved and checked. */
    private record Parts(StringTable strings, DofSectionHeader probes, DofSectionHeader args,
                         DofSectionHeader offsets, DofSectionHeader enabledOffsets) {
    }

    ParsedProvider read(DofSectionHeader sec, long pid, int probeBudget, ResultBudget resultBudget)
            throws DofFormatException {
        int at = sec.index();
        int minSize = version == DofHeader.VERSION_1 ? DofProviderRecord.SIZE_V1 : DofProviderRecord.SIZE;
        if (sec.offset() % 4 != 0 || sec.size() < minSize) {
            throw new DofFormatException(DofRule.BAD_PROVIDER_SECTION, at, DofFormatException.NONE,
                    "offset " + sec.offset() + ", size " + sec.size() + ", version " + version + " needs " + minSize);
        }
        DofProviderRecord rec = DofProviderRecord.read(in, sec.offset(), version != DofHeader.VERSION_1);
        Parts parts = resolve(rec, at);
        String name = parts.strings.read(rec.name(), StringTable.PROVIDER_NAME_MAX, "provider name", at,
                DofFormatException.NONE);
        NamePolicy.checkProvider(name, parts.strings.lastWasUtf8(), pid,
                () -> "provider '" + NamePolicy.printable(name) + "'", violations);
        long count = parts.probes.size() / parts.probes.entrySize();
        if (count > probeBudget) {
            throw new DofFormatException(DofRule.TOO_MANY_PROBES, at, DofFormatException.NONE,
                    count + " probes exceed the remaining limit of " + probeBudget);
        }
        List<ParsedProbe> probes = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            ParsedProbe probe = readProbe(parts, at, i, name);
            resultBudget.charge(probe, at, i);
            probes.add(probe);
        }
        return new ParsedProvider(at, name, rec.attributes(), probes);
    }

    private Parts resolve(DofProviderRecord rec, int at) throws DofFormatException {
        DofSectionHeader strtab = table.require(rec.strtab(), DofSectionType.STRTAB, at, "dofpv_strtab");
        DofSectionHeader probes = table.require(rec.probes(), DofSectionType.PROBES, at, "dofpv_probes");
        DofSectionHeader args = table.require(rec.prargs(), DofSectionType.PRARGS, at, "dofpv_prargs");
        DofSectionHeader offs = table.require(rec.proffs(), DofSectionType.PROFFS, at, "dofpv_proffs");
        DofSectionHeader enoffs = null;
        if (version != DofHeader.VERSION_1 && rec.prenoffs() != DofProviderRecord.NO_PRENOFFS) {
            enoffs = table.require(rec.prenoffs(), DofSectionType.PRENOFFS, at, "dofpv_prenoffs");
            checkOffsetTable(enoffs);
        }
        long es = probes.entrySize();
        if (es < DofProbeRecord.SIZE || es > probes.size() || es % 8 != 0) {
            throw new DofFormatException(DofRule.BAD_PROBES_SECTION, probes.index(), DofFormatException.NONE,
                    "entry size " + es + ", section size " + probes.size());
        }
        checkOffsetTable(offs);
        if (args.entrySize() != 1) {
            throw new DofFormatException(DofRule.BAD_ARGS_SECTION, args.index(), DofFormatException.NONE,
                    "entry size " + args.entrySize());
        }
        return new Parts(new StringTable(in, strtab), probes, args, offs, enoffs);
    }

    private static void checkOffsetTable(DofSectionHeader s) throws DofFormatException {
        if (s.entrySize() != 4 || s.offset() % 4 != 0) {
            throw new DofFormatException(DofRule.BAD_OFFSETS_SECTION, s.index(), DofFormatException.NONE,
                    DofSectionType.name(s.type()) + " entry size " + s.entrySize() + ", offset " + s.offset());
        }
    }

    private ParsedProbe readProbe(Parts p, int at, int i, String provider) throws DofFormatException {
        long pos = p.probes.offset() + (long) i * p.probes.entrySize();
        long storedAddress = in.u64(pos + DofProbeRecord.OFF_ADDR, DofRule.BAD_PROBES_SECTION);
        DofProbeRecord rec = DofProbeRecord.read(in, pos, storedAddress);
        if (rec.pad1() != 0 || rec.pad2() != 0) {
            throw new DofFormatException(DofRule.NONZERO_PROBE_PAD, at, i, "pad1 " + rec.pad1() + ", pad2 " + rec.pad2());
        }
        String func = p.strings.read(rec.func(), StringTable.FUNCTION_NAME_MAX, "function name", at, i);
        boolean funcUtf8 = p.strings.lastWasUtf8();
        String name = p.strings.read(rec.name(), StringTable.PROBE_NAME_MAX, "probe name", at, i);
        Supplier<String> where = () -> "probe " + NamePolicy.printable(provider) + ":" + NamePolicy.printable(module)
                + ":" + NamePolicy.printable(func) + ":" + NamePolicy.printable(name);
        NamePolicy.check("function", func, funcUtf8, where, violations);
        NamePolicy.check("probe name", name, p.strings.lastWasUtf8(), where, violations);
        long[] offsets = readOffsets(p.offsets, rec.offidx(), rec.noffs(), DofRule.OFFSETS_OUT_OF_BOUNDS, at, i);
        long[] enabled = readEnabledOffsets(p, rec, at, i);
        List<String> nativeTypes = readTypes(p.strings, rec.nargv(), rec.nargc(), "native argument type", at, i);
        List<String> xlateTypes = readTypes(p.strings, rec.xargv(), rec.xargc(), "translated argument type", at, i);
        List<Integer> argmap = readArgmap(p.args, rec, at, i);
        List<ProbeSite> sites = sites(storedAddress, offsets, enabled, where);
        return new ParsedProbe(func, name, nativeTypes, xlateTypes, argmap, boxed(offsets), boxed(enabled),
                storedAddress, relocated.contains(pos + DofProbeRecord.OFF_ADDR), sites);
    }

    private long[] readEnabledOffsets(Parts p, DofProbeRecord rec, int at, int i) throws DofFormatException {
        if (version == DofHeader.VERSION_1) {
            return new long[0];
        }
        if (p.enabledOffsets == null) {
            if (rec.enoffidx() != 0 || rec.nenoffs() != 0) {
                throw new DofFormatException(DofRule.ENABLED_OFFSETS_OUT_OF_BOUNDS, at, i,
                        "enoffidx " + rec.enoffidx() + ", nenoffs " + rec.nenoffs() + " without a PRENOFFS section");
            }
            return new long[0];
        }
        return readOffsets(p.enabledOffsets, rec.enoffidx(), rec.nenoffs(), DofRule.ENABLED_OFFSETS_OUT_OF_BOUNDS, at, i);
    }

    private long[] readOffsets(DofSectionHeader s, long first, int count, DofRule rule, int at, int i)
            throws DofFormatException {
        if ((first + count) * 4 > s.size()) { // first is u32, count u16: no overflow in 64 bits
            throw new DofFormatException(rule, at, i, "entries " + first + ".." + (first + count) + " of a "
                    + s.size() + "-byte " + DofSectionType.name(s.type()) + " section");
        }
        long[] out = new long[count];
        for (int k = 0; k < count; k++) {
            out[k] = in.u32(s.offset() + (first + k) * 4, rule);
        }
        return out;
    }

    private List<String> readTypes(StringTable strings, long index, int count, String what, int at, int i)
            throws DofFormatException {
        List<String> types = new ArrayList<>(count);
        long next = index;
        for (int k = 0; k < count; k++) {
            types.add(strings.read(next, StringTable.ARG_TYPE_MAX, what + " " + k, at, i));
            next = strings.next();
        }
        return types;
    }

    private List<Integer> readArgmap(DofSectionHeader args, DofProbeRecord rec, int at, int i)
            throws DofFormatException {
        if (rec.argidx() + rec.xargc() > args.size()) {
            throw new DofFormatException(DofRule.ARGS_OUT_OF_BOUNDS, at, i, "entries " + rec.argidx() + ".."
                    + (rec.argidx() + rec.xargc()) + " of a " + args.size() + "-byte PRARGS section");
        }
        List<Integer> map = new ArrayList<>(rec.xargc());
        for (int k = 0; k < rec.xargc(); k++) {
            int from = in.u8(args.offset() + rec.argidx() + k, DofRule.ARGS_OUT_OF_BOUNDS);
            if (from >= rec.nargc()) {
                throw new DofFormatException(DofRule.ARGMAP_OUT_OF_RANGE, at, i,
                        "translated argument " + k + " maps to " + from + ", nargc " + rec.nargc());
            }
            map.add(from);
        }
        return map;
    }

    private List<ProbeSite> sites(long address, long[] offsets, long[] enabled, Supplier<String> where) {
        boolean honourEnabled = version >= DofHeader.VERSION_3;
        List<ProbeSite> sites = new ArrayList<>(offsets.length + (honourEnabled ? enabled.length : 0));
        addSorted(sites, address, offsets, false, where);
        if (honourEnabled) {
            addSorted(sites, address, enabled, true, where);
        }
        if (sites.isEmpty()) {
            violations.add(new PolicyViolation(DofRule.ZERO_SITES, where.get(), honourEnabled || enabled.length == 0
                    ? "" : enabled.length + " is-enabled offsets ignored below DOF version 3"));
        }
        return sites;
    }

    private void addSorted(List<ProbeSite> sites, long address, long[] offsets, boolean isEnabled,
                           Supplier<String> where) {
        long[] sorted = offsets.clone();
        Arrays.sort(sorted);
        for (int k = 0; k < sorted.length; k++) {
            if (k > 0 && sorted[k] == sorted[k - 1]) {
                violations.add(new PolicyViolation(DofRule.DUPLICATE_SITE, where.get(),
                        (isEnabled ? "is-enabled offset " : "offset ") + sorted[k]));
                continue;
            }
            sites.add(new ProbeSite(address + sorted[k], isEnabled));
        }
    }

    private static List<Long> boxed(long[] values) {
        List<Long> out = new ArrayList<>(values.length);
        for (long v : values) {
            out.add(v);
        }
        return out;
    }
}
