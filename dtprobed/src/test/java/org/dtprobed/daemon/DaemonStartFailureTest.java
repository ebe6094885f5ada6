package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.stash.Stash;
import org.dtprobed.stash.StashConfig;
import org.dtprobed.stash.StashException;
import org.dtprobed.testkit.Await;
import org.dtprobed.testkit.ChildJvms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start that fails tells systemd whether a restart can help (exit 1: no, 2: yes) and names its
 * cause in one line (issue 20: a damaged stash exited 2 and systemd restarted the daemon forever;
 * some lines said only "cannot start: ChronicleMap{...}").
 */
class DaemonStartFailureTest {
    @TempDir
    Path tmp;

    @Test
    void faultsARestartCannotFixGetTheConfigurationStatus() {
        for (StashException.Kind k : List.of(StashException.Kind.DAMAGED, StashException.Kind.CORRUPT,
                StashException.Kind.LOCKED, StashException.Kind.FULL)) {
            assertThat(Daemon.exitStatusFor(new StashException(k, "x"))).as(k.name()).isEqualTo(Daemon.EXIT_CONFIG);
        }
        for (StashException.Kind k : List.of(StashException.Kind.IO)) {
            assertThat(Daemon.exitStatusFor(new StashException(k, "x"))).as(k.name()).isEqualTo(Daemon.EXIT_RUNTIME);
        }
        assertThat(Daemon.exitStatusFor(new IOException("parser children did not start"))).isEqualTo(Daemon.EXIT_RUNTIME);
        assertThat(Daemon.exitStatusFor(new IllegalStateException("x"))).isEqualTo(Daemon.EXIT_RUNTIME);
    }

    /**
     * Issue 20: a start that waited 60 s for a Chronicle segment lock outlasted the unit's
     * TimeoutStartSec=60s, so systemd killed it mid-recovery. The open's default deadline leaves
     * the rest of the start a third of the unit's time, and the unit does not restart the
     * configuration status (a damaged stash, a file system too small for it).
     */
    @Test
    void theOpenDeadlineEndsWellInsideTheUnitsStartTimeoutAndTheUnitDoesNotRestartTheConfigurationStatus()
            throws IOException {
        SystemdUnit unit = SystemdUnit.read(SystemdUnit.DIR.resolve("dtprobed.service"));
        java.time.Duration start = java.time.Duration.ofSeconds(Long.parseLong(
                unit.service().get("TimeoutStartSec").get(0).replace("s", "")));
        assertThat(StashConfig.DEFAULT_OPEN_DEADLINE.multipliedBy(3).dividedBy(2)).isLessThanOrEqualTo(start);
        assertThat(unit.service().get("RestartPreventExitStatus")).containsExactly(Integer.toString(Daemon.EXIT_CONFIG));
        assertThat(unit.service().get("Restart")).containsExactly("on-failure");
    }

    @Test
    void aMessageThatIsOnlyAMapDescriptionIsGivenItsTypeAndCause() {
        RuntimeException e = new IllegalStateException("ChronicleMap{name=dtprobed-registrations-2.cm3}",
                new IOException("No space left on device"));
        assertThat(Daemon.describe(e)).isEqualTo("IllegalStateException: ChronicleMap{name=dtprobed-registrations-2.cm3}"
                + " (cause: IOException: No space left on device)");
        StashException s = new StashException(StashException.Kind.IO, "/x/registrations-2.cm3: No space left on device",
                new IOException("No space left on device"));
        assertThat(Daemon.describe(s)).as("a cause already in the line is not repeated")
                .isEqualTo("/x/registrations-2.cm3: No space left on device");
        assertThat(Daemon.describe(new NullPointerException())).isEqualTo("java.lang.NullPointerException");
    }

    @Test
    void aDaemonOnADamagedStashExitsOneNamingTheFileAndTheFix() throws Exception {
        Path state = tmp.resolve("state");
        Path stashDir = state.resolve("stash");
        try (Stash s = Stash.open(StashConfig.small(stashDir))) {
            s.stats();
        }
        Path reg = stashDir.resolve("registrations-2.cm3");
        try (RandomAccessFile r = new RandomAccessFile(reg.toFile(), "rw")) {
            r.setLength(0);
        }
        List<String> cmd = ChildJvms.command(DtprobedMain.class);
        Path out = tmp.resolve("daemon.out");
        Process p;
        boolean ended;
        // real parser jars: every option is valid (they are checked before anything starts), and
        // the stash, which opens while the parser children start, is what fails
        try (ChildJars jars = ChildJars.create()) {
            cmd.addAll(List.of("--state-dir", state.toString(), "--no-jail", "--transport", "fuse",
                    "--parser-classpath", String.join(":", jars.jars().stream().map(Path::toString).toList())));
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            ended = p.waitFor(Await.LIVENESS.toSeconds(), TimeUnit.SECONDS);
            p.destroyForcibly();
        }
        String log = Files.readString(out);
        assertThat(ended).as(log).isTrue();
        assertThat(p.exitValue()).as(log).isEqualTo(Daemon.EXIT_CONFIG);
        assertThat(log).contains("cannot start: " + reg + " is damaged (0 bytes long").contains("Fix:")
                .contains("mv " + stashDir + " " + stashDir + ".damaged");
        assertThat(Files.size(reg)).as("nothing changed").isZero();
    }
}
