package org.dtprobed.stash;

import java.util.List;
import org.dtprobed.protocol.RegistrationKey;

/**
 * One stored registration, the unit of atomicity: it carries its per-probe records, so a
 * registration and its probes appear and disappear together.
 *
 * @param key             (pid, generation)
 * @param record          what was committed (mapping, helper, process identity)
 * @param dofKey          key of its raw DOF
 * @param dofSize         bytes of raw DOF
 * @param committedAtMillis wall-clock time of the commit
 * @param parsedVersion   layout version of the probe records as stored
 * @param probes          the probe records; empty when {@link #stale()} (rebuild pending)
 */
public record Registration(RegistrationKey key, RegistrationRecord record, ContentHash dofKey, long dofSize,
                           long committedAtMillis, int parsedVersion, List<ProbeRecord> probes) {
    public Registration {
        probes = List.copyOf(probes);
    }

    /** Whether the probe records were written in another parsed version and await a rebuild. */
    public boolean stale() {
        return parsedVersion != StashLayout.PARSED_VERSION;
    }
}
