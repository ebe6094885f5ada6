package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.dtprobed.client.DtprobedClient;
import org.dtprobed.dof.write.SharedArgumentsDof;
import org.dtprobed.fuse.CClient;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.linux.Errno;
import org.dtprobed.testkit.Await;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Corpus;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19: what an unprivileged local user (uid 65534 through {@code setpriv}) can do to
 * everyone else, each attack against the real daemon, bounded; after each, root's registration
 * and {@code health} still answer (within the fixtures' generous liveness bounds, never a timing).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Requires({Capability.ROOT, Capability.FUSE, Capability.GCC})
class HostileUsersIT {
    private static final int NOBODY = 65534;
    private static final int QUOTA = 4;

    @TempDir
    static Path tmp;
    private ChildJars jars;
    private CClient client;
    private DaemonProcess daemon;

    @BeforeAll
    void startDaemon() throws Exception {
        // uid 65534 must reach the client binary and the DOF files
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        jars = ChildJars.create();
        client = CClient.compile(Files.createDirectories(tmp.resolve("bin")));
        daemon = DaemonProcess.start(tmp.resolve("state"), "dtrace/hostile-" + ProcessHandle.current().pid(),
                jars.jars(), "--max-registrations-per-uid", Integer.toString(QUOTA), "--max-requests-per-uid", "8");
    }

    @AfterAll
    void stopDaemon() throws Exception {
        if (daemon != null) {
            assertThat(daemon.stop()).as("clean exit on SIGTERM:\n%s", daemon.log()).isZero();
        }
        if (jars != null) {
            jars.close();
        }
    }

    /** Each test starts with uid 65534 holding nothing: the earlier tests' clients have exited and are pruned. */
    @BeforeEach
    void nobodyHoldsNothing() throws Exception {
        Await.until("uid 65534's earlier registrations pruned",
                () -> uncheck(() -> daemon.list("", 0).stream().noneMatch(e -> e.uid() == NOBODY)));
    }

    /** Root's registration and health still answer: the daemon serves others after the attack. */
    private void othersStillServed() throws Exception {
        try (DtprobedClient c = DtprobedClient.connect(daemon.socket())) {
            assertThat(c.health().ready()).isTrue();
        }
        CClient.Result r = client.run(daemon.device(), Corpus.blobs().get(0).toString());
        assertThat(r.gen()).as("root's registration: %s", r).isNotNegative();
    }

    private Path publicFile(String name, byte[] content) throws IOException {
        Path f = tmp.resolve(name);
        Files.write(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        return f;
    }

    /** Attack 1: a small DOF whose result is huge is refused with its own errno, before it costs memory. */
    @Test
    void aDofThatDecodesToAHugeResultIsRefusedWithEoverflow() throws Exception {
        Path dof = publicFile("amplifier.dof", SharedArgumentsDof.build("amp", 500, 255, 100));
        CClient.Result r = client.runAsNobody(daemon.device(), dof.toString());
        assertThat(r.addErrno()).as("%s", r).isEqualTo(Errno.EOVERFLOW);
        othersStillServed();
    }

    /**
     * Attack 2: a user maps a root-owned file privately, writes bad DOF into its copy and registers
     * it; the verdict must not land on the file, so root's registration of the real one succeeds.
     */
    @Test
    void aPrivateCopyCannotPoisonTheNegativeCacheForTheFile() throws Exception {
        Path lib = publicFile("victim.dof", Files.readAllBytes(Corpus.blobs().get(1)));
        CClient.Result bad = client.runAsNobody(daemon.device(), "-F", "-Z", lib.toString());
        assertThat(bad.addErrno()).as("the zeroed copy is refused: %s", bad).isEqualTo(Errno.EINVAL);
        CClient.Result again = client.runAsNobody(daemon.device(), "-F", "-Z", lib.toString());
        assertThat(again.addErrno()).isEqualTo(Errno.EINVAL);
        CClient.Result root = client.run(daemon.device(), "-F", lib.toString());
        assertThat(root.gen()).as("root registers the real file: %s", root).isNotNegative();
        assertThat(daemon.log()).doesNotContain("was refused before");
    }

    /** Attack 3: the stash, the lock and the directories are root's alone; the socket stays open to all. */
    @Test
    void theStashIsReadableByRootOnly() throws Exception {
        Path state = tmp.resolve("state");
        assertThat(mode(state)).isEqualTo("rwx--x--x");
        assertThat(mode(state.resolve("stash"))).isEqualTo("rwx------");
        assertThat(mode(state.resolve(StateDirLock.FILE_NAME))).isEqualTo("rw-------");
        try (Stream<Path> files = Files.list(state.resolve("stash"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(mode(f)).as(f.toString()).isEqualTo("rw-------");
            }
        }
        assertThat(mode(daemon.socket())).isEqualTo("rw-rw-rw-");
        Process cat = new ProcessBuilder(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "sh", "-c", "cat " + state.resolve("stash") + "/*; ls " + state)).redirectErrorStream(true).start();
        String out = new String(cat.getInputStream().readAllBytes());
        assertThat(cat.waitFor()).as(out).isNotZero();
        assertThat(out).contains("Permission denied");
        // the socket is reached by name and scoped by peer credentials
        CClient.Result mine = client.runAsNobody(daemon.device(), Corpus.blobs().get(2).toString());
        assertThat(mine.gen()).as("%s", mine).isNotNegative();
        othersStillServed();
    }

    /** Attack 4: one user cannot take every registration; root and other users still register. */
    @Test
    void oneUserHoldsAtMostItsQuota() throws Exception {
        List<Process> holders = new ArrayList<>();
        try {
            for (int i = 0; i < QUOTA; i++) {
                Process p = client.start(daemon.device(), true, "-w", Corpus.blobs().get(0).toString());
                holders.add(p);
                CClient.awaitRegistered(p);
            }
            CClient.Result over = client.runAsNobody(daemon.device(), Corpus.blobs().get(0).toString());
            assertThat(over.addErrno()).as("%s", over).isEqualTo(Errno.EDQUOT);
            othersStillServed();
        } finally {
            for (Process p : holders) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
        // the quota follows the registrations: once the holders are gone, the user registers again
        Await.until("uid 65534 registers again", () -> uncheck(() -> {
            CClient.Result r = client.runAsNobody(daemon.device(), Corpus.blobs().get(0).toString());
            return r.value("adddof", "gen").isPresent();
        }));
    }

    /**
     * Attacks 7 and 9: a storm of one user's requests (more than its in-flight share, most of them
     * refused by its quota or EAGAIN) runs while root registers; nothing hangs.
     */
    @Test
    void aStormOfOneUserDoesNotStopRootOrHealth() throws Exception {
        List<Process> storm = new ArrayList<>();
        try {
            for (int i = 0; i < 16; i++) {
                storm.add(client.start(daemon.device(), true, "-n", "300", Corpus.blobs().get(0).toString()));
            }
            for (int i = 0; i < 3; i++) {
                othersStillServed();
            }
            for (Process p : storm) {
                CClient.Result r = CClient.finish(p);
                assertThat(r.value("bench", "n")).contains("300");
            }
        } finally {
            for (Process p : storm) {
                p.destroyForcibly();
            }
        }
        othersStillServed();
    }

    /**
     * Attack 5: the parser children run under a uid of their own (not 65534, which the attacker
     * has), and a user's {@code stats} shows neither their pids nor daemon-wide counters.
     */
    @Test
    void theParserChildIsOutOfUsersReachAndHidden() throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("parser child (\\d+) ready .* uid (\\d+),")
                .matcher(daemon.log());
        assertThat(m.find()).as(daemon.log()).isTrue();
        int childUid = Integer.parseInt(m.group(2));
        assertThat(childUid).isNotIn(0, NOBODY);
        String stats = asNobody("{\"op\":\"stats\"}\n");
        assertThat(stats).contains("\"ok\":true").doesNotContain("parser_pids").doesNotContain("parses")
                .doesNotContain(m.group(1));
        assertThat(asNobody("{\"op\":\"metrics\"}\n")).contains("forbidden");
        // the child cannot be signalled by the attacker
        Process kill = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "kill", "-STOP",
                m.group(1)).redirectErrorStream(true).start();
        assertThat(kill.waitFor()).isNotZero();
        othersStillServed();
    }

    /** Attack 9: one object per line, nothing after it; the error is a line of its own. */
    @Test
    void aRequestWithTrailingBytesIsRefusedWhole() throws Exception {
        String out = asNobody("{\"op\":\"health\"} {\"op\":\"stats\"}\n{\"op\":\"health\"}x\n{\"op\":\"health\"}\n");
        List<String> lines = out.lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).contains("\"ok\":false").contains("bad_request");
        assertThat(lines.get(1)).contains("\"ok\":false").contains("bad_request");
        assertThat(lines.get(2)).contains("\"ok\":true").contains("\"op\":\"health\"");
    }

    /** Sends the requests as uid 65534 over the query socket and returns what came back until the daemon closed or 5 s passed. */
    private String asNobody(String requests) throws Exception {
        String py = "import socket,sys\n"
                + "s=socket.socket(socket.AF_UNIX)\n"
                + "s.connect(sys.argv[1])\n"
                + "s.sendall(sys.stdin.buffer.read())\n"
                + "s.shutdown(socket.SHUT_WR)\n"
                + "s.settimeout(30)\n"
                + "b=b''\n"
                + "while True:\n"
                + "    d=s.recv(65536)\n"
                + "    if not d: break\n"
                + "    b+=d\n"
                + "sys.stdout.buffer.write(b)\n";
        Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", py,
                daemon.socket().toString()).start();
        p.getOutputStream().write(requests.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(err).isZero();
        return out;
    }

    private interface IoSupplier<T> {
        T get() throws Exception;
    }

    private static <T> T uncheck(IoSupplier<T> s) {
        try {
            return s.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }
}
