package org.dtprobed.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.query.ProbeIndex;
import org.dtprobed.query.QueryServer;
import org.dtprobed.query.QueryServerConfig;
import org.dtprobed.query.StatsSource;

/** A real query server on a temporary socket, plus the CLI run in-process against it. */
final class ServerFixture implements AutoCloseable {
    static final ProbeEntry.Mapping MAPPING = new ProbeEntry.Mapping(0xfe01, 4242, "/usr/bin/prog", 0x555500000000L, 0);

    final ProbeIndex index;
    final AtomicBoolean ready = new AtomicBoolean(true);
    final QueryServer server;
    final Path socket;

    ServerFixture(Path dir, ProbeIndex index, Duration heartbeat) throws IOException {
        this.index = index;
        this.socket = dir.resolve("dtprobed.sock");
        this.server = new QueryServer(QueryServerConfig.defaults(socket).withHeartbeat(heartbeat), index, stats(),
                ready::get);
        server.start();
    }

    static StatsSource stats() {
        return () -> {
            ObjectNode s = new ObjectMapper().createObjectNode();
            s.put("daemon_pid", ProcessHandle.current().pid());
            s.putArray("parser_pids");
            s.put("registrations", 0).put("removals", 0).put("parses", 0).put("parse_cache_hits", 0)
                    .put("negative_cache_hits", 0).put("child_restarts", 0).put("deadline_kills", 0);
            s.putObject("parse_failures");
            s.putObject("registration_latency_us").put("p50", 0).put("p99", 0).put("max", 0);
            return s;
        };
    }

    static List<ProbeEntry> registration(int pid, int uid, long gen, String... probes) {
        List<ProbeEntry> out = new ArrayList<>();
        for (String p : probes) {
            String[] f = p.split(":");
            out.add(new ProbeEntry(pid, uid, gen, f[0], "prog", f[1], f[2],
                    List.of(new ProbeEntry.Site(0x555500001139L, false)), List.of("int"), List.of("int"), List.of(0),
                    MAPPING));
        }
        return out;
    }

    /** The outcome of one in-process {@code dtprobe} run. */
    record Run(int rc, String out, String err) {
    }

    Run dtprobe(String... args) {
        List<String> all = new ArrayList<>(List.of("--socket", socket.toString()));
        all.addAll(List.of(args));
        return run(all.toArray(new String[0]));
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Dtprobe.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(rc, out.toString(), err.toString());
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
