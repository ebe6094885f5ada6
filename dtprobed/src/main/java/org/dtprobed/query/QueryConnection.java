package org.dtprobed.query;

import org.dtprobed.metrics.Exposition;
import org.dtprobed.protocol.ProbeDescription;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.protocol.ProbeJson;
import org.dtprobed.protocol.Protocol;
import org.dtprobed.protocol.PidSummary;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.util.OptionalInt;
import java.util.function.BooleanSupplier;
import org.newsclub.net.unix.AFUNIXSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client of the query socket: reads request lines, answers each with one response line, and
 * hands the connection to a {@link WatchSession} for {@code watch}. Every failure of one request
 * is answered and forgotten; the next request starts clean.
 */
final class QueryConnection implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(QueryConnection.class);
    /** Strict: one JSON object per line, nothing after it (issue 19: trailing bytes were half-accepted). */
    static final ObjectMapper JSON = new ObjectMapper()
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** A request the server refuses, with the error code to answer. */
    static final class RequestException extends Exception {
        final String code;

        RequestException(String code, String message) {
            super(message);
            this.code = code;
        }
    }

    private final AFUNIXSocket socket;
    private final long peerPid;
    private final Scope scope;
    private final QueryServerConfig config;
    private final ProbeIndex index;
    private final StatsSource stats;
    private final BooleanSupplier ready;
    private final ScanService scans;
    private RequestDeadline deadline;
    private LineOutput out;

    QueryConnection(AFUNIXSocket socket, long peerPid, Scope scope, QueryServerConfig config, ProbeIndex index,
                    StatsSource stats, BooleanSupplier ready, ScanService scans) {
        this.scans = scans;
        this.socket = socket;
        this.peerPid = peerPid;
        this.scope = scope;
        this.config = config;
        this.index = index;
        this.stats = stats;
        this.ready = ready;
    }

    @Override
    public void run() {
        try {
            deadline = new RequestDeadline(socket, config.idleTimeout());
            LineReader in = new LineReader(deadline.input(), config.maxRequestBytes());
            out = new LineOutput(new BufferedOutputStream(socket.getOutputStream(), 64 * 1024));
            serve(in, out);
        } catch (LineReader.TooLongException e) {
            LOG.info("query client pid {}: {}; closing", peerPid, e.getMessage());
            closingError(Protocol.ERR_TOO_LARGE, e.getMessage() + "; closing the connection");
        } catch (SocketTimeoutException e) {
            LOG.debug("query client pid {} idle for {}; closing", peerPid, config.idleTimeout());
            closingError(Protocol.ERR_IDLE, "no request completed within " + config.idleTimeout().toMillis()
                    + " ms; closing");
        } catch (IOException e) {
            LOG.debug("query client pid {} gone: {}", peerPid, e.toString());
        } catch (RuntimeException e) {
            LOG.error("query client pid {}: internal error", peerPid, e);
            closingError(Protocol.ERR_INTERNAL, String.valueOf(e));
        }
    }

    private void serve(LineReader in, OutputStream out) throws IOException {
        byte[] line;
        while (true) {
            deadline.restart(); // the whole next line, not each read(), must arrive within the timeout
            line = in.readLine();
            if (line == null) {
                return;
            }
            if (isBlank(line)) {
                continue;
            }
            JsonNode request = null;
            try {
                request = parse(line);
                String op = op(request);
                if (op.equals(Protocol.OP_WATCH)) {
                    deadline.stop(); // nothing more is read; the socket's timeout bounds each write
                    new WatchSession(socket, out, request, scope, config, index).run();
                    return;
                }
                long t0 = System.nanoTime();
                answer(op, request, out);
                stats.answered(op, System.nanoTime() - t0);
            } catch (RequestException e) {
                LOG.debug("query client pid {}: {}: {}", peerPid, e.code, e.getMessage());
                writeError(out, request, e.code, e.getMessage());
            }
            out.flush();
        }
    }

    private static boolean isBlank(byte[] line) {
        for (byte b : line) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    static JsonNode parse(byte[] line) throws RequestException {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new RequestException(Protocol.ERR_BAD_REQUEST, "not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new RequestException(Protocol.ERR_BAD_REQUEST, "unreadable request: " + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw new RequestException(Protocol.ERR_BAD_REQUEST, "a request is one JSON object per line");
        }
        return n;
    }

    /** The request's operation; a bad one is refused with the request's id echoed. */
    static String op(JsonNode n) throws RequestException {
        JsonNode op = n.get("op");
        if (op == null || !op.isTextual()) {
            throw new RequestException(Protocol.ERR_BAD_REQUEST, "the request has no \"op\" string");
        }
        if (!Protocol.OPS.contains(op.textValue())) {
            throw new RequestException(Protocol.ERR_UNKNOWN_OP, "unknown op '" + op.textValue() + "'; known: "
                    + String.join(", ", Protocol.OPS));
        }
        return op.textValue();
    }

    private void answer(String op, JsonNode request, OutputStream out) throws IOException, RequestException {
        switch (op) {
            case Protocol.OP_LIST -> {
                ProbeDescription desc = description(request);
                OptionalInt pid = pid(request);
                var probes = index.match(desc, pid, scope);
                try (JsonGenerator g = begin(out, request, op)) {
                    if (!scope.everything()) {
                        // so that a user told "nothing matches" also learns the scope was why
                        g.writeNumberField("hidden", index.match(desc, pid, Scope.all()).size() - probes.size());
                    }
                    g.writeArrayFieldStart("probes");
                    for (ProbeEntry e : probes) {
                        ProbeJson.write(g, e);
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
            }
            case Protocol.OP_PIDS -> {
                try (JsonGenerator g = begin(out, request, op)) {
                    g.writeArrayFieldStart("pids");
                    for (PidSummary p : index.pids(scope)) {
                        g.writeStartObject();
                        g.writeNumberField("pid", p.pid());
                        g.writeNumberField("uid", p.uid());
                        g.writeNumberField("registrations", p.registrations());
                        g.writeNumberField("probes", p.probes());
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
            }
            case Protocol.OP_STATS -> writeStats(request, out);
            case Protocol.OP_SCAN -> {
                // the scope decides which processes are examined: a user's scan adopts only its own
                var report = scans.scan(pid(request), scope);
                if (report == null) {
                    throw new RequestException(Protocol.ERR_UNAVAILABLE, "this daemon does not scan processes");
                }
                try (JsonGenerator g = begin(out, request, op)) {
                    g.writeFieldName("scan");
                    JSON.writeTree(g, report);
                    g.writeEndObject();
                }
            }
            case Protocol.OP_METRICS -> {
                if (!scope.everything()) {
                    throw new RequestException(Protocol.ERR_FORBIDDEN, "metrics are the whole daemon's; root only"
                            + " (stats answers for your own processes)");
                }
                try (JsonGenerator g = begin(out, request, op)) {
                    g.writeStringField("content_type", Exposition.CONTENT_TYPE);
                    g.writeStringField("text", stats.openMetrics());
                    g.writeEndObject();
                }
            }
            default -> writeHealth(request, out);
        }
        out.write('\n');
    }

    private void writeStats(JsonNode request, OutputStream out) throws IOException {
        var s = scope.everything() ? stats.stats() : scopedStats();
        if (!s.has("probes")) {
            s.put("probes", index.probeCount());
        }
        if (!s.has("pids")) {
            s.put("pids", index.pidCount());
        }
        try (JsonGenerator g = begin(out, request, Protocol.OP_STATS)) {
            g.writeFieldName("stats");
            JSON.writeTree(g, s);
            g.writeEndObject();
        }
    }

    /**
     * A caller other than root sees counts of its own processes only: the daemon-wide counters,
     * the parser children's pids (issue 19: anyone sharing their uid could stop them) and the
     * stash's sizes would reveal other users' activity.
     */
    private com.fasterxml.jackson.databind.node.ObjectNode scopedStats() {
        var s = JSON.createObjectNode();
        s.put("daemon_pid", ProcessHandle.current().pid());
        s.put("scope_uid", scope.uid());
        int registrations = 0;
        int probes = 0;
        var pids = index.pids(scope);
        for (PidSummary p : pids) {
            registrations += p.registrations();
            probes += p.probes();
        }
        s.put("registrations_held", registrations);
        s.put("probes", probes);
        s.put("pids", pids.size());
        return s;
    }

    private void writeHealth(JsonNode request, OutputStream out) throws IOException {
        try (JsonGenerator g = begin(out, request, Protocol.OP_HEALTH)) {
            g.writeBooleanField("ready", ready.getAsBoolean());
            g.writeArrayFieldStart("capabilities");
            for (String op : Protocol.OPS) {
                g.writeString(op);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    static ProbeDescription description(JsonNode request) throws RequestException {
        JsonNode d = request.get("probe");
        if (d == null || d.isNull()) {
            return ProbeDescription.all();
        }
        if (!d.isTextual()) {
            throw new RequestException(Protocol.ERR_BAD_REQUEST, "\"probe\" must be a string");
        }
        try {
            return ProbeDescription.parse(d.textValue());
        } catch (IllegalArgumentException e) {
            throw new RequestException(Protocol.ERR_BAD_DESCRIPTION, e.getMessage());
        }
    }

    static OptionalInt pid(JsonNode request) throws RequestException {
        JsonNode p = request.get("pid");
        if (p == null || p.isNull()) {
            return OptionalInt.empty();
        }
        if (!p.canConvertToInt() || !p.isIntegralNumber() || p.intValue() <= 0) {
            throw new RequestException(Protocol.ERR_BAD_REQUEST, "\"pid\" must be a positive integer");
        }
        return OptionalInt.of(p.intValue());
    }

    /** Opens a response object with the envelope fields; the caller adds its own and closes it. */
    static JsonGenerator begin(OutputStream out, JsonNode request, String op) throws IOException {
        JsonGenerator g = JSON.getFactory().createGenerator(out);
        g.writeStartObject();
        g.writeNumberField("v", Protocol.VERSION);
        g.writeBooleanField("ok", true);
        g.writeStringField("op", op);
        echoId(g, request);
        return g;
    }

    private static void echoId(JsonGenerator g, JsonNode request) throws IOException {
        JsonNode id = request == null ? null : request.get("id");
        if (id != null && id.isValueNode()) {
            g.writeFieldName("id");
            JSON.writeTree(g, id);
        }
    }

    static void writeError(OutputStream out, JsonNode request, String code, String message) throws IOException {
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("v", Protocol.VERSION);
            g.writeBooleanField("ok", false);
            echoId(g, request);
            g.writeObjectFieldStart("error");
            g.writeStringField("code", code);
            g.writeStringField("message", message);
            g.writeEndObject();
            g.writeEndObject();
        }
        out.write('\n');
    }

    /** Best effort: the one error line of a connection the server will not serve (nothing else was written). */
    static void refuse(AFUNIXSocket socket, String code, String message) {
        try {
            OutputStream o = socket.getOutputStream();
            writeError(o, null, code, message);
            o.flush();
        } catch (IOException e) {
            // the peer is gone already; the connection is being closed anyway
        }
    }

    /**
     * Best effort: a last error line before the server closes a connection, through the
     * connection's own output and at a line boundary (issue 19: an error was glued onto a
     * half-written event line).
     */
    private void closingError(String code, String message) {
        if (out == null) {
            return;
        }
        try {
            out.endLine();
            writeError(out, null, code, message);
            out.flush();
        } catch (IOException e) {
            // the peer is gone already; the connection is being closed anyway
        }
    }
}
