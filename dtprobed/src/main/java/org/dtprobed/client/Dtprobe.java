package org.dtprobed.client;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import org.dtprobed.log.LogProvider;
import org.dtprobed.protocol.Protocol;
import org.dtprobed.version.BuildInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dtprobe}: asks dtprobed which USDT probes exist, watches registrations, and traces probes. */
@Command(name = "dtprobe", mixinStandardHelpOptions = true, versionProvider = BuildInfo.class, sortOptions = false, exitCodeOnInvalidInput = 64,
        description = "Query the dtprobed daemon for USDT probes, and trace them with kernel uprobes.",
        subcommands = {ListCommand.class, PidsCommand.class, WatchCommand.class, StatsCommand.class,
            ScanCommand.class, MetricsCommand.class, HealthCommand.class, TraceCommand.class, PublishCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:nothing matched (list, trace), or the daemon is not ready (health)",
            "64:bad usage or a bad probe description", "69:the daemon cannot be reached",
            "71:tracefs or uprobes cannot be used", "74:an I/O error",
            "76:the daemon refused the request or broke the protocol", "77:permission denied (trace and publish need root)"})
public final class Dtprobe {
    static final int EX_NOMATCH = 1;
    static final int EX_USAGE = 64;
    static final int EX_UNAVAILABLE = 69;
    static final int EX_OSERR = 71;
    static final int EX_IOERR = 74;
    static final int EX_PROTOCOL = 76;
    static final int EX_NOPERM = 77;

    /** Names the daemon's socket when {@code --socket} does not. */
    static final String SOCKET_ENV = "DTPROBED_SOCKET";

    @Option(names = "--socket", paramLabel = "PATH", scope = CommandLine.ScopeType.INHERIT,
            description = "The daemon's query socket (default: $" + SOCKET_ENV + " if set, else "
                    + "/run/dtrace/dtprobed.sock).")
    Path socket;

    private final Map<String, String> env;

    Dtprobe(Map<String, String> env) {
        this.env = env;
    }

    /** {@code --socket}, else {@code $DTPROBED_SOCKET}, else the daemon's default. */
    Path socket() {
        if (socket != null) {
            return socket;
        }
        String fromEnv = env.get(SOCKET_ENV);
        return fromEnv == null || fromEnv.isEmpty() ? DtprobedClient.DEFAULT_SOCKET : Path.of(fromEnv);
    }

    /** A {@code -p} value, checked here so that a person sees a usage error rather than a protocol code. */
    static OptionalInt pid(Integer pid) {
        if (pid == null) {
            return OptionalInt.empty();
        }
        if (pid <= 0) {
            throw new IllegalArgumentException("-p " + pid + ": a process id is a positive integer");
        }
        return OptionalInt.of(pid);
    }

    DtprobedClient connect() throws IOException {
        return DtprobedClient.connect(socket());
    }

    /** The command line's model (for the generated man pages and completion). */
    public static CommandLine commandLine() {
        return new CommandLine(new Dtprobe(Map.of()));
    }

    /** Runs the command line and returns its exit code (the testable form of {@link #main}). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return run(System.getenv(), out, err, args);
    }

    /** {@link #run(PrintWriter, PrintWriter, String...)} with the environment given. */
    static int run(Map<String, String> env, PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Dtprobe(env));
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

    /** One line a person can act on: what failed, and what to do about it where there is something. */
    static String message(Exception e, CommandLine cmd) {
        if (e instanceof ConnectException) {
            Path s = cmd.getCommandSpec().root().userObject() instanceof Dtprobe d ? d.socket() : null;
            return "cannot reach dtprobed at " + s + ": " + unreachable(s);
        }
        if (e instanceof DtprobedException d) {
            return usage(d) ? d.reason() : "dtprobed refused the request (" + d.code() + "): " + d.reason();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** Why a socket does not answer, told from what is at its path, with the remedy. */
    private static String unreachable(Path s) {
        String remedy = "start the daemon (systemctl start dtprobed, or scripts/run), or name its socket with"
                + " --socket PATH or " + SOCKET_ENV + "=PATH";
        if (s == null || !Files.exists(s, LinkOption.NOFOLLOW_LINKS)) {
            return "no such socket; " + remedy;
        }
        if (!Files.isWritable(s)) {
            return "permission denied on the socket (it should be mode 0666: is that dtprobed's?)";
        }
        return "the socket exists but no daemon accepts on it (stopped, or still starting); " + remedy;
    }

    private static boolean usage(DtprobedException d) {
        return d.code().equals(Protocol.ERR_BAD_DESCRIPTION) || d.code().equals(Protocol.ERR_BAD_REQUEST);
    }

    static int exitCode(Exception e) {
        if (e instanceof ConnectException) {
            return EX_UNAVAILABLE;
        }
        if (e instanceof DtprobedException d) {
            return usage(d) ? EX_USAGE : EX_PROTOCOL;
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
        LogProvider.select();
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(run(out, err, args));
    }
}
