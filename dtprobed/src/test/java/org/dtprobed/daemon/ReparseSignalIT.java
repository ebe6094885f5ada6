package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.dtprobed.client.OracleDtrace;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.testkit.Await;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGUSR2, Oracle dtprobed's forced reparse, which Oracle's own {@code tst.multitrace.sh} sends to
 * the daemon after overwriting its parsed files: the daemon lives on (left to the JVM the signal
 * crashed it in HotSpot's suspend/resume handler) and rewrites the probe files that differ from
 * its stash. A JFR recording of the daemon meanwhile neither runs that check nor loses its
 * samples: the JVM suspends threads with another signal (the launchers' {@code _JAVA_SR_SIGNUM}).
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.GCC})
class ReparseSignalIT {
    @TempDir
    Path tmp;

    @Test
    void sigusr2MendsADamagedProbesTreeAndTheDaemonServesOn() throws Exception {
        Path programs = Files.createDirectories(tmp.resolve("programs"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path holdprog = OracleDtrace.holdprog(programs);
        Path probes = tmp.resolve("state/probes");
        try (ChildJars jars = ChildJars.create();
                DaemonProcess daemon = DaemonProcess.start(tmp.resolve("state"),
                        "dtrace/usr2-" + ProcessHandle.current().pid(), jars.jars())) {
            Process hold = holdprog(holdprog, daemon);
            try {
                int pid = readyPid(hold);
                Path dir = probes.resolve(Integer.toString(pid));
                Await.until("the tree holds the program's two probes", () -> contents(dir).size() == 2);
                Map<String, byte[]> written = contents(dir);
                String[] files = written.keySet().toArray(String[]::new);
                Files.write(dir.resolve(files[0]), "a\n".getBytes(StandardCharsets.US_ASCII)); // as tst.multitrace.sh does
                Files.delete(dir.resolve(files[1]));

                // JFR's sampler suspends threads ~50 times a second while it records
                jcmd(daemon.pid(), "JFR.start", "name=usr2", "settings=profile");
                signal("USR2", daemon.pid());
                Await.until("the damaged files rewritten", () -> sameContents(contents(dir), written));
                Thread.sleep(1000);
                jcmd(daemon.pid(), "JFR.stop", "name=usr2");
                assertThat(daemon.alive()).isTrue();
                assertThat(daemon.log().lines().filter(l -> l.contains("SIGUSR2: checking the probes tree against the stash")))
                        .as("one check for one signal").hasSize(1);
                assertThat(daemon.list("", pid)).hasSize(2);

                Process second = holdprog(holdprog, daemon);
                try {
                    int pid2 = readyPid(second);
                    Await.until("a registration after the signal", () -> contents(probes.resolve(Integer.toString(pid2))).size() == 2);
                } finally {
                    second.destroyForcibly();
                }
            } finally {
                hold.destroyForcibly();
            }
        }
    }

    private static Process holdprog(Path holdprog, DaemonProcess daemon) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(holdprog.toString()).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("DTRACE_DOF_INIT_DEVNAME", daemon.device().toString());
        return pb.start();
    }

    private static int readyPid(Process p) throws IOException {
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        assertThat(line).as("holdprog's first line").startsWith("ready ");
        return Integer.parseInt(line.substring("ready ".length()).strip());
    }

    private static void jcmd(long pid, String... command) throws IOException, InterruptedException {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid)));
        cmd.addAll(java.util.List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("jcmd %s: %s", String.join(" ", command), out).isZero();
    }

    private static void signal(String name, long pid) throws IOException, InterruptedException {
        assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start().waitFor()).isZero();
    }

    private static Map<String, byte[]> contents(Path dir) {
        Map<String, byte[]> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                out.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        } catch (IOException e) {
            return Map.of(); // a walk that raced a rename: the next poll reads again
        }
        return out;
    }

    private static boolean sameContents(Map<String, byte[]> a, Map<String, byte[]> b) {
        return a.keySet().equals(b.keySet()) && a.keySet().stream().allMatch(k -> Arrays.equals(a.get(k), b.get(k)));
    }
}
