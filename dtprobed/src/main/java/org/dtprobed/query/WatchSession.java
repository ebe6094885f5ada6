package org.dtprobed.query;

import org.dtprobed.protocol.ProbeDescription;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.protocol.ProbeJson;
import org.dtprobed.protocol.Protocol;
import org.dtprobed.protocol.RegistrationKey;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.newsclub.net.unix.AFUNIXSocket;

/**
 * A {@code watch} stream: after the first response, one line per registration or removal the
 * caller may see (optionally only those matching a description and/or pid), in index order, with
 * heartbeats while nothing happens. The index hands events to a bounded queue; a watcher that falls
 * that far behind gets a {@code watch_overflow} error and is disconnected rather than slowing the
 * daemon.
 */
final class WatchSession {
    private static final IndexEvent OVERFLOW = new IndexEvent.Removed(-1, -1, -1, -1, -1);

    private final AFUNIXSocket socket;
    private final OutputStream out;
    private final JsonNode request;
    private final Scope scope;
    private final QueryServerConfig config;
    private final ProbeIndex index;
    /** Registrations this watcher was told of, so removals are reported exactly for those. */
    private final Set<RegistrationKey> shown = new HashSet<>();

    WatchSession(AFUNIXSocket socket, OutputStream out, JsonNode request, Scope scope, QueryServerConfig config,
                 ProbeIndex index) {
        this.socket = socket;
        this.out = out;
        this.request = request;
        this.scope = scope;
        this.ownSequence = !scope.everything();
        this.config = config;
        this.index = index;
    }

    /**
     * A caller other than root numbers the changes it is shown from 0 (the daemon-wide sequence
     * numbers, heartbeats' included, would count other users' registrations: issue 19).
     */
    private final boolean ownSequence;
    private long shownSeq;

    void run() throws IOException {
        ProbeDescription desc;
        OptionalInt pid;
        try {
            desc = QueryConnection.description(request);
            pid = QueryConnection.pid(request);
        } catch (QueryConnection.RequestException e) {
            QueryConnection.writeError(out, request, e.code, e.getMessage());
            out.flush();
            return;
        }
        JsonNode replay = request.get("replay");
        BlockingQueue<IndexEvent> queue = new ArrayBlockingQueue<>(config.watchQueueEvents() + 1);
        IndexListener listener = event -> {
            if (queue.remainingCapacity() <= 1 || !queue.offer(event)) {
                queue.clear();
                queue.offer(OVERFLOW);
            }
        };
        try (ProbeIndex.Subscription sub = index.subscribe(listener, replay != null && replay.asBoolean())) {
            // nothing is read from a watcher; the timeout bounds a write to one that stopped reading
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, config.idleTimeout().toMillis()));
            try (JsonGenerator g = QueryConnection.begin(out, request, Protocol.OP_WATCH)) {
                g.writeNumberField("seq", ownSequence ? 0 : sub.seq());
                g.writeEndObject();
            }
            out.write('\n');
            for (List<ProbeEntry> reg : sub.snapshot()) {
                ProbeEntry f = reg.get(0);
                send(new IndexEvent.Registered(sub.seq(), f.pid(), f.uid(), f.generation(), reg), desc, pid, true);
            }
            out.flush();
            stream(queue, desc, pid, sub.seq());
        }
    }

    private void stream(BlockingQueue<IndexEvent> queue, ProbeDescription desc, OptionalInt pid, long seq)
            throws IOException {
        long heartbeatMillis = config.heartbeatInterval().toMillis();
        long last = seq;
        while (!socket.isClosed()) {
            IndexEvent e;
            try {
                e = queue.poll(heartbeatMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
            if (e == OVERFLOW) {
                QueryConnection.writeError(out, null, Protocol.ERR_OVERFLOW,
                        "more than " + config.watchQueueEvents() + " events behind; watch again");
                out.flush();
                return;
            }
            if (e == null) {
                heartbeat(ownSequence ? shownSeq : last);
            } else {
                last = e.seq();
                send(e, desc, pid, false);
                if (queue.isEmpty()) {
                    out.flush();
                }
            }
        }
    }

    private void heartbeat(long seq) throws IOException {
        try (JsonGenerator g = QueryConnection.JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("v", Protocol.VERSION);
            g.writeStringField("event", Protocol.EVENT_HEARTBEAT);
            g.writeNumberField("seq", seq);
            g.writeEndObject();
        }
        out.write('\n');
        out.flush();
    }

    private void send(IndexEvent e, ProbeDescription desc, OptionalInt pid, boolean replay) throws IOException {
        if (!scope.permits(e.uid()) || (pid.isPresent() && pid.getAsInt() != e.pid())) {
            return;
        }
        RegistrationKey key = new RegistrationKey(e.pid(), e.generation());
        List<ProbeEntry> probes = List.of();
        if (e instanceof IndexEvent.Registered r) {
            probes = r.probes().stream().filter(desc::matches).toList();
            if (probes.isEmpty()) {
                return;
            }
            shown.add(key);
        } else if (!shown.remove(key)) {
            return;
        }
        try (JsonGenerator g = QueryConnection.JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("v", Protocol.VERSION);
            g.writeStringField("event", e instanceof IndexEvent.Registered
                    ? Protocol.EVENT_REGISTERED : Protocol.EVENT_REMOVED);
            g.writeNumberField("seq", !ownSequence ? e.seq() : replay ? 0 : ++shownSeq);
            if (replay) {
                g.writeBooleanField("replay", true);
            }
            g.writeNumberField("pid", e.pid());
            g.writeNumberField("uid", e.uid());
            g.writeNumberField("generation", e.generation());
            if (e instanceof IndexEvent.Removed r) {
                g.writeNumberField("probe_count", r.probeCount());
            } else {
                g.writeArrayFieldStart("probes");
                for (ProbeEntry p : probes) {
                    ProbeJson.write(g, p);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        }
        out.write('\n');
    }
}
