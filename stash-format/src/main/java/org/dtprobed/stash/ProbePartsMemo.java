package org.dtprobed.stash;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dtprobed.dof.ProviderAttributes;

/**
 * The probe records of one DOF, decoded once while the stash opens. Registrations of one DOF
 * store the same bytes for each probe's names, attributes, types and argmap (only the sites move
 * with the load base), so a probe whose bytes equal those its position held in an earlier
 * registration of the DOF takes that decode's objects instead of decoding them again: 10,000
 * processes of one 20-probe DOF decode 20 probes' strings, not 200,000 (BENCHMARKS.md, "Seventh
 * session: READY"). The bytes are compared, never assumed: a probe that differs is decoded for
 * itself (the first decode of each position stays). One opening thread; dropped with the open.
 */
final class ProbePartsMemo {
    /** DOFs remembered: a stash of more distinct DOFs decodes the others as before. */
    static final int MAX_DOFS = 4096;

    /** What a probe record holds before its sites, as decoded (the lists immutable). */
    record Parts(String provider, String function, String name, ProviderAttributes attributes,
                 List<String> nativeTypes, List<String> translatedTypes, List<Integer> argmap) {
    }

    /** A probe's parts and where their bytes are: {@code value[from..to)}. */
    record Seen(byte[] value, int from, int to, Parts parts) {
    }

    private final Map<ContentHash, Seen[]> byDof = new HashMap<>();

    /** Each probe position's parts of this DOF seen so far (null where none); null once full. */
    Seen[] of(ContentHash dof, int probes) {
        Seen[] s = byDof.get(dof);
        if (s != null && s.length == probes) {
            return s;
        }
        if (s == null && byDof.size() >= MAX_DOFS) {
            return null;
        }
        s = new Seen[probes];
        byDof.put(dof, s);
        return s;
    }
}
