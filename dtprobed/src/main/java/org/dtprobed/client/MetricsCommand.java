package org.dtprobed.client;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code dtprobe metrics}: the daemon's metrics as OpenMetrics text, as a scraper would read them. */
@Command(name = "metrics", mixinStandardHelpOptions = true, versionProvider = org.dtprobed.version.BuildInfo.class,
        exitCodeOnInvalidInput = 64,
        description = "Print the daemon's metrics in the OpenMetrics text format (ends with # EOF).")
final class MetricsCommand implements Callable<Integer> {
    @ParentCommand
    Dtprobe parent;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (DtprobedClient c = parent.connect()) {
            out.print(c.metrics());
            out.flush();
        }
        return 0;
    }
}
