package org.dtprobed.client;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.dtprobed.protocol.ProbeDescription;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.protocol.RegistrationKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code dtprobe publish}: DOF probes as named kernel trace events, kept in step with the
 * registrations until interrupted, then removed.
 */
@Command(name = "publish", mixinStandardHelpOptions = true, versionProvider = org.dtprobed.version.BuildInfo.class,
        exitCodeOnInvalidInput = 64, sortOptions = false,
        description = {"Publish probes as kernel trace events that perf, trace-cmd and ftrace can use.",
            "",
            "Defines a tracefs uprobe event at every site of every matching probe, named GROUP:EVENT with "
                + "the provider and pid as the group and the probe's name as the event (another site or "
                + "probe of that name gets _1, _2, ...), with the probe's arguments as fetch-args (arg0..arg5, "
                + "typed as trace types them). Keeps them in step with the registrations: a process that "
                + "registers gets its events, one that goes loses them. Prints + GROUP:EVENT and - GROUP:EVENT "
                + "as it goes. Runs until interrupted (Ctrl-C, SIGTERM) and then removes every event it made. "
                + "Then, for example: perf record -e 'myprov1234:request' -p 1234. Needs root."})
final class PublishCommand implements Callable<Integer> {
    @ParentCommand
    Dtprobe parent;

    @Spec
    CommandSpec spec;

    @Mixin
    UprobeTarget target;

    @Parameters(arity = "0..*", paramLabel = "DESC",
            description = "Probe descriptions (provider:module:function:name). Default: every probe.")
    List<String> descriptions = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        List<ProbeDescription> descs = (descriptions.isEmpty() ? List.of("") : descriptions).stream()
                .map(ProbeDescription::parse).toList();
        var only = target.only();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TraceFs fs = target.traceFs();
        Publisher publisher = new Publisher(fs, out, err);
        Runtime.getRuntime().addShutdownHook(new Thread(publisher::close, "dtprobe-publish-cleanup"));
        // replay: what is registered now comes first, and nothing registered meanwhile is missed
        try (WatchStream w = parent.connect().watch(null, only, true)) {
            err.println("dtprobe: publishing " + String.join(" ", descriptions.isEmpty() ? List.of("every probe")
                    : descriptions) + (only.isPresent() ? " of pid " + only.getAsInt() : "")
                    + " as uprobe events; Ctrl-C to stop and remove them");
            err.flush();
            WatchEvent e;
            while ((e = w.next()) != null) {
                RegistrationKey reg = new RegistrationKey(e.pid(), e.generation());
                if (e.registered()) {
                    List<ProbeEntry> wanted = e.probes().stream()
                            .filter(p -> descs.stream().anyMatch(d -> d.matches(p))).toList();
                    if (!wanted.isEmpty()) {
                        publisher.add(reg, wanted);
                    }
                } else {
                    publisher.remove(reg);
                }
            }
        }
        publisher.close();
        err.println("dtprobe: the daemon closed the watch; every published event is removed");
        return Dtprobe.EX_UNAVAILABLE;
    }
}
