package org.dtprobed.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.dtprobed.protocol.ProbeDescription;
import org.dtprobed.protocol.ProbeEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code dtprobe watch}: prints registrations and removals as they happen. */
@Command(name = "watch", mixinStandardHelpOptions = true, versionProvider = org.dtprobed.version.BuildInfo.class, exitCodeOnInvalidInput = 64, sortOptions = false,
        description = "Print registrations and removals as they happen, until interrupted.")
final class WatchCommand implements Callable<Integer> {
    @ParentCommand
    Dtprobe parent;

    @Spec
    CommandSpec spec;

    @Option(names = {"-n", "--probe"}, paramLabel = "DESC", description = "Only registrations with matching probes.")
    String description;

    @Option(names = {"-p", "--pid"}, paramLabel = "PID", description = "Only this process.")
    Integer pid;

    @Option(names = "--replay", description = "First print the registrations present now.")
    boolean replay;

    @Option(names = "--json", description = "Print the daemon's event lines as they come (heartbeats too).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (description != null) {
            ProbeDescription.parse(description);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (WatchStream w = parent.connect().watch(description, Dtprobe.pid(pid), replay)) {
            if (json) {
                JsonNode n;
                while ((n = w.nextRaw()) != null) {
                    out.println(n.toString());
                    out.flush();
                }
                return 0;
            }
            WatchEvent e;
            while ((e = w.next()) != null) {
                print(e, out);
            }
        }
        return 0;
    }

    private static void print(WatchEvent e, PrintWriter out) {
        out.printf("%s %s pid %d gen %d uid %d: %d probe%s%n", e.seq(),
                e.registered() ? (e.replay() ? "present" : "registered") : "removed", e.pid(), e.generation(),
                e.uid(), e.probeCount(), e.probeCount() == 1 ? "" : "s");
        for (ProbeEntry p : e.probes()) {
            out.println("    " + p.fullName());
        }
        out.flush();
    }
}
