package org.dtprobed.client;

import java.util.List;
import org.dtprobed.protocol.ProbeEntry;

/**
 * One registration or removal from a {@code watch} stream.
 *
 * @param registered  true for a registration, false for a removal
 * @param replay      a registration present when the watch began (asked for with replay)
 * @param probes      the registration's matching probes (empty for a removal)
 * @param probeCount  how many probes the removed registration had (for a registration: {@code probes.size()})
 */
public record WatchEvent(boolean registered, long seq, boolean replay, int pid, int uid, long generation,
                         List<ProbeEntry> probes, int probeCount) {
    public WatchEvent {
        probes = List.copyOf(probes);
    }
}
