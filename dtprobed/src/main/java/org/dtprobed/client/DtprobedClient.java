package org.dtprobed.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.dtprobed.protocol.PidSummary;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.protocol.ProbeJson;
import org.dtprobed.protocol.Protocol;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * A connection to dtprobed's query socket, shaped like a java.net socket: open it with {@link
 * #connect}, make requests, close it. Failures are {@link IOException}s: {@link ConnectException}
 * when no daemon answers, {@link DtprobedException} when the daemon refuses a request, {@link
 * ProtocolException} when its answer is not the protocol. Not thread-safe: one request at a time.
 */
public final class DtprobedClient implements Closeable {
    /** Where the daemon listens unless told otherwise. */
    public static final Path DEFAULT_SOCKET = Protocol.DEFAULT_SOCKET;

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    private final Path path;
    private final AFUNIXSocket socket;
    private final OutputStream out;
    private final JsonParser in;
    private Health health;

    private DtprobedClient(Path path, AFUNIXSocket socket) throws IOException {
        this.path = path;
        this.socket = socket;
        this.out = socket.getOutputStream();
        // a Reader, not the stream: Jackson would block reading ahead to detect the encoding
        this.in = new JsonFactory(JSON).createParser(new InputStreamReader(socket.getInputStream(),
                StandardCharsets.UTF_8));
    }

    /**
     * Connects to the daemon.
     *
     * @throws ConnectException when nothing answers on the path (no daemon, or not ready yet)
     */
    public static DtprobedClient connect(Path socket) throws IOException {
        try {
            return new DtprobedClient(socket, AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(socket)));
        } catch (ConnectException e) {
            throw e;
        } catch (SocketException e) {
            ConnectException c = new ConnectException("Connection refused: " + socket + " (" + e.getMessage() + ")");
            c.initCause(e);
            throw c;
        }
    }

    public Path path() {
        return path;
    }

    /** Probes matching a DTrace description ({@code provider:module:function:name}), optionally of one pid. */
    public List<ProbeEntry> list(String description, OptionalInt pid) throws IOException {
        return listing(description, pid).probes();
    }

    /**
     * What {@code list} answered: the probes, and how many more matched in processes the caller's
     * scope hides (other users' processes, for a caller other than root; 0 for root).
     */
    public record Listing(List<ProbeEntry> probes, long hidden) {
    }

    /** {@link #list}, with the number of matching probes the caller's scope hid. */
    public Listing listing(String description, OptionalInt pid) throws IOException {
        send(request(Protocol.OP_LIST, description, pid));
        return readProbeList();
    }

    /** Streams the probes of a list response (it can be tens of megabytes) instead of building a tree. */
    private Listing readProbeList() throws IOException {
        try {
            JsonToken t = in.nextToken();
            if (t == null) {
                throw new SocketException("Connection closed by dtprobed at " + path);
            }
            if (t != JsonToken.START_OBJECT) {
                throw new ProtocolException("response from " + path + " is not a JSON object");
            }
            ObjectNode envelope = JSON.createObjectNode();
            List<ProbeEntry> probes = null;
            while (in.nextToken() == JsonToken.FIELD_NAME) {
                String field = in.currentName();
                if (in.nextToken() == JsonToken.START_ARRAY && field.equals("probes")) {
                    probes = new ArrayList<>();
                    while (in.nextToken() == JsonToken.START_OBJECT) {
                        probes.add(decode(in));
                    }
                } else {
                    envelope.set(field, in.readValueAsTree());
                }
            }
            in.clearCurrentToken(); // as ObjectMapper does after a value, so the next read starts afresh
            checked(envelope);
            if (probes == null) {
                throw new ProtocolException("response from " + path + " has no \"probes\" array");
            }
            return new Listing(probes, Math.max(0, envelope.path("hidden").asLong(0)));
        } catch (JsonProcessingException e) {
            throw new ProtocolException("malformed response from " + path + ": " + e.getOriginalMessage());
        }
    }

    /** Registering processes the caller may see. */
    public List<PidSummary> pids() throws IOException {
        JsonNode r = call(request(Protocol.OP_PIDS, null, OptionalInt.empty()));
        List<PidSummary> out = new ArrayList<>();
        for (JsonNode p : array(r, "pids")) {
            out.add(new PidSummary(p.path("pid").asInt(), p.path("uid").asInt(), p.path("registrations").asInt(),
                    p.path("probes").asInt()));
        }
        return out;
    }

    /** The daemon's counters (keys in docs/PROTOCOL.md). */
    public ObjectNode stats() throws IOException {
        JsonNode s = call(request(Protocol.OP_STATS, null, OptionalInt.empty())).get("stats");
        if (s == null || !s.isObject()) {
            throw new ProtocolException("stats response from " + path + " has no \"stats\" object");
        }
        return (ObjectNode) s;
    }

    /**
     * Has the daemon examine the process (or every process) the caller may trace and adopt the
     * objects with DOF that did not register themselves; its report (keys in docs/PROTOCOL.md).
     */
    public ObjectNode scan(OptionalInt pid) throws IOException {
        JsonNode s = call(request(Protocol.OP_SCAN, null, pid)).get("scan");
        if (s == null || !s.isObject()) {
            throw new ProtocolException("scan response from " + path + " has no \"scan\" object");
        }
        return (ObjectNode) s;
    }

    /** The daemon's metrics in the OpenMetrics text format, ending in {@code # EOF}. */
    public String metrics() throws IOException {
        JsonNode t = call(request(Protocol.OP_METRICS, null, OptionalInt.empty())).get("text");
        if (t == null || !t.isTextual()) {
            throw new ProtocolException("metrics response from " + path + " has no \"text\" string");
        }
        return t.textValue();
    }

    public Health health() throws IOException {
        JsonNode r = call(request(Protocol.OP_HEALTH, null, OptionalInt.empty()));
        Set<String> caps = new HashSet<>();
        r.path("capabilities").forEach(c -> caps.add(c.asText()));
        health = new Health(r.path("ready").asBoolean(false), caps);
        return health;
    }

    /** Whether the daemon answers an operation (asked once per connection). */
    public boolean supports(String op) throws IOException {
        return (health != null ? health : health()).capabilities().contains(op);
    }

    /**
     * Turns this connection into a stream of registrations and removals; no other request can be
     * made on it afterwards.
     *
     * @param replay first deliver the registrations present now
     */
    public WatchStream watch(String description, OptionalInt pid, boolean replay) throws IOException {
        ObjectNode req = request(Protocol.OP_WATCH, description, pid);
        req.put("replay", replay);
        JsonNode first = call(req);
        return new WatchStream(this, first.path("seq").asLong());
    }

    private static ObjectNode request(String op, String description, OptionalInt pid) {
        ObjectNode r = JSON.createObjectNode().put("op", op);
        if (description != null) {
            r.put("probe", description);
        }
        pid.ifPresent(p -> r.put("pid", p));
        return r;
    }

    private JsonNode call(ObjectNode request) throws IOException {
        send(request);
        return checked(next());
    }

    private void send(ObjectNode request) throws IOException {
        out.write(JSON.writeValueAsBytes(request));
        out.write('\n');
        out.flush();
    }

    /** The next JSON value the daemon sent, or null when it closed the connection. */
    JsonNode next() throws IOException {
        try {
            return JSON.readTree(in);
        } catch (JsonProcessingException e) {
            throw new ProtocolException("malformed response from " + path + ": " + e.getOriginalMessage());
        }
    }

    JsonNode checked(JsonNode r) throws IOException {
        if (r == null || r.isMissingNode()) {
            throw new SocketException("Connection closed by dtprobed at " + path);
        }
        if (r.path("v").asInt(-1) != Protocol.VERSION) {
            throw new ProtocolException("response from " + path + " speaks protocol version " + r.path("v")
                    + "; this client speaks " + Protocol.VERSION);
        }
        if (r.has("ok") && !r.path("ok").asBoolean()) {
            JsonNode e = r.path("error");
            throw new DtprobedException(e.path("code").asText("unknown"), e.path("message").asText(""));
        }
        return r;
    }

    private JsonNode array(JsonNode r, String field) throws ProtocolException {
        JsonNode a = r.get(field);
        if (a == null || !a.isArray()) {
            throw new ProtocolException("response from " + path + " has no \"" + field + "\" array");
        }
        return a;
    }

    private ProbeEntry decode(JsonParser p) throws IOException {
        try {
            return ProbeJson.read(p);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("bad probe in response from " + path + ": " + e.getMessage());
        }
    }

    ProbeEntry decode(JsonNode p) throws ProtocolException {
        try {
            return ProbeJson.read(p);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("bad probe in response from " + path + ": " + e.getMessage());
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
