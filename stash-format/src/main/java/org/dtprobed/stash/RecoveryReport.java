package org.dtprobed.stash;

import java.util.List;

/**
 * What {@link Stash#open} found and repaired. The repair pass runs at every open; after a clean
 * shutdown every count is normally zero.
 *
 * @param unclean                  the previous owner did not close the stash (crash, kill -9)
 * @param chronicleEvents          corruption events Chronicle's own recovery reported
 * @param damagedFiles             one line per damaged file found at the open: why, and what was done
 *                                 (kept aside as {@code NAME.damaged-MILLIS}, recovered or created afresh)
 * @param corruptRegistrations     registrations removed because their value did not decode (never acknowledged)
 * @param registrationsWithoutDof  registrations kept although their raw DOF is missing or corrupt (a
 *                                 damaged {@code dof.cm3}: their probes are intact)
 * @param orphanDof                raw DOF entries removed because no registration referenced them
 * @param orphanParsed             parse-cache entries removed (unreferenced, undecodable or another version)
 * @param orphanChunks             chunks removed because no value owned them (a crash between a
 *                                 value's chunks and its slot, {@link ChunkedMap})
 * @param pidsRepaired             pid records created or whose next generation was raised
 * @param staleRegistrations       registrations whose probe records await {@link Stash#rebuildParsed}
 */
public record RecoveryReport(boolean unclean, List<String> chronicleEvents, List<String> damagedFiles,
                             int corruptRegistrations,
                             int registrationsWithoutDof, int orphanDof, int orphanParsed, int orphanChunks, int pidsRepaired,
                             int staleRegistrations) {
    public RecoveryReport {
        chronicleEvents = List.copyOf(chronicleEvents);
        damagedFiles = List.copyOf(damagedFiles);
    }
}
