package org.dtprobed.stash;

import java.util.Optional;

/**
 * Tells {@link Stash#prune} which pids still live and as what; the daemon implements it from
 * {@code /proc}. It is asked once per stashed pid.
 */
@FunctionalInterface
public interface PidLiveness {
    /** The pid's current identity, or empty when no such process exists. */
    Optional<ProcessIdentity> identity(int pid);
}
