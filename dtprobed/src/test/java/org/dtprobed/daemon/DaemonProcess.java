package org.dtprobed.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.dtprobed.testkit.ChildJvms;
import org.dtprobed.client.DtprobedClient;
import org.dtprobed.protocol.ProbeEntry;

/**
 * The real daemon in a child JVM (this test's classpath, the FUSE-file transport on the host
 * kernel, real jailed parser children), for tests that kill it or restart it.
 */
public final class DaemonProcess implements AutoCloseable {
    private final Process process;
    private final Path stateDir;
    private final Path device;
    private final Path log;

    private DaemonProcess(Process process, Path stateDir, Path device, Path log) {
        this.process = process;
        this.stateDir = stateDir;
        this.device = device;
        this.log = log;
    }

    public static DaemonProcess start(Path stateDir, String deviceName, List<Path> parserJars, String... extra)
            throws IOException, InterruptedException {
        return launch(command(stateDir, deviceName, parserJars, extra), stateDir, deviceName);
    }

    /**
     * Starts {@code cmd} (a daemon command line, possibly behind {@code unshare} or another
     * wrapper that execs it) and waits until it answers health as ready.
     */
    public static DaemonProcess launch(List<String> cmd, Path stateDir, String deviceName)
            throws IOException, InterruptedException {
        return launch(cmd, java.util.Map.of(), stateDir, deviceName);
    }

    /** As {@link #launch(List, Path, String)}, with these variables added to the environment. */
    public static DaemonProcess launch(List<String> cmd, java.util.Map<String, String> env, Path stateDir,
            String deviceName) throws IOException, InterruptedException {
        Files.createDirectories(stateDir);
        Path log = stateDir.resolve("daemon.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // as the launchers start it (scripts/lib/common.sh): SIGUSR2 is the daemon's, not the JVM's
        pb.environment().put(DtprobedMain.SUSPEND_SIGNAL_VARIABLE, Integer.toString(DtprobedMain.LAUNCHER_SUSPEND_SIGNAL));
        pb.environment().putAll(env);
        Process p = pb.start();
        DaemonProcess d = new DaemonProcess(p, stateDir, Path.of("/dev").resolve(deviceName), log);
        d.awaitReady();
        return d;
    }

    /** How a daemon that was expected not to start ended: its exit status and its stderr and stdout. */
    public record Exited(int status, String stderr, String stdout) {
    }

    /**
     * Runs the daemon and waits for it to exit by itself (a refused or misconfigured start); the
     * state directory is not created by this fixture, so the test sees what the daemon made.
     */
    public static Exited runToExit(List<String> prefix, Path stateDir, String deviceName, List<Path> parserJars,
            String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(command(stateDir, deviceName, parserJars, extra));
        return runToExit(cmd);
    }

    /** Runs {@code cmd} and waits for it to exit by itself. */
    public static Exited runToExit(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        java.util.concurrent.CompletableFuture<byte[]> out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return p.getInputStream().readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("dtprobed did not exit within 120 s; stderr:\n" + err);
        }
        return new Exited(p.exitValue(), err, new String(out.join(), StandardCharsets.UTF_8));
    }

    /** java, the flags and this test's classpath, and the daemon's main class: a command line without options. */
    public static List<String> javaMain() {
        List<String> cmd = new ArrayList<>(ChildJvms.command(DtprobedMain.class));
        // as the launcher runs the daemon (scripts/lib/common.sh), heap limit included
        cmd.addAll(1, List.of("-XX:+UseSerialGC", "-Xmx512m"));
        return cmd;
    }

    /** The daemon's command line (java, this test's classpath, the FUSE-file transport). */
    public static List<String> command(Path stateDir, String deviceName, List<Path> parserJars, String... extra) {
        List<String> cmd = javaMain();
        cmd.addAll(List.of("--state-dir", stateDir.toString(), "--device", deviceName, "--parser-classpath",
                String.join(":", parserJars.stream().map(Path::toString).toList())));
        if (!List.of(extra).contains("--transport")) {
            cmd.addAll(List.of("--transport", "fuse"));
        }
        if (!List.of(extra).contains("--prune-interval")) {
            cmd.addAll(List.of("--prune-interval", "1s"));
        }
        if (!List.of(extra).contains("--scan")) {
            // a test daemon adopts nothing of the host (other tests' dtrace -G programs) unless it asks;
            // "--scan" is this helper's word for the daemon's default (AdoptIT)
            cmd.add("--no-scan");
        }
        if (!List.of(extra).contains("--parse-timeout")) {
            // no test of a whole daemon is about the deadline: a parse on a loaded machine must not miss it
            cmd.addAll(List.of("--parse-timeout", "60s"));
        }
        cmd.addAll(List.of(extra).stream().filter(a -> !a.equals("--scan")).toList());
        return cmd;
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("dtprobed exited with " + process.exitValue() + ":\n" + log());
            }
            if (Files.exists(socket())) {
                try (DtprobedClient c = DtprobedClient.connect(socket())) {
                    if (c.health().ready()) {
                        return;
                    }
                } catch (IOException e) {
                    // not accepting yet
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("dtprobed not ready within 90 s:\n" + log());
    }

    public Path socket() {
        return stateDir.resolve("dtprobed.sock");
    }

    public Path device() {
        return device;
    }

    Path stashDir() {
        return stateDir.resolve("stash");
    }

    long pid() {
        return process.pid();
    }

    public String log() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    public List<ProbeEntry> list(String description, int pid) throws IOException {
        try (DtprobedClient c = DtprobedClient.connect(socket())) {
            return c.list(description, pid > 0 ? OptionalInt.of(pid) : OptionalInt.empty());
        }
    }

    public com.fasterxml.jackson.databind.node.ObjectNode stats() throws IOException {
        try (DtprobedClient c = DtprobedClient.connect(socket())) {
            return c.stats();
        }
    }

    /** Polls until the pid has no probes any more (pruning runs every second). */
    void awaitGone(int pid) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (list("", pid).isEmpty()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("pid " + pid + " still has probes after 30 s");
    }

    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM; returns the exit code. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("dtprobed did not stop within 60 s of SIGTERM");
        }
        return process.exitValue();
    }

    boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
