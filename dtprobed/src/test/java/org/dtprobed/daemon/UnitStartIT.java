package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dtprobed.testkit.Corpus;
import org.dtprobed.fuse.CClient;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.protocol.ProbeEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon started exactly as the installed unit starts it — ExecStart's arguments, and the
 * namespaces its settings make, reproduced with {@code unshare} (systemd is not pid 1 here) — on
 * this host without CUSE, with a client registering from outside. The temporary directory is made
 * a shared mount first, as systemd makes every mount of the host at boot, so that a namespace's
 * slave mounts look as they do under systemd. Needs root, namespaces and a real FUSE mount.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.GCC})
class UnitStartIT {
    private static final Path UNIT = SystemdUnit.DIR.resolve("dtprobed.service");
    private static final Path SANDBOX = SystemdUnit.DIR.resolve("dtprobed.service.d/mount-sandbox.conf");

    @TempDir
    Path tmp;
    private boolean sharedMount;

    @BeforeEach
    void shareTheTemporaryDirectory() throws Exception {
        run("mount", "--bind", tmp.toString(), tmp.toString());
        sharedMount = true;
        run("mount", "--make-shared", tmp.toString());
    }

    @AfterEach
    void unshare() throws Exception {
        if (sharedMount) {
            run("umount", "--lazy", tmp.toString());
        }
    }

    @Test
    void theUnitMakesNoMountNamespaceAndAClientOutsideRegisters() throws Exception {
        SystemdUnit unit = SystemdUnit.read(UNIT);
        assertThat(unit.mountNamespaceSettings()).as("settings that hide a FUSE mount from the host").isEmpty();
        assertThat(unit.last("Type")).isEqualTo("notify");
        assertThat(unit.last("WatchdogSec")).isNotBlank();
        assertThat(unit.last("EnvironmentFile")).isEqualTo("-/etc/default/dtprobed");
        assertThat(unit.last("ExecStart")).contains("$DTPROBED_OPTS");

        Path state = tmp.resolve("state");
        String device = "dtrace/unit-" + ProcessHandle.current().pid();
        try (ChildJars jars = ChildJars.create()) {
            List<String> cmd = new ArrayList<>(unit.unshare());
            cmd.addAll(DaemonProcess.javaMain());
            cmd.addAll(unit.execStartArgs(state, options(device, jars)));
            Path notify = tmp.resolve("notify.sock");
            long watchdogUsec = seconds(unit.last("WatchdogSec")) * 1_000_000L;
            try (AFUNIXDatagramSocket systemd = AFUNIXDatagramSocket.newInstance()) {
                systemd.bind(AFUNIXSocketAddress.of(notify));
                systemd.setSoTimeout(120_000);
                try (DaemonProcess daemon = DaemonProcess.launch(cmd, Map.of("NOTIFY_SOCKET", notify.toString(),
                        "WATCHDOG_USEC", Long.toString(watchdogUsec)), state, device)) {
                    assertThat(receive(systemd)).startsWith("STATUS=starting");
                    assertThat(receive(systemd)).startsWith("READY=1\n").contains("MAINPID=" + daemon.pid());
                    assertThat(receive(systemd)).as("the first watchdog ping").isEqualTo("WATCHDOG=1\n");
                    assertThat(daemon.log()).contains("WATCHDOG=1 every " + watchdogUsec / 2000 + " ms");
                    registerFromOutside(daemon);
                    assertThat(daemon.stop()).isZero();
                }
            }
        }
    }

    private void registerFromOutside(DaemonProcess daemon) throws Exception {
        assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(daemon.pid()), "ns", "mnt")))
                .as("the daemon's mount namespace").isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")));
        CClient client = CClient.compile(Files.createDirectories(tmp.resolve("bin")));
        Process p = client.start(daemon.device(), false, "-w", Corpus.blobs().get(0).toString());
        try {
            int pid = CClient.awaitRegistered(p);
            List<ProbeEntry> probes = daemon.list("", pid);
            assertThat(probes).as("probes registered from outside, log:%n%s", daemon.log()).isNotEmpty();
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static long seconds(String systemdTime) {
        assertThat(systemdTime).as("WatchdogSec in seconds").matches("\\d+s");
        return Long.parseLong(systemdTime.substring(0, systemdTime.length() - 1));
    }

    private static String receive(AFUNIXDatagramSocket s) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
        s.receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    }

    @Test
    void underTheCuseSandboxTheFuseFileTransportIsRefusedBeforeAnythingIsMade() throws Exception {
        SystemdUnit unit = SystemdUnit.read(UNIT, SANDBOX);
        assertThat(unit.unshare()).containsSubsequence("--mount", "--propagation", "slave");

        Path state = tmp.resolve("state");
        String device = "dtrace/unit-sandbox-" + ProcessHandle.current().pid();
        try (ChildJars jars = ChildJars.create()) {
            List<String> cmd = new ArrayList<>(unit.unshare());
            cmd.addAll(DaemonProcess.javaMain());
            cmd.addAll(unit.execStartArgs(state, options(device, jars)));
            DaemonProcess.Exited run = DaemonProcess.runToExit(cmd);

            assertThat(run.status()).as("stderr:%n%s", run.stderr()).isEqualTo(Daemon.EXIT_CONFIG);
            assertThat(run.stderr().lines().toList()).hasSize(1);
            assertThat(run.stderr()).contains("FUSE-file transport cannot serve clients").contains("slave");
            assertThat(state).doesNotExist();
            assertThat(Path.of("/dev", device)).doesNotExist();
        }
    }

    /** What an operator's /etc/default/dtprobed would hold for this test (DTPROBED_OPTS). */
    private static List<String> options(String device, ChildJars jars) {
        return List.of("--transport", "fuse", "--device", device, "--prune-interval", "1s", "--parser-classpath",
                String.join(":", jars.jars().stream().map(Path::toString).toList()));
    }


    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", cmd), out).isZero();
    }
}
