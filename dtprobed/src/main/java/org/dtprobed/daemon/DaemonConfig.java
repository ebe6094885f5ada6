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
 * @param pruneInterval how often dead pids are pruned; null: {@link #PRUNE_INTERVAL_WITH_EVENTS} when process
 *                      events are seen, else {@link #PRUNE_INTERVAL}
 * @param parserClasspath jars of the parser children; empty: the jars this daemon runs from
 * @param maxRegistrations registrations (and distinct pids) a new stash is sized for
 * @param stashChunks   4 KiB chunks a new stash's pool holds for the values larger than their slot
 * @param metricsFile   where the metrics are written for node_exporter, or null
 * @param metricsInterval how often they are written
 * @param maxRegistrationsPerUid registrations one non-root uid may hold (0: no limit); all users
 *                      together leave an eighth of {@code maxRegistrations} to root
 * @param maxRequestsPerUid helper-device requests one non-root uid may have in flight
 * @param processEvents learn of exits and execs from the kernel's process-events connector as they
 *                      happen (false: the periodic pass only)
 * @param processEventsBufferBytes the kernel's buffer for process events not read yet; when it
 *                      overflows a full pruning pass runs instead
 * @param probesTree    keep {@code STATE-DIR/probes/}, the files Oracle's dtrace reads
 * @param scanAtStart   adopt, at start-up, the processes that did not register themselves (org.dtprobed.adopt)
 * @param parserClassArchive AppCDS archive of the parser children (made first if missing), or null for none
 */
public record DaemonConfig(Path stateDir, String transport, String device, Path socket, Path mountpoint,
                           Duration parseTimeout, Duration parserStartTimeout, Duration stashOpenTimeout, int parsers, String childUser, boolean noJail,
                           Duration pruneInterval, java.util.List<Path> parserClasspath, int maxRegistrations, long stashChunks,
                           Path metricsFile, Duration metricsInterval, int maxRegistrationsPerUid,
                           int maxRequestsPerUid, boolean processEvents, int processEventsBufferBytes, boolean probesTree,
                           boolean scanAtStart, Path parserClassArchive) {
    /** The pass is how exits, execs and unmaps are found (no process events). */
    public static final Duration PRUNE_INTERVAL = Duration.ofSeconds(30);
    /** The pass is a safety net: exits and execs arrive as events, dlclose through the helper's release. */
    public static final Duration PRUNE_INTERVAL_WITH_EVENTS = Duration.ofMinutes(5);

    public DaemonConfig {
        parserClasspath = java.util.List.copyOf(parserClasspath);
        if (maxRegistrationsPerUid < 0 || maxRequestsPerUid < 1) {
            throw new IllegalArgumentException("per-uid limits: registrations " + maxRegistrationsPerUid
                    + " (0 or more), requests " + maxRequestsPerUid + " (1 or more)");
        }
        if (processEventsBufferBytes < 4096) {
            throw new IllegalArgumentException("the process-events buffer must be 4096 bytes or more, got "
                    + processEventsBufferBytes);
        }
        if (maxRegistrations < 1 || stashChunks < 1) {
            throw new IllegalArgumentException("maxRegistrations and stashChunks must be positive, got "
                    + maxRegistrations + " and " + stashChunks);
        }
    }

    public Path stashDir() {
        return stateDir.resolve("stash");
    }

    /** Where Oracle's dtrace looks: {@code <dofstashpath>/probes}. */
    public Path probesDir() {
        return stateDir.resolve("probes");
    }

    /** Where the tree's files are written before they are renamed into it (same file system, outside it). */
    public Path probesStagingDir() {
        return stateDir.resolve("probes-staging");
    }
}
