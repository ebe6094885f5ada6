package org.dtprobed.daemon;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.dtprobed.ingest.IngestStats;
import org.dtprobed.lifecycle.LifecycleWatcher;
import org.dtprobed.metrics.Latency;
import org.dtprobed.metrics.LatencySnapshot;
import org.dtprobed.metrics.Exposition;
import org.dtprobed.parse.FailureReason;
import org.dtprobed.parse.ParserSupervisor;
import org.dtprobed.parse.SupervisorStats;
import org.dtprobed.probestree.ProbesTree;
import org.dtprobed.query.ProbeIndex;
import org.dtprobed.query.StatsSource;
import org.dtprobed.stash.Stash;
import org.dtprobed.version.BuildInfo;

/**
 * The daemon's numbers, two ways: the {@code stats} JSON object and the {@code metrics}
 * OpenMetrics text (docs/PROTOCOL.md), both read from the same counters at the same moment.
 */
final class DaemonStats implements StatsSource {
    private final IngestStats ingest;
    private final ParserSupervisor parser;
    private final Stash stash;
    private final ProbeIndex index;
    private final String transport;
    private final LifecycleWatcher lifecycle;
    /** Null when {@code --probes-tree off}. */
    private final ProbesTree probesTree;
    private final Latency queries = new Latency();

    DaemonStats(IngestStats ingest, ParserSupervisor parser, Stash stash, ProbeIndex index, String transport,
                LifecycleWatcher lifecycle, ProbesTree probesTree) {
        this.ingest = ingest;
        this.parser = parser;
        this.stash = stash;
        this.index = index;
        this.transport = transport;
        this.lifecycle = lifecycle;
        this.probesTree = probesTree;
    }

    @Override
    public void answered(String op, long nanos) {
        queries.record(nanos);
    }

    @Override
    public ObjectNode stats() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        SupervisorStats ps = parser.stats();
        o.put("daemon_pid", ProcessHandle.current().pid());
        o.put("transport", transport);
        ps.childPids().forEach(o.putArray("parser_pids")::add);
        ObjectNode lc = o.putObject("process_events");
        lc.put("mode", lifecycle.mode());
        lc.put("received", lifecycle.events());
        lc.put("of_registered_processes", lifecycle.handled());
        lc.put("overflows", lifecycle.overflows());
        lc.put("filtered_pids", lifecycle.filteredPids());
        lc.put("filter_caught_up", lifecycle.filterCaughtUp());
        ObjectNode tree = o.putObject("probes_tree");
        tree.put("enabled", probesTree != null);
        ProbesTree.Stats ts = probesTree == null ? new ProbesTree.Stats(0, 0, 0, 0, 0) : probesTree.stats();
        tree.put("files", ts.files());
        tree.put("written", ts.written());
        tree.put("removed", ts.removed());
        tree.put("failures", ts.failures());
        tree.put("directories_reused", ts.reused());
        o.put("prune_passes", ingest.prunePasses());
        o.put("prune_passes_in_ioctl", ingest.prunePassesInIoctl());
        ObjectNode dl = o.putObject("dlclose_rechecks");
        dl.put("releases_without_ioctl", lifecycle.dlclose().releases());
        dl.put("looks", lifecycle.dlclose().looks());
        dl.put("removed", lifecycle.dlclose().removed());
        dl.put("dropped", lifecycle.dlclose().dropped());
        dl.put("pending", lifecycle.dlclose().pending());
        o.put("registrations", ingest.registrations());
        o.put("removals", ingest.removals());
        ObjectNode byCause = o.putObject("removals_by_cause");
        ingest.removalsByCause().forEach((c, n) -> byCause.put(c.name().toLowerCase(Locale.ROOT), n));
        o.put("parses", ingest.parses());
        o.put("parse_cache_hits", ingest.parseCacheHits());
        o.put("negative_cache_hits", ingest.negativeCacheHits());
        o.put("objects_examined", ingest.objectsExamined());
        o.put("adopted", ingest.adoptedCount());
        ObjectNode failures = o.putObject("parse_failures");
        ingest.failures().forEach(failures::put);
        o.put("child_restarts", ps.restarts());
        o.put("deadline_kills", ps.deadlineKills());
        ObjectNode attempts = o.putObject("parse_attempt_failures");
        for (Map.Entry<FailureReason, Long> e : ps.attemptFailures().entrySet()) {
            attempts.put(e.getKey().name().toLowerCase(Locale.ROOT), e.getValue());
        }
        o.put("parse_queue", ps.queued());
        o.put("parses_in_flight", ps.inFlight());
        latencyMicros(o.putObject("registration_latency_us"), ingest.latency());
        latencyMicros(o.putObject("parse_latency_us"), ps.latency());
        latencyMicros(o.putObject("query_latency_us"), queries.snapshot());
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

    private static void latencyMicros(ObjectNode o, LatencySnapshot s) {
        o.put("count", s.count());
        o.put("p50", s.p50Nanos() / 1000);
        o.put("p90", s.p90Nanos() / 1000);
        o.put("p99", s.p99Nanos() / 1000);
        o.put("max", s.maxNanos() / 1000);
    }

    @Override
    public String openMetrics() {
        return exposition(Exposition.Format.OPENMETRICS);
    }

    String exposition(Exposition.Format format) {
        SupervisorStats ps = parser.stats();
        Exposition m = new Exposition(format);
        m.info("dtprobed_build", "Version and git commit of the running daemon, and its transport.",
                Map.of("version", BuildInfo.version(), "commit", BuildInfo.commit(), "transport", transport));
        m.counter("dtprobed_registrations", "Registrations committed to the stash (ADDDOF answered with a generation).",
                ingest.registrations());
        Map<Map<String, String>, Long> removals = new LinkedHashMap<>();
        ingest.removalsByCause().forEach((c, n) -> removals.put(Map.of("cause", c.name().toLowerCase(Locale.ROOT)), n));
        m.counter("dtprobed_removals", "Registrations removed, by cause: remove (the REMOVE ioctl), exit, exec,"
                + " reused (pid reused), unmap (object unmapped), found by pruning, process events or a dlclose re-check;"
                + " replaced (its object registered the same DOF again without a REMOVE), and exec/reused found by a"
                + " registration of the same pid.", removals);
        m.counter("dtprobed_prune_passes", "Pruning passes over the stashed pids (every --prune-interval, on an"
                + " overflow of process events, and inside an ADDDOF that found the stash full).", ingest.prunePasses());
        m.counter("dtprobed_prune_passes_in_ioctl", "Pruning passes inside a caller's ADDDOF because the stash was"
                + " full (the fallback; rare when exits are seen through process events).", ingest.prunePassesInIoctl());
        Map<Map<String, String>, Long> refusals = new LinkedHashMap<>();
        ingest.refusals().forEach((r, n) -> refusals.put(
                Map.of("reason", r.reason(), "errno", Integer.toString(r.errno())), n));
        m.counter("dtprobed_refusals", "Refused ioctls, by reason (a DOF rule, a pipeline step, or request: the"
                + " helper, header or caller memory) and the errno the caller got.", refusals);
        m.counter("dtprobed_parses", "DOF parsed by a jailed parser child (cache misses).", ingest.parses());
        m.counter("dtprobed_parse_cache_hits", "Registrations answered from already parsed DOF.", ingest.parseCacheHits());
        m.counter("dtprobed_negative_cache_hits", "Registrations refused from the negative cache.",
                ingest.negativeCacheHits());
        m.counter("dtprobed_parser_child_restarts", "Parser children started after the first ones.", ps.restarts());
        m.counter("dtprobed_parser_deadline_kills", "Parser children killed for missing the parse deadline.",
                ps.deadlineKills());
        if (probesTree != null) {
            ProbesTree.Stats ts = probesTree.stats();
            m.gauge("dtprobed_probes_tree_files", "Files in STATE-DIR/probes, the tree Oracle's dtrace reads.", ts.files());
            m.counter("dtprobed_probes_tree_writes", "Probe files written (created or replaced) in the probes tree.",
                    ts.written());
            m.counter("dtprobed_probes_tree_failures", "Probe files that could not be written or removed.", ts.failures());
            m.counter("dtprobed_probes_tree_directories_reused",
                    "Process directories of the probes tree taken whole from a process of the same files that went.",
                    ts.reused());
        }
        m.gauge("dtprobed_pids", "Processes with registrations.", index.pidCount());
        m.gauge("dtprobed_probes", "Probes in the index.", index.probeCount());
        m.gauge("dtprobed_parse_queue", "Parses waiting for a parser child.", ps.queued());
        Map<Map<String, String>, Double> entries = new LinkedHashMap<>();
        Map<Map<String, String>, Double> fill = new LinkedHashMap<>();
        for (Stash.FileFill ff : stash.fill()) {
            entries.put(Map.of("file", ff.file()), (double) ff.entries());
            fill.put(Map.of("file", ff.file()), ff.usedFraction());
        }
        m.gauge("dtprobed_stash_entries", "Entries in each stash file.", entries);
        m.gauge("dtprobed_stash_fill_ratio", "Share of each stash file's preallocated space in use (1 is full:"
                + " the files never grow).", fill);
        m.summary("dtprobed_registration_latency_seconds", "ADDDOF from the request to the committed reply.",
                ingest.latency());
        m.summary("dtprobed_parse_latency_seconds", "Parse in a jailed child, from submission to answer.",
                ps.latency());
        m.summary("dtprobed_query_latency_seconds", "Query socket requests (list, pids, stats, health, metrics).",
                queries.snapshot());
        return m.finish();
    }
}
