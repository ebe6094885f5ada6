package org.dtprobed.client;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.dtprobed.protocol.ProbeDescription;
import org.dtprobed.protocol.ProbeEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code dtprobe trace}: arms a kernel uprobe at every site of every matching probe and prints a
 * line per hit until interrupted; every uprobe it made is removed on exit, Ctrl-C included.
 */
@Command(name = "trace", mixinStandardHelpOptions = true, versionProvider = org.dtprobed.version.BuildInfo.class,
        exitCodeOnInvalidInput = 64, sortOptions = false,
        description = {"Trace probes with kernel uprobes, printing each hit with its argument values.",
            "",
            "Arms a uprobe (tracefs) at every site of every matching probe and prints one line per hit: "
                + "TIME PID provider:module:function:name and the values of arg0..arg5 as the probe's native "
                + "types say (char * as a string read from the process, integers as numbers, other types as a "
                + "hex word), like dtrace -n 'P:::N { trace(arg0) }'. Runs until interrupted (Ctrl-C, SIGTERM) "
                + "and then removes every uprobe it made. Is-enabled sites are not armed. Needs root (or "
                + "CAP_SYS_ADMIN) and a kernel with uprobe events."})
final class TraceCommand implements Callable<Integer> {
    @ParentCommand
    Dtprobe parent;

    @Spec
    CommandSpec spec;

    @Mixin
    UprobeTarget target;

    @Option(names = {"-f", "--follow"},
            description = "Also arm the probes of processes that register later (via watch); wait if none match yet.")
    boolean follow;

    @Option(names = {"-q", "--quiet"},
            description = "Print only the argument values of each hit, and no status lines (dtrace -q).")
    boolean quiet;

    @Option(names = "--json", description = "Print each hit as one JSON object: time, pid, tid, probe, args.")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "DESC", description = "Probe descriptions (provider:module:function:name).")
    List<String> descriptions;

    @Override
    public Integer call() throws Exception {
        descriptions.forEach(ProbeDescription::parse);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<ProbeEntry> probes = ListCommand.fetch(parent, descriptions, target.only()).probes();
        if (probes.isEmpty() && !follow) {
            err.println("dtprobe: no probe matches " + String.join(" ", descriptions));
            return Dtprobe.EX_NOMATCH;
        }
        var targets = Tracer.plan(probes, err);
        if (targets.isEmpty() && !follow) {
            err.println("dtprobe: none of the " + probes.size() + " matching probes has a site that can be armed");
            return Dtprobe.EX_NOMATCH;
        }
        TraceFs fs = target.traceFs();
        Tracer tracer = new Tracer(fs, out, err,
                json ? Tracer.Output.JSON : quiet ? Tracer.Output.QUIET : Tracer.Output.LINES);
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            tracer.close();
            done.countDown();
        }, "dtprobe-trace-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            tracer.arm(targets);
        } catch (Exception e) {
            tracer.close();
            Runtime.getRuntime().removeShutdownHook(hook);
            throw e;
        }
        if (!quiet) {
            err.println("dtprobe: tracing " + probes.size() + " probes at " + targets.size() + " sites"
                    + " (uprobes " + tracer.prefix() + "*); Ctrl-C to stop");
            err.flush();
        }
        if (follow) {
            follow(tracer, err);
        }
        done.await(); // only the shutdown hook ends a trace
        return 0;
    }

    /**
     * Arms, as they register, the matching probes of processes this trace may see; returns when the
     * daemon goes. The watch replays what is registered now, so nothing registered between the
     * list above and the watch is missed; what is armed already is not armed twice.
     */
    private void follow(Tracer tracer, PrintWriter err) throws Exception {
        List<ProbeDescription> descs = descriptions.stream().map(ProbeDescription::parse).toList();
        try (WatchStream w = parent.connect().watch(null, target.only(), true)) {
            WatchEvent e;
            while ((e = w.next()) != null) {
                List<ProbeEntry> wanted = e.probes().stream().filter(p -> descs.stream().anyMatch(d -> d.matches(p)))
                        .toList();
                int made = e.registered() && !wanted.isEmpty() ? tracer.add(Tracer.plan(wanted, err)) : 0;
                if (made > 0 || (e.registered() && !e.replay() && !wanted.isEmpty())) {
                    err.println("dtprobe: pid " + e.pid() + " registered: tracing " + wanted.size() + " more probes ("
                            + made + " new sites)");
                    err.flush();
                }
            }
        }
        err.println("dtprobe: the daemon closed the watch; no longer following new processes");
        err.flush();
    }
}
