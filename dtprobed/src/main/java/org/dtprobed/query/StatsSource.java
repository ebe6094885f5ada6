package org.dtprobed.query;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where {@code stats} gets its numbers: the daemon implements this over its counters (keys in
 * docs/PROTOCOL.md). The query server adds {@code probes} and {@code pids} from its index when the
 * source leaves them out.
 */
@FunctionalInterface
public interface StatsSource {
    /** A fresh object; the server may add to it. */
    ObjectNode stats();
}
