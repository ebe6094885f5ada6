package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.dtprobed.stash.StashConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class DtprobedMainTest {
    private static DaemonConfig parse(String... args) {
        DtprobedMain main = new DtprobedMain();
        new CommandLine(main).parseArgs(args);
        return main.config();
    }

    /** The launchers move HotSpot's suspend signal off SIGUSR2 to the number the daemon names. */
    @Test
    void theLaunchersMoveTheJvmsSuspendSignalWhereTheDaemonSaysTheyDo() throws java.io.IOException {
        Path scripts = Path.of("../scripts").toAbsolutePath().normalize();
        assertThat(java.nio.file.Files.readString(scripts.resolve("lib/common.sh")))
                .contains("\nDTP_DAEMON_SUSPEND_SIGNAL=" + DtprobedMain.LAUNCHER_SUSPEND_SIGNAL + "\n");
        assertThat(java.nio.file.Files.readString(scripts.resolve("dtprobed")))
                .contains("export " + DtprobedMain.SUSPEND_SIGNAL_VARIABLE + "=$DTP_DAEMON_SUSPEND_SIGNAL\n");
    }

    @Test
    void defaultSizingIsTheStashDefault() {
        DaemonConfig config = parse("--state-dir", "/tmp/dtp-x");
        assertThat(config.maxRegistrations()).isEqualTo((int) StashConfig.DEFAULT_REGISTRATIONS);
        assertThat(Daemon.stashConfig(config)).isEqualTo(StashConfig.at(Path.of("/tmp/dtp-x/stash")));
    }

    @Test
    void theChunkPoolFollowsMaxRegistrationsUnlessGiven() {
        assertThat(Daemon.stashConfig(parse("--max-registrations", "100")).chunks()).isEqualTo(StashConfig.chunksFor(100));
        StashConfig c = Daemon.stashConfig(parse("--max-registrations", "100", "--stash-chunks", "20000"));
        assertThat(c.chunks()).isEqualTo(20_000);
        assertThat(c.registrations()).isEqualTo(100);
    }

    @Test
    void theParserStartTimeoutIsThirtySecondsUnlessGiven() {
        assertThat(parse().parserStartTimeout()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(parse("--parser-start-timeout", "10m").parserStartTimeout()).isEqualTo(java.time.Duration.ofMinutes(10));
    }

    @Test
    void theStashOpenTimeoutReachesTheStashConfig() {
        assertThat(Daemon.stashConfig(parse()).openDeadline()).isEqualTo(StashConfig.DEFAULT_OPEN_DEADLINE);
        assertThat(Daemon.stashConfig(parse("--stash-open-timeout", "10m")).openDeadline())
                .isEqualTo(java.time.Duration.ofMinutes(10));
    }

    @Test
    void maxRegistrationsSizesRegistrationsPidsAndChunks() {
        StashConfig c = Daemon.stashConfig(parse("--state-dir", "/tmp/dtp-x", "--max-registrations", "12000"));
        assertThat(c.stateDir()).isEqualTo(Path.of("/tmp/dtp-x/stash"));
        assertThat(c.registrations()).isEqualTo(12_000);
        assertThat(c.chunks()).isEqualTo(StashConfig.chunksFor(12_000));
        // 12,000 pids that each registered twice (two record slots each), plus the two in reserve
        assertThat(c.pids().entries()).isEqualTo(24_002);
        assertThat(c.pids().maxBloatFactor()).isEqualTo(1.0);
        assertThat(c.rawDof()).isEqualTo(StashConfig.DEFAULT_RAW_DOF);
        assertThat(c.parsed()).isEqualTo(StashConfig.DEFAULT_PARSED);
    }

    @Test
    void fewerRegistrationsGetAPidFileToMatch() {
        StashConfig c = Daemon.stashConfig(parse("--max-registrations", "100"));
        assertThat(c.registrations()).isEqualTo(100);
        assertThat(c.pids()).isEqualTo(StashConfig.pidsFor(100));
        assertThat(StashConfig.DEFAULT_PIDS).isEqualTo(StashConfig.pidsFor(8_192));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-5", "twelve", "", "1.5", "1048577", "99999999999"})
    void refusesBadMaxRegistrationsAndStashChunks(String value) {
        for (String option : new String[] {"--max-registrations", "--stash-chunks"}) {
            StringWriter err = new StringWriter();
            int rc = new CommandLine(new DtprobedMain()).setErr(new PrintWriter(err, true))
                    .execute("--state-dir", "/nonexistent/dtp-never-started", option, value);
            assertThat(rc).isEqualTo(Daemon.EXIT_CONFIG);
            assertThat(err.toString()).contains(option).contains("'" + value + "'");
        }
    }

    @Test
    void helpDocumentsMaxRegistrations() {
        String usage = new CommandLine(new DtprobedMain()).getUsageMessage(CommandLine.Help.Ansi.OFF)
                .replaceAll("\\s+", " ");
        assertThat(usage).contains("--max-registrations=N").contains("Default: 8192")
                .contains("N registrations of up to 20 probes each").contains("an existing stash keeps its sizing")
                .contains("--stash-chunks=C").contains("takes up to 4,650 chunks");
    }
}
