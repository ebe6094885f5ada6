package org.dtprobed.daemon;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.dtprobed.ingest.IngestStats;
import org.dtprobed.parse.FailureReason;
import org.dtprobed.parse.ParserSupervisor;
import org.dtprobed.parse.SupervisorStats;
import org.dtprobed.query.ProbeIndex;
import org.dtprobed.query.StatsSource;
import org.dtprobed.stash.Stash;

/** The {@code stats} object (docs/PROTOCOL.md): registration path, parser children, stash and index. */
final class DaemonStats implements StatsSource {
    private final IngestStats ingest;
    private final ParserSupervisor parser;
    private final Stash stash;
    private final ProbeIndex index;
    private final String transport;

    DaemonStats(IngestStats ingest, ParserSupervisor parser, Stash stash, ProbeIndex index, String transport) {
        this.ingest = ingest;
        this.parser = parser;
        this.stash = stash;
        this.index = index;
        this.transport = transport;
    }

    @Override
    public ObjectNode stats() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        SupervisorStats ps = parser.stats();
        o.put("daemon_pid", ProcessHandle.current().pid());
        o.put("transport", transport);
        ps.childPids().forEach(o.putArray("parser_pids")::add);
        o.put("registrations", ingest.registrations());
        o.put("removals", ingest.removals());
        o.put("parses", ingest.parses());
        o.put("parse_cache_hits", ingest.parseCacheHits());
        o.put("negative_cache_hits", ingest.negativeCacheHits());
        ObjectNode failures = o.putObject("parse_failures");
        ingest.failures().forEach(failures::put);
        o.put("child_restarts", ps.restarts());
        o.put("deadline_kills", ps.deadlineKills());
        ObjectNode attempts = o.putObject("parse_attempt_failures");
        for (Map.Entry<FailureReason, Long> e : ps.attemptFailures().entrySet()) {
            attempts.put(e.getKey().name().toLowerCase(java.util.Locale.ROOT), e.getValue());
        }
        o.put("parse_queue", ps.queued());
        o.put("parses_in_flight", ps.inFlight());
        ObjectNode lat = o.putObject("registration_latency_us");
        lat.put("p50", ingest.latencyQuantileMicros(0.50));
        lat.put("p99", ingest.latencyQuantileMicros(0.99));
        lat.put("max", ingest.latencyMaxMicros());
        ObjectNode parseLat = o.putObject("parse_latency_us");
        parseLat.put("p50", ps.latency().quantileUpperBoundMicros(0.50));
        parseLat.put("p99", ps.latency().quantileUpperBoundMicros(0.99));
        o.put("probes", index.probeCount());
        o.put("pids", index.pidCount());
        Stash.StashStats ss = stash.stats();
        ObjectNode st = o.putObject("stash");
        st.put("registrations", ss.registrations());
        st.put("pids", ss.pids());
        st.put("raw_dof", ss.rawDof());
        st.put("parsed", ss.parsed());
        st.put("negative_entries", ss.negativeEntries());
        return o;
    }
}
