package org.dtprobed.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.dtprobed.fuse.CuseTransport;
import org.dtprobed.fuse.MountVisibility;
import org.dtprobed.fuse.TransportConfig;
import org.dtprobed.fuse.Transports;
import org.dtprobed.health.Watchdog;
import org.dtprobed.log.LogLevel;
import org.dtprobed.log.LogProvider;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.stash.Stash;
import org.dtprobed.stash.StashConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dtprobed}: the daemon's command line. */
@Command(name = "dtprobed", mixinStandardHelpOptions = true, versionProvider = org.dtprobed.version.BuildInfo.class, sortOptions = false, exitCodeOnInvalidInput = 1,
        description = {"Serve the DTrace helper device, keep the DOF that programs register in a durable stash,"
            + " and answer tracers on a Unix socket."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped by SIGTERM or SIGINT", "1:configuration error (do not restart)",
            "2:runtime failure (restart)"})
public final class DtprobedMain implements Callable<Integer> {

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

    @Option(names = "--stash-open-timeout", defaultValue = "40s", converter = DurationConverter.class,
            paramLabel = "DURATION", description = {"How long opening the stash may take, recovery and repair included;"
                + " beyond it the start fails (a damaged file can make the open loop). The default fits systemd's"
                + " TimeoutStartSec=60s; raise both on slow or emulated machines. Default: ${DEFAULT-VALUE}."})
    Duration stashOpenTimeout;

    @Option(names = "--parsers", defaultValue = "1", paramLabel = "N", description = "Jailed parser children. Default: ${DEFAULT-VALUE}.")
    int parsers;

    @Option(names = "--parser-user", defaultValue = ParserUser.AUTO, paramLabel = "USER|UID|auto",
            description = {"User the parser children run as (when started as root): a name, a bare uid (no account"
                + " needed; its gid is the same number), or auto: the account " + ParserUser.ACCOUNT + " if it exists,"
                + " else the first uid of 61184-65519 that no account, group or process uses. Not a uid other"
                + " services share (such as nobody): they could stop the children. Default: ${DEFAULT-VALUE}."})
    String parserUser;

    @Option(names = "--no-jail", description = "Parse without the seccomp jail. For debugging only: untrusted DOF is then parsed unconfined.")
    boolean noJail;

    @Option(names = "--prune-interval", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "How often a full pass drops dead, exec'd and reused pids and unmapped objects. Where exits and"
                + " execs are seen at once through the process-events connector (and dlclose on the FUSE file through"
                + " the helper's open and release), the pass is only the safety net: default 5m; else it is how they"
                + " are found: default 30s.")
    Duration pruneInterval;

    @Option(names = "--no-process-events", description = "Do not learn of exits and execs from the kernel's"
            + " process-events connector as they happen; the periodic pass (--prune-interval) then finds them.")
    boolean noProcessEvents;

    @Option(names = "--probes-tree", defaultValue = "on", paramLabel = "on|off",
            description = "Keep STATE-DIR/probes/, the per-probe files Oracle's dtrace reads (dtrace -l -P prov<pid>,"
                + " -xdofstashpath=STATE-DIR), in step with every registration; off removes a tree an earlier run"
                + " left. Default: ${DEFAULT-VALUE}.")
    String probesTree;

    @Option(names = "--process-events-buffer", defaultValue = "4194304", paramLabel = "BYTES",
            description = "The kernel's buffer for process events not read yet (at least 4096). Should it overflow,"
                + " a full pruning pass runs at once instead, so nothing is missed. Default: ${DEFAULT-VALUE}.")
    int processEventsBuffer;

    @Option(names = "--no-scan", description = "Do not examine the running processes at start-up for objects"
            + " built with dtrace -G that did not register (started before the daemon); dtprobe scan still does.")
    boolean noScan;

    @Option(names = "--parser-classpath", split = ":", splitSynopsisLabel = ":", paramLabel = "JAR",
            description = "Jars the parser children load (default: the jars dtprobed runs from). They must be readable by --parser-user.")
    List<Path> parserClasspath = new ArrayList<>();

    @Option(names = "--parser-class-archive", paramLabel = "FILE", description = {"AppCDS archive the parser children"
            + " start from (each start then takes about a third less CPU). If FILE does not exist, one warm-up run of a"
            + " child (no DOF, not jailed) writes it first; if that fails, or FILE belongs to another java or other jars,"
            + " the children start without it. The launcher passes the archive scripts/install made, when there is one."})
    Path parserClassArchive;

    @Option(names = "--max-registrations", defaultValue = "8192", converter = RegistrationCountConverter.class,
            paramLabel = "N", description = {"Registrations, and distinct registering pids, a new stash is sized for."
                + " Guaranteed: N registrations of up to 20 probes each (a registration value of at most 3,064"
                + " bytes fills one 3 KiB slot), of up to 2,048 distinct DOF contents; larger ones also take 4 KiB chunks from the pool of --stash-chunks"
                + " (docs/STASH-FORMAT.md has the table). A registration beyond the slots or the"
                + " chunks left is refused with ENOSPC and one log line; the files never grow."
                + " Applies when the stash is created: an existing stash keeps its sizing (move STATE-DIR/stash"
                + " aside to resize). Default: ${DEFAULT-VALUE}."})
    int maxRegistrations;

    @Option(names = "--stash-chunks", converter = RegistrationCountConverter.class, paramLabel = "C",
            description = {"4 KiB chunks a new stash holds for registrations and raw DOF larger than their slot,"
                + " shared by all. A registration of P probes as dtrace -G emits them takes (P - 22) / 32 chunks, rounded"
                + " up, and its raw DOF, once per distinct DOF, one per 4 KiB beyond the first 4 KiB. The largest"
                + " DOF the daemon accepts (under 8 MiB, a parse result of at most 8 MiB: ~60,000 probes as"
                + " dtrace -G emits them, up to ~108,000 with short names) takes up to 4,650 chunks; a pool smaller"
                + " than that refuses it (ENOSPC). Each chunk costs ~5 KB of file, allocated when the stash is"
                + " created. Default: --max-registrations (one chunk per registration: ~50 probes on average)."})
    Integer stashChunks;

    @Option(names = "--max-registrations-per-uid", paramLabel = "N", description = {"Registrations one user other"
            + " than root may hold; one more is refused with EDQUOT, and all users together leave an eighth of"
            + " --max-registrations to root. 0: no per-user limit. Default: --max-registrations / 8."})
    Integer maxRegistrationsPerUid;

    @Option(names = "--max-requests-per-uid", defaultValue = "64", paramLabel = "N", description = {"Helper-device"
            + " requests one user other than root may have queued or running; one more is refused with EAGAIN."
            + " Queued requests are served per user in turn, root's first. Default: ${DEFAULT-VALUE}."})
    int maxRequestsPerUid;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = {"error, warn, info, debug or trace."
            + " Default: $DTPROBED_LOG_LEVEL, else info. Under systemd (stderr on the journal) lines carry"
            + " journald priorities and no timestamp."})
    String logLevel;

    @Option(names = "--metrics-file", paramLabel = "PATH", description = {"Write the metrics (Prometheus text format)"
            + " to PATH every --metrics-interval, replacing it atomically, for node_exporter's textfile collector"
            + " (name it *.prom in the collector's directory). The directory must exist."})
    Path metricsFile;

    @Option(names = "--metrics-interval", defaultValue = "15s", converter = DurationConverter.class,
            paramLabel = "DURATION", description = "How often --metrics-file is rewritten. Default: ${DEFAULT-VALUE}.")
    Duration metricsInterval;

    @Override
    public Integer call() {
        String problem = logLevelProblem();
        if (problem == null && logLevel != null) {
            // read by the log backend when the first logger is made, which must come after this
            // (the checks below load classes that make loggers)
            System.setProperty(LogLevel.PROPERTY, logLevel);
        }
        if (problem == null) {
            problem = firstProblem();
        }
        if (problem != null) {
            // before anything is created or started: one line, and systemd must not restart
            System.err.println("dtprobed: " + problem);
            return Daemon.EXIT_CONFIG;
        }
        prepareBeside();
        return run(config(), SystemdNotifier.fromEnvironment());
    }

    /** Checked first: the level must be known before any class that logs is loaded. */
    private String logLevelProblem() {
        if (logLevel != null && LogLevel.parse(logLevel) == null) {
            return "--log-level '" + logLevel + "': expected error, warn, info, debug or trace";
        }
        String envLevel = System.getenv(LogLevel.ENV);
        if (logLevel == null && envLevel != null && !envLevel.isBlank()
                && LogLevel.parse(envLevel) == null) {
            return LogLevel.ENV + " '" + envLevel + "': expected error, warn, info, debug or trace";
        }
        return null;
    }

    /**
     * The first option that cannot work, or null. Only reads (no file, directory, child or
     * mount is made), so a typo costs nothing; what can only be known by trying (a held lock, a
     * missing /dev/cuse) is reported by {@link Daemon#start} instead.
     */
    String firstProblem() {
        if (!Transports.known(transport)) {
            return "--transport '" + transport + "': expected auto, cuse or fuse";
        }
        if (!probesTree.equals("on") && !probesTree.equals("off")) {
            return "--probes-tree '" + probesTree + "': expected on or off";
        }
        if (maxRegistrationsPerUid != null && maxRegistrationsPerUid < 0) {
            return "--max-registrations-per-uid must be 0 or more, got " + maxRegistrationsPerUid;
        }
        if (maxRequestsPerUid < 1) {
            return "--max-requests-per-uid must be 1 or more, got " + maxRequestsPerUid;
        }
        if (parsers < 1 || parsers > 64) {
            return "--parsers must be 1..64, got " + parsers;
        }
        try {
            TransportConfig.defaults().withDeviceName(device);
        } catch (IllegalArgumentException e) {
            return "--device: " + e.getMessage();
        }
        Path sock = socket != null ? socket : Daemon.defaultSocket(stateDir);
        int sockBytes = sock.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length;
        if (sockBytes > MAX_SOCKET_PATH_BYTES) {
            return "--socket " + sock + ": " + sockBytes + " bytes, a Unix socket path holds at most "
                    + MAX_SOCKET_PATH_BYTES;
        }
        if (Files.exists(stateDir) && !Files.isDirectory(stateDir)) {
            return "--state-dir " + stateDir + " is not a directory";
        }
        for (Path jar : parserClasspath) {
            if (!Files.isRegularFile(jar)) {
                return "--parser-classpath: " + jar + " is not a file";
            }
        }
        if (metricsFile != null) {
            Path dir = metricsFile.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                return "--metrics-file " + metricsFile + ": no directory " + dir;
            }
            if (Files.isDirectory(metricsFile)) {
                return "--metrics-file " + metricsFile + " is a directory";
            }
        }
        if (!noJail && isRoot() && !parserUser.equals(ParserUser.AUTO) && !parserUser.matches("[0-9]{1,9}")
                && !userExists(parserUser)) {
            return "--parser-user: no such user '" + parserUser + "'";
        }
        return invisibleFuseMount();
    }

    /** The FUSE-file route mounts where clients must see it; a private mount namespace hides it. */
    private String invisibleFuseMount() {
        boolean fuseFile = transport.startsWith("fuse")
                || (transport.equals("auto") && !CuseTransport.available());
        if (!fuseFile) {
            return null;
        }
        Path mount = mountDir != null ? mountDir : stateDir.resolve("helperfs");
        try {
            return MountVisibility.whyInvisible(mount)
                    .map(why -> "the FUSE-file transport cannot serve clients from here: " + why
                            + "; run dtprobed in the host's mount namespace (the unit without"
                            + " dtprobed.service.d/mount-sandbox.conf, see README) or use CUSE")
                    .orElse(null);
        } catch (IOException e) {
            return null; // no /proc/self/mountinfo to judge by: the mount itself will tell
        }
    }

    /** sun_path is 108 bytes with the terminating NUL. */
    private static final int MAX_SOCKET_PATH_BYTES = 107;

    private static boolean isRoot() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean userExists(String name) {
        try {
            FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(name);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The parsed command line as the daemon takes it (options already validated). */
    DaemonConfig config() {
        return new DaemonConfig(stateDir, transport, device,
                socket != null ? socket : Daemon.defaultSocket(stateDir),
                mountDir != null ? mountDir : stateDir.resolve("helperfs"), parseTimeout, parserStartTimeout, stashOpenTimeout, parsers, parserUser, noJail,
                pruneInterval, parserClasspath, maxRegistrations,
                stashChunks != null ? stashChunks : StashConfig.chunksFor(maxRegistrations),
                metricsFile, metricsInterval,
                maxRegistrationsPerUid != null ? maxRegistrationsPerUid : Math.max(1, maxRegistrations / 8),
                maxRequestsPerUid, !noProcessEvents, processEventsBuffer, probesTree.equals("on"), !noScan, parserClassArchive);
    }

    /**
     * The variable by which HotSpot moves its thread suspend/resume signal off SIGUSR2, and the
     * signal the launchers move it to (scripts/lib/common.sh sets the same number).
     */
    public static final String SUSPEND_SIGNAL_VARIABLE = "_JAVA_SR_SIGNUM";
    public static final int LAUNCHER_SUSPEND_SIGNAL = 39;

    /**
     * SIGUSR2 is Oracle dtprobed's "reparse everything" (its test suite sends it); left to the JVM
     * it lands in HotSpot's suspend/resume handler, which crashes the daemon (SIGSEGV in
     * SR_handler). Where that handler still owns SIGUSR2 (no {@link #SUSPEND_SIGNAL_VARIABLE}),
     * taking it breaks what suspends threads with it — JFR's execution sampler, whose every sample
     * would then run a check of the probes tree — so the launchers move it and a start without
     * them says so. The check reads every file of the tree: on a thread of its own, so that the
     * JVM's one signal thread is free for a SIGTERM meanwhile.
     */
    private static void onSigusr2(Logger log, long pid, Daemon daemon) {
        if (System.getenv(SUSPEND_SIGNAL_VARIABLE) == null) {
            log.warn("pid {}: started without {} (the launchers set it to {}): SIGUSR2 is shared with the JVM's"
                    + " thread suspension, so a JFR recording of this daemon samples nothing and runs a probes tree"
                    + " check per sample", pid, SUSPEND_SIGNAL_VARIABLE, LAUNCHER_SUSPEND_SIGNAL);
        }
        sun.misc.Signal.handle(new sun.misc.Signal("USR2"), s -> {
            Thread t = new Thread(() -> {
                log.info("pid {}: SIGUSR2: checking the probes tree against the stash and mending it", pid);
                if (!daemon.recheckProbesTree()) {
                    log.info("pid {}: SIGUSR2: the probes tree is off; nothing to check", pid);
                }
            }, "probes-tree-recheck");
            t.setDaemon(true);
            t.start();
        });
    }

    static int run(DaemonConfig config, SystemdNotifier notifier) {
        // made here, not in a static field: the level is known only once the options are read
        Logger log = LoggerFactory.getLogger(DtprobedMain.class);
        long pid = ProcessHandle.current().pid();
        if (config.noJail()) {
            log.warn("pid {}: --no-jail: DOF from any local user will be parsed WITHOUT the seccomp jail", pid);
        }
        notifier.status("starting");
        Daemon daemon;
        try {
            daemon = Daemon.start(config);
        } catch (Daemon.StartException e) {
            // the log goes to stderr too: one line, not a second copy by println
            log.error("pid {}: cannot start: {}", pid, e.getMessage());
            return e.exitCode();
        }
        CountDownLatch stop = new CountDownLatch(1);
        // handle TERM and INT ourselves: the orderly stop runs before any JVM shutdown hook (the
        // stash must be closed cleanly) and the exit status is 0, as systemd expects
        for (String sig : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> stop.countDown());
        }
        onSigusr2(log, pid, daemon);
        String ready = daemon.describe();
        log.info("pid {}: ready: {}", pid, ready);
        notifier.ready(ready);
        Watchdog watchdog = Watchdog.period(System.getenv())
                .map(every -> {
                    log.info("pid {}: systemd watchdog: WATCHDOG=1 every {} ms while the device reader and parser"
                            + " workers turn", pid, every.toMillis());
                    return Watchdog.start(every, daemon::heartbeats, notifier::watchdog);
                }).orElse(null);
        MetricsFile metrics = config.metricsFile() == null ? null
                : MetricsFile.start(config.metricsFile(), config.metricsInterval(), daemon::prometheusText);
        int rc = 0;
        try {
            while (!stop.await(1, TimeUnit.SECONDS)) {
                if (!daemon.serving()) {
                    log.error("pid {}: the kernel ended the helper device's connection; exiting", pid);
                    rc = Daemon.EXIT_RUNTIME;
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (watchdog != null) {
            watchdog.close();
        }
        notifier.stopping("stopping");
        log.info("pid {}: stopping", pid);
        if (metrics != null) {
            metrics.close();
        }
        daemon.close();
        log.info("pid {}: stopped", pid);
        return rc;
    }

    public static void main(String[] args) {
        LogProvider.select();
        System.exit(commandLine().execute(args));
    }

    /**
     * While this thread prepares the start (the configuration, the state directory, the parser
     * children's launch), a spare core initializes what the stash's open and the first looks at
     * /proc start with (Chronicle, the libc bindings): the open then starts on what it reads. Not
     * before the options are read and checked: Chronicle logs as it initializes, and the log level
     * (--log-level) holds from the first line, and a refused option is one line and nothing else.
     */
    private static void prepareBeside() {
        Thread t = new Thread(() -> {
            try {
                Stash.prepare();
                ProcFs.SYSTEM.queriesKernel();
            } catch (RuntimeException | LinkageError e) {
                // the open and the looks initialize these themselves, and report what fails
            }
        }, "dtprobed-prepare");
        t.setDaemon(true);
        t.start();
    }

    /** The command line as main runs it: a bad option is one line on stderr and exit 1, no usage dump. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new DtprobedMain());
        cl.setParameterExceptionHandler((ex, args) -> {
            cl.getErr().println("dtprobed: " + ex.getMessage() + " (see dtprobed --help)");
            return Daemon.EXIT_CONFIG;
        });
        return cl;
    }
}
