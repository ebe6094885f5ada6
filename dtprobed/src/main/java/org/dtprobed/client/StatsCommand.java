package org.dtprobed.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code dtprobe stats}: the daemon's counters. */
@Command(name = "stats", mixinStandardHelpOptions = true, versionProvider = org.dtprobed.version.BuildInfo.class, exitCodeOnInvalidInput = 64, description = "Show the daemon's counters.")
final class StatsCommand implements Callable<Integer> {
    @ParentCommand
    Dtprobe parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the one JSON object the daemon sent.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (DtprobedClient c = parent.connect()) {
            JsonNode s = c.stats();
            if (json) {
                out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(s));
            } else {
                for (Map.Entry<String, JsonNode> f : s.properties()) {
                    out.printf("%-24s %s%n", f.getKey(), f.getValue().isValueNode() ? f.getValue().asText()
                            : f.getValue().toString());
                }
            }
        }
        return 0;
    }
}
