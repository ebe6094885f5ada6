package org.dtprobed.daemon;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the daemon is told on its command line.
 *
 * @param stateDir      holds the lock, the stash ({@code stash/}), the FUSE mount and the socket by default
 * @param transport     {@code auto}, {@code cuse} or {@code fuse}
 * @param device        the device name under /dev ({@code dtrace/helper})
 * @param socket        the query socket
 * @param mountpoint    where the FUSE-file fallback mounts its file system
 * @param parseTimeout  deadline of one parse in the jailed child
 * @param parserStartTimeout how long a parser child may take from spawn to READY
 * @param stashOpenTimeout how long opening the stash (recovery and repair included) may take
 * @param parsers       number of jailed parser children
 * @param childUser     user the parser children run as
 * @param noJail        run the parser children without their seccomp filter (debugging only)
 * @param pruneInterval how often dead pids are pruned
 * @param parserClasspath jars of the parser children; empty: the jars this daemon runs from
 * @param maxRegistrations registrations (and distinct pids) a new stash is sized for
 * @param metricsFile   where the metrics are written for node_exporter, or null
 * @param metricsInterval how often they are written
 * @param maxRegistrationsPerUid registrations one non-root uid may hold (0: no limit); all users
 *                      together leave an eighth of {@code maxRegistrations} to root
 * @param maxRequestsPerUid helper-device requests one non-root uid may have in flight
 * @param processEvents learn of exits and execs from the kernel's process-events connector as they
 *                      happen (false: the periodic pass only)
 * @param parserClassArchive AppCDS archive of the parser children (made first if missing), or null for none
 */
public record DaemonConfig(Path stateDir, String transport, String device, Path socket, Path mountpoint,
                           Duration parseTimeout, Duration parserStartTimeout, Duration stashOpenTimeout, int parsers, String childUser, boolean noJail,
                           Duration pruneInterval, java.util.List<Path> parserClasspath, int maxRegistrations,
                           Path metricsFile, Duration metricsInterval, int maxRegistrationsPerUid,
                           int maxRequestsPerUid, boolean processEvents, Path parserClassArchive) {
    public DaemonConfig {
        parserClasspath = java.util.List.copyOf(parserClasspath);
        if (maxRegistrationsPerUid < 0 || maxRequestsPerUid < 1) {
            throw new IllegalArgumentException("per-uid limits: registrations " + maxRegistrationsPerUid
                    + " (0 or more), requests " + maxRequestsPerUid + " (1 or more)");
        }
        if (maxRegistrations < 1) {
            throw new IllegalArgumentException("maxRegistrations must be positive, got " + maxRegistrations);
        }
    }

    public Path stashDir() {
        return stateDir.resolve("stash");
    }
}
