package org.dtprobed.protocol;

/** One registering process as {@code pids} reports it. */
public record PidSummary(int pid, int uid, int registrations, int probes) {
}
