package org.dtprobed.stash;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Where the stash lives and how its files are sized. The sizes only matter when a file is
 * created; an existing file keeps the sizing it was created with. Defaults come from the
 * measurements in BENCHMARKS.md ("## Stash"): a 20-probe registration value is 2,691 bytes, the
 * corpus's raw DOF averages 2.2 KiB (8.4 KiB for 100 probes); an empty default stash takes 83 MiB
 * (Chronicle preallocates). A commit beyond the sized entry counts, or beyond entries x average
 * value bytes ({@link Stash#budget}), is refused with FULL rather than let Chronicle chain extra
 * tiers (which {@code maxBloatFactor} 1 does not forbid; docs/STASH-FORMAT.md "Sizing").
 *
 * @param stateDir        directory holding every stash file (default {@code /run/dtrace/stash})
 * @param registrations   sizing of {@code registrations.cm3}
 * @param rawDof          sizing of {@code dof.cm3}
 * @param parsed          sizing of {@code parsed.cm3} (the parse cache)
 * @param pids            sizing of {@code pids.cm3}
 * @param negativeTtl     how long a negative-cache entry is believed
 * @param negativeBound   most negative-cache entries; the oldest is evicted beyond it
 * @param clock           wall clock for commit times and negative-cache expiry
 * @param openDeadline    longest the open (Chronicle's recovery and the repair pass) may take; a
 *                        damaged file can make Chronicle loop or wait, and the unit's
 *                        {@code TimeoutStartSec=60s} must not be the one to end it
 */
public record StashConfig(Path stateDir, MapSizing registrations, MapSizing rawDof, MapSizing parsed,
                          MapSizing pids, Duration negativeTtl, int negativeBound, Clock clock,
                          Duration openDeadline) {
    public static final Path DEFAULT_STATE_DIR = Path.of("/run/dtrace/stash");
    public static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofMinutes(10);
    public static final int DEFAULT_NEGATIVE_BOUND = 65_536;
    /** Well inside systemd's TimeoutStartSec=60s, with room for the rest of the start. */
    public static final Duration DEFAULT_OPEN_DEADLINE = Duration.ofSeconds(40);
    public static final MapSizing DEFAULT_REGISTRATIONS = new MapSizing(8_192, 3 * 1024, 1);
    public static final MapSizing DEFAULT_RAW_DOF = new MapSizing(2_048, 8 * 1024, 1);
    public static final MapSizing DEFAULT_PARSED = new MapSizing(2_048, 8 * 1024, 1);
    /** Two slots for each pid that can hold a registration (see {@link #pidsFor}). */
    public static final MapSizing DEFAULT_PIDS = pidsFor(DEFAULT_REGISTRATIONS.entries());

    public StashConfig {
        if (stateDir == null || registrations == null || rawDof == null || parsed == null || pids == null
                || negativeTtl == null || clock == null || openDeadline == null) {
            throw new NullPointerException("every StashConfig field is required");
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
        return new StashConfig(stateDir, DEFAULT_REGISTRATIONS, DEFAULT_RAW_DOF, DEFAULT_PARSED, DEFAULT_PIDS,
                DEFAULT_NEGATIVE_TTL, DEFAULT_NEGATIVE_BOUND, Clock.systemUTC(), DEFAULT_OPEN_DEADLINE);
    }

    /** Small files for tests and tools: a few thousand entries each. */
    public static StashConfig small(Path stateDir) {
        return new StashConfig(stateDir, new MapSizing(2_048, 3 * 1024, 1), new MapSizing(512, 4 * 1024, 1),
                new MapSizing(512, 8 * 1024, 1), pidsFor(2_048),
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

    /** Room for {@code n} registrations and as many registering pids (the daemon's {@code --max-registrations}). */
    public StashConfig withMaxRegistrations(long n) {
        return new StashConfig(stateDir, new MapSizing(n, registrations.averageValueBytes(), registrations.maxBloatFactor()),
                rawDof, parsed, pidsFor(n), negativeTtl, negativeBound, clock, openDeadline);
    }

    public StashConfig withRegistrations(MapSizing s) {
        return new StashConfig(stateDir, s, rawDof, parsed, pids, negativeTtl, negativeBound, clock, openDeadline);
    }

    public StashConfig withRawDof(MapSizing s) {
        return new StashConfig(stateDir, registrations, s, parsed, pids, negativeTtl, negativeBound, clock, openDeadline);
    }

    public StashConfig withNegative(Duration ttl, int bound) {
        return new StashConfig(stateDir, registrations, rawDof, parsed, pids, ttl, bound, clock, openDeadline);
    }

    public StashConfig withClock(Clock c) {
        return new StashConfig(stateDir, registrations, rawDof, parsed, pids, negativeTtl, negativeBound, c, openDeadline);
    }

    public StashConfig withOpenDeadline(Duration d) {
        return new StashConfig(stateDir, registrations, rawDof, parsed, pids, negativeTtl, negativeBound, clock, d);
    }
}
