package org.dtprobed.ingest;

import java.util.LinkedHashMap;
import java.util.Map;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.stash.ContentHash;

/**
 * What the registrations of one DOF have in common in the query index: per probe, its names,
 * types and argmap, and its sites and object where those come out the same too (forked children,
 * executables that are not position-independent). The index then holds them once per DOF rather
 * than once per registration (10,000 processes of one program: BENCHMARKS.md, issue 16).
 *
 * <p>A DOF is known by its digest and module name; its probes by position. A probe that does not
 * equal what its position holds gets copies of its own, so sharing never changes what a probe
 * says. Bounded, least recently used DOF out first: a DOF that falls out is shared again from its
 * next registration on. Thread-safe: the per-DOF arrays are read and written without a lock, which
 * at worst shares less, since a {@link ProbeEntry} is immutable and safely published by its final fields.
 */
public final class SharedProbeParts {
    /** Distinct DOFs with registrations at once: far more than a host runs, a few MiB at most. */
    static final int MAX_DOFS = 4096;

    private record Key(ContentHash dof, String module) {
    }

    private final Map<Key, ProbeEntry[]> byDof = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, ProbeEntry[]> eldest) {
            return size() > MAX_DOFS;
        }
    };

    /** The first entry of each probe position of this DOF seen lately (null where none yet). */
    synchronized ProbeEntry[] of(ContentHash dof, String module, int probes) {
        Key k = new Key(dof, module);
        ProbeEntry[] t = byDof.get(k);
        if (t == null || t.length != probes) {
            t = new ProbeEntry[probes];
            byDof.put(k, t);
        }
        return t;
    }

    synchronized int size() {
        return byDof.size();
    }
}
