package org.dtprobed.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.protocol.Protocol;

/** The events of a {@code watch}, in the daemon's order; heartbeats are consumed silently. */
public final class WatchStream implements Closeable {
    private final DtprobedClient client;
    private final long startSeq;

    WatchStream(DtprobedClient client, long startSeq) {
        this.client = client;
        this.startSeq = startSeq;
    }

    /** The sequence number of the last change made before the watch began. */
    public long startSeq() {
        return startSeq;
    }

    /**
     * Blocks for the next event; null when the daemon closed the stream.
     *
     * @throws DtprobedException if the daemon ended the watch with an error (e.g. the watcher fell behind)
     */
    public WatchEvent next() throws IOException {
        while (true) {
            JsonNode n = client.next();
            if (n == null || n.isMissingNode()) {
                return null;
            }
            client.checked(n);
            String kind = n.path("event").asText();
            if (kind.equals(Protocol.EVENT_HEARTBEAT)) {
                continue;
            }
            boolean registered = kind.equals(Protocol.EVENT_REGISTERED);
            List<ProbeEntry> probes = new ArrayList<>();
            for (JsonNode p : n.path("probes")) {
                probes.add(client.decode(p));
            }
            return new WatchEvent(registered, n.path("seq").asLong(), n.path("replay").asBoolean(false),
                    n.path("pid").asInt(), n.path("uid").asInt(), n.path("generation").asLong(), probes,
                    registered ? probes.size() : n.path("probe_count").asInt());
        }
    }

    /** The raw JSON of the next event or heartbeat, for printing as is; null at the end. */
    public JsonNode nextRaw() throws IOException {
        JsonNode n = client.next();
        return n == null || n.isMissingNode() ? null : client.checked(n);
    }

    @Override
    public void close() throws IOException {
        client.close();
    }
}
