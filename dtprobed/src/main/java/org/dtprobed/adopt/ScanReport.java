package org.dtprobed.adopt;

/**
 * What one scan did.
 *
 * @param processes        processes looked at (in the caller's scope)
 * @param objectsExamined  object files opened and read (each at most once per scan)
 * @param negativeHits     objects answered from the negative cache without opening them
 * @param adopted          registrations made for objects with DOF that their process had not registered
 * @param alreadyRegistered objects with DOF their process had registered itself (or an earlier scan had)
 * @param refused          objects whose ELF or DOF was refused (one log line each)
 * @param nanos            how long the scan took
 */
public record ScanReport(int processes, int objectsExamined, int negativeHits, int adopted, int alreadyRegistered,
                         int refused, long nanos) {
}
