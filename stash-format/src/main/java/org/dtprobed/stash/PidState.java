package org.dtprobed.stash;

/** A stored pid record as tools see it. */
public record PidState(int pid, long nextGeneration, ProcessIdentity identity) {
}
