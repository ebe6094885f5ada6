package org.dtprobed.client;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code dtprobe health}: exits 0 only when the daemon answers and says it is ready. */
@Command(name = "health", mixinStandardHelpOptions = true, versionProvider = org.dtprobed.version.BuildInfo.class, exitCodeOnInvalidInput = 64,
        description = "Exit 0 if the daemon is ready, 1 if it answers but is not ready, 69 if it does not answer.")
final class HealthCommand implements Callable<Integer> {
    @ParentCommand
    Dtprobe parent;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (DtprobedClient c = parent.connect()) {
            boolean ready = c.health().ready();
            spec.commandLine().getOut().println(ready ? "ready" : "not ready");
            return ready ? 0 : Dtprobe.EX_NOMATCH;
        }
    }
}
