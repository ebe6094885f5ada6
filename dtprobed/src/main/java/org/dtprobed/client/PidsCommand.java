package org.dtprobed.client;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.dtprobed.protocol.PidSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code dtprobe pids}: the processes with registered probes. */
@Command(name = "pids", mixinStandardHelpOptions = true, versionProvider = org.dtprobed.version.BuildInfo.class, exitCodeOnInvalidInput = 64, description = "List processes that registered probes.")
final class PidsCommand implements Callable<Integer> {
    @ParentCommand
    Dtprobe parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON array.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (DtprobedClient c = parent.connect()) {
            var pids = c.pids();
            if (json) {
                out.print("[");
                String sep = "";
                for (PidSummary p : pids) {
                    out.printf("%s{\"pid\":%d,\"uid\":%d,\"registrations\":%d,\"probes\":%d}", sep, p.pid(), p.uid(),
                            p.registrations(), p.probes());
                    sep = ",";
                }
                out.println("]");
            } else {
                out.printf("%8s %8s %13s %8s%n", "PID", "UID", "REGISTRATIONS", "PROBES");
                for (PidSummary p : pids) {
                    out.printf("%8d %8d %13d %8d%n", p.pid(), p.uid(), p.registrations(), p.probes());
                }
            }
        }
        return 0;
    }
}
