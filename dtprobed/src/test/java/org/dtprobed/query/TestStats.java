package org.dtprobed.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A stats source with every key the daemon must provide, as fixed test values (the daemon's are counters). */
final class TestStats implements StatsSource {
    @Override
    public ObjectNode stats() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode s = m.createObjectNode();
        s.put("daemon_pid", ProcessHandle.current().pid());
        s.putArray("parser_pids").add(4321);
        s.put("registrations", 3).put("removals", 1).put("parses", 2).put("parse_cache_hits", 1)
                .put("negative_cache_hits", 0);
        s.putObject("parse_failures").put("bad_magic", 1);
        s.put("child_restarts", 0).put("deadline_kills", 0);
        s.putObject("registration_latency_us").put("p50", 120).put("p99", 900).put("max", 1500);
        return s;
    }
}
