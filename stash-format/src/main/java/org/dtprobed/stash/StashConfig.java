package org.dtprobed.stash;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Where the stash lives and how many entries its files are sized for. The sizes only matter when
 * a file is created; an existing file keeps the sizing it was created with. Registrations, raw
 * DOF and the parse cache are stored in slots of one constant size per file, and what a value
 * has beyond its slot in chunks of 4 KiB ({@link ChunkedMap}, {@link StashLayout}); so a file
 * never grows, and a commit beyond a file's entries (or beyond the chunks left) is refused with
 * FULL (ENOSPC) before any write. Defaults come from the measurements in BENCHMARKS.md
 * ("## Stash"): a 20-probe registration value is 2,691 bytes (it fits its 3 KiB slot), the
 * corpus's raw DOF averages 2.2 KiB (a 4 KiB slot), a registration grows ~128 bytes per probe.
 *
 * @param stateDir        directory holding every stash file (default {@code /run/dtrace/stash})
 * @param registrations   registrations {@code registrations-2.cm3} holds (3 KiB slots)
 * @param rawDof          distinct raw DOF {@code dof-2.cm3} holds (4 KiB slots)
 * @param parsed          parse-cache entries of {@code parsed-2.cm3} (4 KiB slots)
 * @param chunks          4 KiB chunks in {@code chunks-2.cm3}, shared by the values larger than their slot
 * @param pids            sizing of {@code pids-2.cm3}
 * @param negativeTtl     how long a negative-cache entry is believed
 * @param negativeBound   most negative-cache entries; the oldest is evicted beyond it
 * @param clock           wall clock for commit times and negative-cache expiry
 * @param openDeadline    longest the open (Chronicle's recovery and the repair pass) may take; a
 *                        damaged file can make Chronicle loop or wait, and the unit's
 *                        {@code TimeoutStartSec=60s} must not be the one to end it
 */
public record StashConfig(Path stateDir, long registrations, long rawDof, long parsed, long chunks,
                          MapSizing pids, Duration negativeTtl, int negativeBound, Clock clock,
                          Duration openDeadline) {
    public static final Path DEFAULT_STATE_DIR = Path.of("/run/dtrace/stash");
    public static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofMinutes(10);
    public static final int DEFAULT_NEGATIVE_BOUND = 65_536;
    /** Well inside systemd's TimeoutStartSec=60s, with room for the rest of the start. */
    public static final Duration DEFAULT_OPEN_DEADLINE = Duration.ofSeconds(40);
    public static final long DEFAULT_REGISTRATIONS = 8_192;
    public static final long DEFAULT_RAW_DOF = 2_048;
    public static final long DEFAULT_PARSED = 2_048;
    /** One chunk per registration: on average 4 KiB more than the slot (~50 probes in all). */
    public static final long DEFAULT_CHUNKS = chunksFor(DEFAULT_REGISTRATIONS);
    /** Two slots for each pid that can hold a registration (see {@link #pidsFor}). */
    public static final MapSizing DEFAULT_PIDS = pidsFor(DEFAULT_REGISTRATIONS);

    public StashConfig {
        if (stateDir == null || pids == null || negativeTtl == null || clock == null || openDeadline == null) {
            throw new NullPointerException("every StashConfig field is required");
        }
        if (registrations < 1 || rawDof < 1 || parsed < 1 || chunks < 1) {
            throw new IllegalArgumentException("every file needs room for at least one entry; got registrations "
                    + registrations + ", raw DOF " + rawDof + ", parsed " + parsed + ", chunks " + chunks);
        }
        if (negativeTtl.isNegative() || negativeTtl.isZero()) {
            throw new IllegalArgumentException("negativeTtl must be positive, got " + negativeTtl);
        }
        if (openDeadline.isNegative() || openDeadline.isZero()) {
            throw new IllegalArgumentException("openDeadline must be positive, got " + openDeadline);
        }
        if (negativeBound < 1) {
            throw new IllegalArgumentException("negativeBound must be positive, got " + negativeBound);
        }
    }

    public static StashConfig defaults() {
        return at(DEFAULT_STATE_DIR);
    }

    /** Default sizing in the given directory. */
    public static StashConfig at(Path stateDir) {
        return new StashConfig(stateDir, DEFAULT_REGISTRATIONS, DEFAULT_RAW_DOF, DEFAULT_PARSED, DEFAULT_CHUNKS,
                DEFAULT_PIDS, DEFAULT_NEGATIVE_TTL, DEFAULT_NEGATIVE_BOUND, Clock.systemUTC(), DEFAULT_OPEN_DEADLINE);
    }

    /** Small files for tests and tools: a few thousand entries each. */
    public static StashConfig small(Path stateDir) {
        return new StashConfig(stateDir, 2_048, 512, 512, chunksFor(2_048), pidsFor(2_048),
                DEFAULT_NEGATIVE_TTL, 4_096, Clock.systemUTC(), DEFAULT_OPEN_DEADLINE);
    }

    /**
     * The pid-record sizing for a stash of {@code registrations}: every registration may belong
     * to a pid of its own, and a pid's record takes two entries once it has registered twice (the
     * record is written alternately to two slots, so that a crash mid-write leaves the previous
     * one), plus the two entries a commit keeps in reserve. Sized for one slot per pid, a stash of
     * 8,192 registrations was full of pid records at 4,095 processes that had each registered two
     * objects (a program and one library).
     */
    public static MapSizing pidsFor(long registrations) {
        return new MapSizing(2 * registrations + 2, 48, 1);
    }

    /** The chunk pool for a stash of {@code registrations}: one 4 KiB chunk each on average. */
    public static long chunksFor(long registrations) {
        return registrations;
    }

    /**
     * Room for {@code n} registrations, as many registering pids, and one chunk each on average
     * (the daemon's {@code --max-registrations}).
     */
    public StashConfig withMaxRegistrations(long n) {
        return new StashConfig(stateDir, n, rawDof, parsed, chunksFor(n), pidsFor(n), negativeTtl, negativeBound, clock,
                openDeadline);
    }

    /** The same with a chunk pool of {@code n} 4 KiB chunks (the daemon's {@code --stash-chunks}). */
    public StashConfig withChunks(long n) {
        return new StashConfig(stateDir, registrations, rawDof, parsed, n, pids, negativeTtl, negativeBound, clock,
                openDeadline);
    }

    /** The entry counts an existing stash was created with (read back from its meta file). */
    StashConfig withSizing(long registrations, long rawDof, long parsed, long chunks, long pidEntries) {
        MapSizing p = new MapSizing(pidEntries, pids.averageValueBytes(), pids.maxBloatFactor());
        return new StashConfig(stateDir, registrations, rawDof, parsed, chunks, p, negativeTtl, negativeBound, clock,
                openDeadline);
    }

    public StashConfig withRegistrations(long n) {
        return new StashConfig(stateDir, n, rawDof, parsed, chunks, pids, negativeTtl, negativeBound, clock, openDeadline);
    }

    public StashConfig withRawDof(long n) {
        return new StashConfig(stateDir, registrations, n, parsed, chunks, pids, negativeTtl, negativeBound, clock,
                openDeadline);
    }

    public StashConfig withNegative(Duration ttl, int bound) {
        return new StashConfig(stateDir, registrations, rawDof, parsed, chunks, pids, ttl, bound, clock, openDeadline);
    }

    public StashConfig withClock(Clock c) {
        return new StashConfig(stateDir, registrations, rawDof, parsed, chunks, pids, negativeTtl, negativeBound, c,
                openDeadline);
    }

    public StashConfig withOpenDeadline(Duration d) {
        return new StashConfig(stateDir, registrations, rawDof, parsed, chunks, pids, negativeTtl, negativeBound, clock, d);
    }
}
