package org.dtprobed.dof.write;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.dtprobed.dof.DofHeader;
import org.dtprobed.dof.DofProbeRecord;
import org.dtprobed.dof.DofProviderRecord;
import org.dtprobed.dof.DofRelocation;
import org.dtprobed.dof.DofSectionHeader;
import org.dtprobed.dof.DofSectionType;
import org.dtprobed.dof.ProviderAttributes;

/**
 * Produces valid DOF from provider and probe descriptions, laid out as {@code dtrace -G} lays it
 * out: section 0 is the one string table, placed after the other loadable data; per provider
 * PROBES, PRARGS, PROFFS, [PRENOFFS], PROVIDER and, with relocations, RELTAB and URELHDR (one SETX
 * per probe against its {@code dofpr_addr}, naming the probe's function).
 *
 * <p>Used by tests, benchmarks and test programs; it checks only what it needs to produce a
 * well-formed blob, so it can also write DOF that registration policy refuses.
 */
public final class DofWriter {
    private int version = DofHeader.VERSION_2;
    private int model = DofHeader.MODEL_LP64;
    private boolean relocations;
    private final List<ProviderSpec> providers = new ArrayList<>();

    public static DofWriter builder() {
        return new DofWriter();
    }

    public DofWriter version(int value) {
        this.version = value;
        return this;
    }

    public DofWriter model(int value) {
        this.model = value;
        return this;
    }

    /** Emit a RELTAB/URELHDR pair per provider, as for a position-independent object. */
    public DofWriter relocations(boolean value) {
        this.relocations = value;
        return this;
    }

    public DofWriter provider(ProviderSpec spec) {
        providers.add(spec);
        return this;
    }

    public DofWriter provider(String name, ProbeSpec... probes) {
        return provider(new ProviderSpec(name, List.of(probes)));
    }

    /** One section being laid out. */
    private record Section(int type, int align, int entrySize, byte[] data) {
    }

    public byte[] build() {
        Strings strings = new Strings();
        List<Section> sections = new ArrayList<>();
        sections.add(null); // the string table, filled in last so that it holds every string
        for (ProviderSpec p : providers) {
            addProvider(p, strings, sections);
        }
        sections.set(0, new Section(DofSectionType.STRTAB, 1, 0, strings.bytes()));
        return layOut(sections);
    }

    private void addProvider(ProviderSpec p, Strings strings, List<Section> sections) {
        boolean enabled = version >= DofHeader.VERSION_2
                && p.probes().stream().anyMatch(pr -> !pr.enabledOffsets().isEmpty());
        if (version == DofHeader.VERSION_1 && p.probes().stream().anyMatch(pr -> !pr.enabledOffsets().isEmpty())) {
            throw new IllegalArgumentException("DOF version 1 cannot carry is-enabled offsets");
        }
        ByteBuffer probes = le(p.probes().size() * DofProbeRecord.SIZE);
        ByteArrayOutputStream args = new ByteArrayOutputStream();
        ByteBuffer offs = le(4 * p.probes().stream().mapToInt(pr -> pr.offsets().size()).sum());
        ByteBuffer enoffs = le(4 * p.probes().stream().mapToInt(pr -> pr.enabledOffsets().size()).sum());
        for (ProbeSpec pr : p.probes()) {
            writeProbe(probes, pr, strings, args.size(), offs.position() / 4, enoffs.position() / 4);
            pr.argmap().forEach(args::write);
            pr.offsets().forEach(o -> offs.putInt((int) (long) o));
            pr.enabledOffsets().forEach(o -> enoffs.putInt((int) (long) o));
        }
        int probesIdx = sections.size();
        sections.add(new Section(DofSectionType.PROBES, 8, DofProbeRecord.SIZE, probes.array()));
        sections.add(new Section(DofSectionType.PRARGS, 1, 1, args.toByteArray()));
        sections.add(new Section(DofSectionType.PROFFS, 4, 4, offs.array()));
        int enoffsIdx = 0;
        if (enabled) {
            enoffsIdx = sections.size();
            sections.add(new Section(DofSectionType.PRENOFFS, 4, 4, enoffs.array()));
        }
        ByteBuffer prov = le(version == DofHeader.VERSION_1 ? DofProviderRecord.SIZE_V1 : DofProviderRecord.SIZE);
        prov.putInt(DofProviderRecord.OFF_STRTAB, 0).putInt(DofProviderRecord.OFF_PROBES, probesIdx)
                .putInt(DofProviderRecord.OFF_PRARGS, probesIdx + 1).putInt(DofProviderRecord.OFF_PROFFS, probesIdx + 2)
                .putInt(DofProviderRecord.OFF_NAME, strings.add(p.name()));
        putAttributes(prov, p.attributes());
        if (version != DofHeader.VERSION_1) {
            prov.putInt(DofProviderRecord.OFF_PRENOFFS, enoffsIdx);
        }
        sections.add(new Section(DofSectionType.PROVIDER, 4, 0, prov.array()));
        if (relocations) {
            addRelocations(p, probesIdx, strings, sections);
        }
    }

    private static void putAttributes(ByteBuffer prov, ProviderAttributes a) {
        prov.putInt(DofProviderRecord.OFF_PROVATTR, a.provider()).putInt(DofProviderRecord.OFF_MODATTR, a.module())
                .putInt(DofProviderRecord.OFF_FUNCATTR, a.function()).putInt(DofProviderRecord.OFF_NAMEATTR, a.name())
                .putInt(DofProviderRecord.OFF_ARGSATTR, a.args());
    }

    private static void writeProbe(ByteBuffer out, ProbeSpec pr, Strings strings, int argidx, int offidx,
                                   int enoffidx) {
        int at = out.position();
        out.putLong(at + DofProbeRecord.OFF_ADDR, pr.address())
                .putInt(at + DofProbeRecord.OFF_FUNC, strings.add(pr.function()))
                .putInt(at + DofProbeRecord.OFF_NAME, strings.add(pr.name()))
                .putInt(at + DofProbeRecord.OFF_NARGV, strings.addList(pr.nativeTypes()))
                .putInt(at + DofProbeRecord.OFF_XARGV, strings.addList(pr.translatedTypes()))
                .putInt(at + DofProbeRecord.OFF_ARGIDX, argidx)
                .putInt(at + DofProbeRecord.OFF_OFFIDX, offidx)
                .put(at + DofProbeRecord.OFF_NARGC, (byte) pr.nativeTypes().size())
                .put(at + DofProbeRecord.OFF_XARGC, (byte) pr.translatedTypes().size())
                .putShort(at + DofProbeRecord.OFF_NOFFS, (short) pr.offsets().size())
                .putInt(at + DofProbeRecord.OFF_ENOFFIDX, pr.enabledOffsets().isEmpty() ? 0 : enoffidx)
                .putShort(at + DofProbeRecord.OFF_NENOFFS, (short) pr.enabledOffsets().size());
        out.position(at + DofProbeRecord.SIZE);
    }

    private static void addRelocations(ProviderSpec p, int probesIdx, Strings strings, List<Section> sections) {
        ByteBuffer rel = le(p.probes().size() * DofRelocation.DESC_SIZE);
        for (int i = 0; i < p.probes().size(); i++) {
            int at = i * DofRelocation.DESC_SIZE;
            rel.putInt(at + DofRelocation.DESC_OFF_NAME, strings.add(p.probes().get(i).function()))
                    .putInt(at + DofRelocation.DESC_OFF_TYPE, DofRelocation.TYPE_SETX)
                    .putLong(at + DofRelocation.DESC_OFF_OFFSET, (long) i * DofProbeRecord.SIZE + DofProbeRecord.OFF_ADDR);
        }
        int relIdx = sections.size();
        sections.add(new Section(DofSectionType.RELTAB, DofRelocation.TABLE_ALIGN, DofRelocation.DESC_SIZE, rel.array()));
        ByteBuffer hdr = le(DofRelocation.HEADER_SIZE);
        hdr.putInt(DofRelocation.HDR_OFF_STRTAB, 0).putInt(DofRelocation.HDR_OFF_RELSEC, relIdx)
                .putInt(DofRelocation.HDR_OFF_TGTSEC, probesIdx);
        sections.add(new Section(DofSectionType.URELHDR, DofRelocation.HEADER_ALIGN, 0, hdr.array()));
    }

    private byte[] layOut(List<Section> sections) {
        long tableEnd = DofHeader.SIZE + (long) sections.size() * DofSectionHeader.SIZE;
        long[] offsets = new long[sections.size()];
        long pos = tableEnd;
        for (int i = 1; i <= sections.size(); i++) {
            int idx = i % sections.size(); // the string table (section 0) goes last
            Section s = sections.get(idx);
            pos = align(pos, s.align());
            offsets[idx] = pos;
            pos += s.data().length;
        }
        if (pos > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("DOF of " + pos + " bytes is too large to build");
        }
        ByteBuffer out = le((int) pos);
        writeHeader(out, sections.size(), pos);
        for (int i = 0; i < sections.size(); i++) {
            Section s = sections.get(i);
            int at = DofHeader.SIZE + i * DofSectionHeader.SIZE;
            out.putInt(at + DofSectionHeader.OFF_TYPE, s.type()).putInt(at + DofSectionHeader.OFF_ALIGN, s.align())
                    .putInt(at + DofSectionHeader.OFF_FLAGS, (int) DofSectionHeader.FLAG_LOAD)
                    .putInt(at + DofSectionHeader.OFF_ENTSIZE, s.entrySize())
                    .putLong(at + DofSectionHeader.OFF_OFFSET, offsets[i])
                    .putLong(at + DofSectionHeader.OFF_SIZE, s.data().length);
            out.put((int) offsets[i], s.data());
        }
        return out.array();
    }

    private void writeHeader(ByteBuffer out, int sectionCount, long size) {
        out.put(DofHeader.ID_MAG0, DofHeader.MAGIC);
        out.put(DofHeader.ID_MODEL, (byte) model).put(DofHeader.ID_ENCODING, (byte) DofHeader.ENCODE_LSB)
                .put(DofHeader.ID_VERSION, (byte) version).put(DofHeader.ID_DIFVERS, (byte) DofHeader.DIF_VERSION_2)
                .put(DofHeader.ID_DIFIREG, (byte) DofHeader.DIF_MAX_REGS)
                .put(DofHeader.ID_DIFTREG, (byte) DofHeader.DIF_MAX_REGS);
        out.putInt(DofHeader.OFF_HDRSIZE, DofHeader.SIZE).putInt(DofHeader.OFF_SECSIZE, DofSectionHeader.SIZE)
                .putInt(DofHeader.OFF_SECNUM, sectionCount).putLong(DofHeader.OFF_SECOFF, DofHeader.SIZE)
                .putLong(DofHeader.OFF_LOADSZ, size).putLong(DofHeader.OFF_FILESZ, size);
    }

    private static long align(long pos, int align) {
        return (pos + align - 1) / align * align;
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The string table: index 0 is the empty string; lists are written consecutively. */
    private static final class Strings {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Strings() {
            out.write(0);
        }

        int add(String s) {
            int at = out.size();
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            out.write(0);
            return at;
        }

        int addList(List<String> list) {
            if (list.isEmpty()) {
                return 0;
            }
            int at = out.size();
            list.forEach(this::add);
            return at;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
