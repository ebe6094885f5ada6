package org.dtprobed.dof.write;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.dtprobed.dof.DofHeader;
import org.dtprobed.dof.DofProbeRecord;
import org.dtprobed.dof.DofSectionHeader;
import org.dtprobed.dof.DofSectionType;

/**
 * Hostile DOF for the heap-bound tests (issue 19, attack 1): many probes whose records all point
 * at the first probe's argument-type list, so that a blob of some KiB describes a result of many
 * MiB. Well formed in every other respect; a parser that builds the result before bounding it
 * spends {@code probes x argTypes x typeLength} bytes on it.
 */
public final class SharedArgumentsDof {
    private SharedArgumentsDof() {
    }

    /**
     * @param provider  the provider's name
     * @param probes    probes in the blob (each 48 bytes and one offset)
     * @param argTypes  argument types every probe shares (at most 255)
     * @param typeBytes length of each type's name (at most 127)
     */
    public static byte[] build(String provider, int probes, int argTypes, int typeBytes) {
        String[] types = new String[argTypes];
        for (int k = 0; k < argTypes; k++) {
            String n = "t" + k + "_";
            types[k] = n + String.join("", Collections.nCopies(typeBytes - n.length(), "x"));
        }
        List<ProbeSpec> specs = new ArrayList<>();
        specs.add(ProbeSpec.builder("f", "p0").offsets(0).args(types).build());
        for (int i = 1; i < probes; i++) {
            specs.add(ProbeSpec.builder("f", "p" + i).offsets(4L * i).build());
        }
        byte[] dof = DofWriter.builder().provider(provider, specs.toArray(ProbeSpec[]::new)).build();
        ByteBuffer b = ByteBuffer.wrap(dof).order(ByteOrder.LITTLE_ENDIAN);
        int first = probesSectionOffset(b);
        for (int i = 1; i < probes; i++) {
            int at = first + i * DofProbeRecord.SIZE;
            for (int off : new int[] {DofProbeRecord.OFF_NARGV, DofProbeRecord.OFF_XARGV, DofProbeRecord.OFF_ARGIDX}) {
                b.putInt(at + off, b.getInt(first + off));
            }
            b.put(at + DofProbeRecord.OFF_NARGC, b.get(first + DofProbeRecord.OFF_NARGC));
            b.put(at + DofProbeRecord.OFF_XARGC, b.get(first + DofProbeRecord.OFF_XARGC));
        }
        return dof;
    }

    private static int probesSectionOffset(ByteBuffer b) {
        long secoff = b.getLong(DofHeader.OFF_SECOFF);
        int secsize = b.getInt(DofHeader.OFF_SECSIZE);
        int secnum = b.getInt(DofHeader.OFF_SECNUM);
        for (int i = 0; i < secnum; i++) {
            int sh = (int) (secoff + (long) i * secsize);
            if (b.getInt(sh + DofSectionHeader.OFF_TYPE) == DofSectionType.PROBES) {
                if (b.getInt(sh + DofSectionHeader.OFF_ENTSIZE) != DofProbeRecord.SIZE) {
                    throw new IllegalStateException("the writer's probe records are not " + DofProbeRecord.SIZE + " bytes");
                }
                return (int) b.getLong(sh + DofSectionHeader.OFF_OFFSET);
            }
        }
        throw new IllegalStateException("the writer made no PROBES section");
    }
}
