package org.dtprobed.client;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dtprobe}: asks dtprobed which USDT probes exist, watches registrations, and traces probes. */
@Command(name = "dtprobe", mixinStandardHelpOptions = true, versionProvider = org.dtprobed.version.BuildInfo.class, sortOptions = false, exitCodeOnInvalidInput = 64,
        description = "Query the dtprobed daemon for USDT probes, and trace them with kernel uprobes.",
        subcommands = {ListCommand.class, PidsCommand.class, WatchCommand.class, StatsCommand.class,
            MetricsCommand.class, HealthCommand.class, TraceCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:nothing matched (list, trace), or the daemon is not ready (health)",
            "64:bad usage or a bad probe description", "69:the daemon cannot be reached",
            "71:tracefs or uprobes cannot be used", "74:an I/O error",
            "76:the daemon refused the request or broke the protocol", "77:permission denied (trace needs root)"})
public final class Dtprobe {
    static final int EX_NOMATCH = 1;
    static final int EX_USAGE = 64;
    static final int EX_UNAVAILABLE = 69;
    static final int EX_OSERR = 71;
    static final int EX_IOERR = 74;
    static final int EX_PROTOCOL = 76;
    static final int EX_NOPERM = 77;

    @Option(names = "--socket", paramLabel = "PATH", scope = CommandLine.ScopeType.INHERIT,
            description = "The daemon's query socket (default: ${DEFAULT-VALUE}).")
    Path socket = DtprobedClient.DEFAULT_SOCKET;

    DtprobedClient connect() throws IOException {
        return DtprobedClient.connect(socket);
    }

    /** Runs the command line and returns its exit code (the testable form of {@link #main}). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Dtprobe());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            err.println("dtprobe: " + message(e, cmd));
            err.flush();
            return exitCode(e);
        });
        int rc = cl.execute(args);
        out.flush();
        err.flush();
        return rc;
    }

    private static String message(Exception e, CommandLine cmd) {
        if (e instanceof ConnectException) {
            Path s = cmd.getCommandSpec().root().userObject() instanceof Dtprobe d ? d.socket : null;
            return "cannot reach dtprobed at " + s + ": " + e.getMessage();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    static int exitCode(Exception e) {
        if (e instanceof ConnectException) {
            return EX_UNAVAILABLE;
        }
        if (e instanceof DtprobedException d) {
            return d.code().equals("bad_description") || d.code().equals("bad_request") ? EX_USAGE : EX_PROTOCOL;
        }
        if (e instanceof ProtocolException) {
            return EX_PROTOCOL;
        }
        if (e instanceof TraceFs.TraceFsException t) {
            return t.permission ? EX_NOPERM : EX_OSERR;
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return EX_NOPERM;
        }
        if (e instanceof IllegalArgumentException) {
            return EX_USAGE;
        }
        return e instanceof IOException ? EX_IOERR : 70;
    }

    public static void main(String[] args) {
        org.dtprobed.log.LogProvider.select();
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(run(out, err, args));
    }
}
