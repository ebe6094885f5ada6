package org.dtprobed.daemon;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dtprobed}: the daemon's command line. */
@Command(name = "dtprobed", mixinStandardHelpOptions = true, sortOptions = false, exitCodeOnInvalidInput = 1,
        description = {"Serve the DTrace helper device, keep the DOF that programs register in a durable stash,"
            + " and answer tracers on a Unix socket."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped by SIGTERM or SIGINT", "1:configuration error (do not restart)",
            "2:runtime failure (restart)"})
public final class DtprobedMain implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(DtprobedMain.class);

    @Option(names = {"-F", "--foreground"}, description = "Stay in the foreground (always the case; accepted for compatibility with dtprobed and systemd units).")
    boolean foreground;

    @Option(names = "--transport", defaultValue = "auto", paramLabel = "auto|cuse|fuse",
            description = "How to serve the device: cuse (/dev/cuse), fuse (a one-file FUSE file system and a symlink), or auto: cuse when /dev/cuse exists. Default: ${DEFAULT-VALUE}.")
    String transport;

    @Option(names = {"-n", "--device"}, defaultValue = "dtrace/helper", paramLabel = "NAME",
            description = "Device name under /dev. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = {"-s", "--state-dir"}, defaultValue = "/run/dtrace", paramLabel = "DIR",
            description = "State directory: lock, stash (DIR/stash), FUSE mount and socket. Default: ${DEFAULT-VALUE}.")
    Path stateDir;

    @Option(names = "--socket", paramLabel = "PATH", description = "Query socket. Default: STATE-DIR/dtprobed.sock.")
    Path socket;

    @Option(names = "--mount-dir", paramLabel = "DIR", description = "Mount point of the FUSE-file fallback. Default: STATE-DIR/helperfs.")
    Path mountDir;

    @Option(names = {"-t", "--parse-timeout"}, defaultValue = "5s", converter = DurationConverter.class,
            paramLabel = "DURATION", description = "Deadline of one parse; a child that misses it is killed. Default: ${DEFAULT-VALUE}.")
    Duration parseTimeout;

    @Option(names = "--parser-start-timeout", defaultValue = "30s", converter = DurationConverter.class,
            paramLabel = "DURATION", description = {"How long a parser child may take to start (spawn to READY);"
                + " a child that misses it is a start failure. Raise it on slow or emulated machines, where a JVM"
                + " start takes tens of seconds. Default: ${DEFAULT-VALUE}."})
    Duration parserStartTimeout;

    @Option(names = "--parsers", defaultValue = "1", paramLabel = "N", description = "Jailed parser children. Default: ${DEFAULT-VALUE}.")
    int parsers;

    @Option(names = "--parser-user", defaultValue = "nobody", paramLabel = "USER",
            description = "User the parser children run as (when started as root). Default: ${DEFAULT-VALUE}.")
    String parserUser;

    @Option(names = "--no-jail", description = "Parse without the seccomp jail. For debugging only: untrusted DOF is then parsed unconfined.")
    boolean noJail;

    @Option(names = "--prune-interval", defaultValue = "30s", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "How often dead, exec'd and reused pids are dropped. Default: ${DEFAULT-VALUE}.")
    Duration pruneInterval;

    @Option(names = "--parser-classpath", split = ":", paramLabel = "JAR[:JAR...]",
            description = "Jars the parser children load (default: the jars dtprobed runs from). They must be readable by --parser-user.")
    java.util.List<Path> parserClasspath = new java.util.ArrayList<>();

    @Option(names = "--max-registrations", defaultValue = "8192", converter = RegistrationCountConverter.class,
            paramLabel = "N", description = {"Registrations, and distinct registering pids, a new stash is sized for"
                + " (registrations of ~20 probes, 3 KiB each: larger ones take more of the space, so fewer fit);"
                + " a registration beyond them is refused with ENOSPC. Only applies when the stash files are created:"
                + " an existing stash keeps the sizing it was created with (remove STATE-DIR/stash to resize)."
                + " Default: ${DEFAULT-VALUE}."})
    int maxRegistrations;

    @Override
    public Integer call() {
        if (parsers < 1 || parsers > 64) {
            System.err.println("dtprobed: --parsers must be 1..64, got " + parsers);
            return Daemon.EXIT_CONFIG;
        }
        return run(config(), SystemdNotifier.fromEnvironment());
    }

    /** The parsed command line as the daemon takes it (options already validated). */
    DaemonConfig config() {
        return new DaemonConfig(stateDir, transport, device,
                socket != null ? socket : Daemon.defaultSocket(stateDir),
                mountDir != null ? mountDir : stateDir.resolve("helperfs"), parseTimeout, parserStartTimeout, parsers, parserUser, noJail,
                pruneInterval, parserClasspath, maxRegistrations);
    }

    static int run(DaemonConfig config, SystemdNotifier notifier) {
        long pid = ProcessHandle.current().pid();
        if (config.noJail()) {
            LOG.warn("pid {}: --no-jail: DOF from any local user will be parsed WITHOUT the seccomp jail", pid);
        }
        notifier.status("starting");
        Daemon daemon;
        try {
            daemon = Daemon.start(config);
        } catch (Daemon.StartException e) {
            LOG.error("pid {}: cannot start: {}", pid, e.getMessage());
            System.err.println("dtprobed: " + e.getMessage());
            return e.exitCode();
        }
        CountDownLatch stop = new CountDownLatch(1);
        // handle TERM and INT ourselves: the orderly stop runs before any JVM shutdown hook (the
        // stash must be closed cleanly) and the exit status is 0, as systemd expects
        for (String sig : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> stop.countDown());
        }
        String ready = daemon.describe();
        LOG.info("pid {}: ready: {}", pid, ready);
        notifier.ready(ready);
        int rc = 0;
        try {
            while (!stop.await(1, TimeUnit.SECONDS)) {
                if (!daemon.serving()) {
                    LOG.error("pid {}: the kernel ended the helper device's connection; exiting", pid);
                    rc = Daemon.EXIT_RUNTIME;
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        notifier.stopping("stopping");
        LOG.info("pid {}: stopping", pid);
        daemon.close();
        LOG.info("pid {}: stopped", pid);
        return rc;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new DtprobedMain()).execute(args));
    }
}
