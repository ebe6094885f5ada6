package org.dtprobed.query;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where {@code stats} and {@code metrics} get their numbers: the daemon implements this over its
 * counters (docs/PROTOCOL.md). The query server adds {@code probes} and {@code pids} from its index
 * when the source leaves them out.
 */
@FunctionalInterface
public interface StatsSource {
    /** A fresh object; the server may add to it. */
    ObjectNode stats();

    /** The OpenMetrics text, ending in {@code # EOF}; a source with no metrics has an empty exposition. */
    default String openMetrics() {
        return "# EOF\n";
    }

    /** Told how long each answered request took (not {@code watch}, which streams). */
    default void answered(String op, long nanos) {
    }
}
