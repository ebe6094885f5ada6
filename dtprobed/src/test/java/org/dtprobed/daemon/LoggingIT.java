package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dtprobed.fuse.CClient;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.linux.Errno;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's log as journald gets it: stderr is the file named by {@code JOURNAL_STREAM} (as
 * systemd sets it for {@code StandardError=journal}), so every line starts with its priority and
 * has no timestamp; {@code --log-level warn} leaves out INFO and DEBUG; a refused registration is
 * one line. Needs root and a real FUSE mount.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.GCC})
class LoggingIT {

    @TempDir
    Path tmp;

    @Test
    void underTheJournalLinesCarryPrioritiesAndTheLevelHolds() throws Exception {
        Path state = Files.createDirectories(tmp.resolve("state"));
        Path log = Files.createFile(state.resolve("daemon.log"));
        String journalStream = Files.getAttribute(log, "unix:dev") + ":" + Files.getAttribute(log, "unix:ino");
        String device = "dtrace/logging-" + ProcessHandle.current().pid();
        try (ChildJars jars = ChildJars.create();
             DaemonProcess daemon = DaemonProcess.launch(DaemonProcess.command(state, device, jars.jars(),
                     "--log-level", "warn"), Map.of("JOURNAL_STREAM", journalStream, "DTPROBED_LOG_LEVEL", "debug"),
                     state, device)) {
            CClient client = CClient.compile(Files.createDirectories(tmp.resolve("bin")));
            byte[] junk = new byte[600];
            new java.util.SplittableRandom(2).nextBytes(junk);
            Path random = Files.write(tmp.resolve("random.dof"), junk);
            assertThat(client.run(daemon.device(), random.toString()).addErrno()).isEqualTo(Errno.EINVAL);
            assertThat(daemon.stop()).isZero();

            List<String> lines = daemon.log().lines().toList();
            assertThat(lines).as("every line has a journald priority and no timestamp").isNotEmpty()
                    .allMatch(l -> l.matches("<[34]>(ERROR|WARN) \\S+ \\[[^\\]]*] - .*"), "priority-prefixed, WARN or worse");
            assertThat(lines.stream().filter(l -> l.contains("refused")).toList()).as("the refusal, once").hasSize(1);
            assertThat(lines.stream().filter(l -> l.contains("refused")).findFirst().orElseThrow())
                    .startsWith("<4>WARN ").contains("errno 22");
        }
    }
}
