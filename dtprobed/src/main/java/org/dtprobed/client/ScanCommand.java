package org.dtprobed.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code dtprobe scan [-p PID]}: have the daemon adopt processes that did not register their DOF. */
@Command(name = "scan", mixinStandardHelpOptions = true, versionProvider = org.dtprobed.version.BuildInfo.class,
        exitCodeOnInvalidInput = 64, description = {"Have the daemon examine running processes (only those you may"
        + " trace) and register the DOF of objects built with dtrace -G that did not register themselves,"
        + " e.g. programs started before the daemon. Objects without DOF are remembered, so a rescan is cheap."})
final class ScanCommand implements Callable<Integer> {
    @ParentCommand
    Dtprobe parent;

    @Spec
    CommandSpec spec;

    @Option(names = {"-p", "--pid"}, paramLabel = "PID", description = "Scan this process only.")
    Integer pid;

    @Option(names = "--json", description = "Print the one JSON object the daemon sent.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (DtprobedClient c = parent.connect()) {
            JsonNode s = c.scan(pid == null ? OptionalInt.empty() : OptionalInt.of(pid));
            if (json) {
                out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(s));
            } else {
                for (Map.Entry<String, JsonNode> f : s.properties()) {
                    out.printf("%-24s %s%n", f.getKey(), f.getValue().asText());
                }
            }
        }
        return 0;
    }
}
