package org.dtprobed.query;

import org.dtprobed.protocol.ProbeEntry;

import java.util.List;

/**
 * A change to the index, in the order it was made; {@code seq} grows by one per event.
 */
public sealed interface IndexEvent permits IndexEvent.Registered, IndexEvent.Removed {
    long seq();

    int pid();

    int uid();

    long generation();

    /** A registration was added; {@code probes} are its probes. */
    record Registered(long seq, int pid, int uid, long generation, List<ProbeEntry> probes) implements IndexEvent {
        public Registered {
            probes = List.copyOf(probes);
        }
    }

    /** A registration was removed (by REMOVE, process exit, exec or pid reuse); it had {@code probeCount} probes. */
    record Removed(long seq, int pid, int uid, long generation, int probeCount) implements IndexEvent {
    }
}
