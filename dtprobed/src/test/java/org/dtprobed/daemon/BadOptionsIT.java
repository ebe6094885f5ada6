package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every option is checked before the daemon creates or starts anything: a bad one is one line on
 * stderr, exit status 1, and no file, directory, stash, parser child or mount. Runs the real
 * daemon's main in a child JVM (as root, so that the parser-user check applies).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Requires(Capability.ROOT)
class BadOptionsIT {
    @TempDir
    Path tmp;
    private ChildJars jars;

    @BeforeAll
    void jars() throws Exception {
        jars = ChildJars.create();
    }

    @AfterAll
    void close() throws Exception {
        jars.close();
    }

    static Stream<Arguments> badOptions() {
        return Stream.of(
                Arguments.of(List.of("--transport", "bogus"), "--transport 'bogus'"),
                Arguments.of(List.of("--parsers", "0"), "--parsers"),
                Arguments.of(List.of("--parsers", "many"), "--parsers"),
                Arguments.of(List.of("--parser-user", "no-such-user-dtp"), "no-such-user-dtp"),
                Arguments.of(List.of("--prune-interval", "0"), "--prune-interval"),
                Arguments.of(List.of("--parse-timeout", "soon"), "'soon'"),
                Arguments.of(List.of("--max-registrations", "0"), "--max-registrations"),
                Arguments.of(List.of("--socket", "/tmp/" + "s".repeat(120)), "--socket"),
                Arguments.of(List.of("--no-such-option"), "--no-such-option"),
                Arguments.of(List.of("--log-level", "loud"), "--log-level 'loud'"),
                Arguments.of(List.of("--metrics-file", "/nonexistent-dtp-dir/m.prom"), "--metrics-file"));
    }

    @ParameterizedTest
    @MethodSource("badOptions")
    void aBadOptionIsOneLineAndCreatesNothing(List<String> option, String named) throws Exception {
        Path state = tmp.resolve("state");
        List<String> extra = new ArrayList<>(option);
        DaemonProcess.Exited run = DaemonProcess.runToExit(List.of(), state,
                "dtrace/badopt-" + ProcessHandle.current().pid(), jars.jars(), extra.toArray(String[]::new));

        assertThat(run.status()).as("stderr:%n%s", run.stderr()).isEqualTo(Daemon.EXIT_CONFIG);
        assertThat(run.stderr().lines().toList()).as("exactly one line").hasSize(1);
        assertThat(run.stderr()).startsWith("dtprobed: ").contains(named);
        assertThat(run.stdout()).isEmpty();
        assertThat(state).as("no state directory").doesNotExist();
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left).as("nothing created beside it").isEmpty();
        }
        assertThat(Path.of("/dev/dtrace/badopt-" + ProcessHandle.current().pid())).doesNotExist();
    }
}
