package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.dtprobed.client.DtprobedClient;
import org.dtprobed.testkit.Corpus;
import org.dtprobed.fuse.CClient;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second daemon started on a running one's state directory (a mistake operators make) is
 * refused by the lock and touches nothing of the first one's: socket, device link, mount, stash
 * files, lock file. The first one then still answers health and list and takes a registration.
 * Needs root and a real FUSE mount.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.GCC})
class SingleInstanceIT {
    @TempDir
    Path tmp;

    @Test
    void aRefusedSecondDaemonLeavesTheFirstFullyWorking() throws Exception {
        Path state = tmp.resolve("state");
        String device = "dtrace/single-" + ProcessHandle.current().pid();
        try (ChildJars jars = ChildJars.create();
             DaemonProcess first = DaemonProcess.start(state, device, jars.jars())) {
            CClient client = CClient.compile(Files.createDirectories(tmp.resolve("bin")));
            Map<Path, Object> before = snapshot(state);
            Path link = first.device();
            Path linkTarget = Files.readSymbolicLink(link);
            String mounts = fuseMountsUnder(state);
            assertThat(mounts).as("the first daemon's FUSE mount").isNotEmpty();

            DaemonProcess.Exited second = DaemonProcess.runToExit(List.of(), state, device, jars.jars());

            assertThat(second.status()).as("stderr:%n%s", second.stderr()).isEqualTo(Daemon.EXIT_CONFIG);
            assertThat(second.stderr()).contains("another dtprobed (pid " + first.pid() + ")");
            assertThat(second.stderr().lines().filter(l -> l.contains("another dtprobed")).count())
                    .as("one error line:%n%s", second.stderr()).isEqualTo(1);
            assertThat(snapshot(state)).as("every file of the first daemon, with its inode and mtime")
                    .isEqualTo(before);
            assertThat(Files.readSymbolicLink(link)).isEqualTo(linkTarget);
            assertThat(fuseMountsUnder(state)).isEqualTo(mounts);
            assertThat(Files.readString(state.resolve(StateDirLock.FILE_NAME)).trim())
                    .isEqualTo(Long.toString(first.pid()));

            try (DtprobedClient c = DtprobedClient.connect(first.socket())) {
                assertThat(c.health().ready()).isTrue();
            }
            assertThat(first.list("", 0)).isEmpty();
            Path blob = Corpus.blobs().get(0);
            Process p = client.start(link, false, "-w", blob.toString());
            try {
                int pid = CClient.awaitRegistered(p);
                List<ProbeEntry> listed = first.list("", pid);
                assertThat(listed).as("probes of the registration made after the refusal").isNotEmpty();
            } finally {
                p.destroy();
                p.waitFor(30, TimeUnit.SECONDS);
            }
            assertThat(first.stop()).as("first daemon's log:%n%s", first.log()).isZero();
        }
    }


    /** Every file under the state directory (not into the FUSE mount) with its inode, size and mtime. */
    private static Map<Path, Object> snapshot(Path state) throws Exception {
        Map<Path, Object> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(state, 3)) {
            // the probes tree's staging fills with spare files after READY on the first daemon's own
            // background thread: its contents change whatever the second daemon does
            Path staging = state.resolve("probes-staging");
            for (Path f : files.filter(f -> !f.startsWith(state.resolve("helperfs")) || f.equals(state.resolve("helperfs")))
                    .filter(f -> !f.startsWith(staging) || f.equals(staging))
                    .filter(f -> !f.getFileName().toString().equals("daemon.log")).toList()) {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS);
                FileTime mtime = a.isDirectory() ? null : a.lastModifiedTime();
                out.put(state.relativize(f), List.of(String.valueOf(a.fileKey()), a.isDirectory() ? -1 : a.size(),
                        String.valueOf(mtime)));
            }
        }
        return out;
    }

    private static String fuseMountsUnder(Path state) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains(" " + state.toAbsolutePath() + "/") && l.contains(" - fuse"))
                .reduce("", (a, b) -> a + b + "\n");
    }
}
