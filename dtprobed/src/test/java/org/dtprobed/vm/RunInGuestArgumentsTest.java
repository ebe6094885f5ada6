package org.dtprobed.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad arguments to {@code scripts/vm/run-in-guest} are refused with exit code 2 and a message
 * naming the problem, before anything is prepared or booted (so this needs no qemu).
 */
class RunInGuestArgumentsTest {

  static Stream<Arguments> badArguments() {
    return Stream.of(
        Arguments.of(List.of(), "no command given"),
        Arguments.of(List.of("--"), "no command given"),
        Arguments.of(List.of("true"), "unknown option 'true' (the command goes after --)"),
        Arguments.of(List.of("--bogus", "--", "true"), "unknown option '--bogus'"),
        Arguments.of(List.of("--timeout"), "--timeout needs a value"),
        Arguments.of(List.of("--timeout", "0", "--", "true"), "--timeout must be a positive number of seconds, not '0'"),
        Arguments.of(List.of("--timeout", "1e3", "--", "true"), "--timeout must be a positive number of seconds, not '1e3'"),
        Arguments.of(List.of("--timeout", "-5", "--", "true"), "--timeout must be a positive number of seconds, not '-5'"),
        Arguments.of(List.of("--mem", "255", "--", "true"), "--mem must be at least 256 (MB), not '255'"),
        Arguments.of(List.of("--mem", "2G", "--", "true"), "--mem must be at least 256 (MB), not '2G'"),
        Arguments.of(List.of("--smp", "0", "--", "true"), "--smp must be 1..99, not '0'"),
        Arguments.of(List.of("--smp", "100", "--", "true"), "--smp must be 1..99, not '100'"),
        Arguments.of(List.of("-e", "1X=2", "--", "true"), "-e 1X=2: '1X' is not a variable name"),
        Arguments.of(List.of("-e", "A-B", "--", "true"), "-e A-B: 'A-B' is not a variable name"),
        Arguments.of(List.of("-e", "=x", "--", "true"), "-e =x: '' is not a variable name"),
        Arguments.of(List.of("--share", "/nonexistent/dir", "--", "true"), "--share /nonexistent/dir: not a directory"),
        Arguments.of(List.of("--share", "/", "--", "true"), "--share /: cannot be shared"));
  }

  @ParameterizedTest
  @MethodSource("badArguments")
  void badArgumentsExit2WithTheReason(List<String> args, String message) throws Exception {
    List<String> argv = new ArrayList<>();
    argv.add(GuestVm.locateRepoRoot().resolve("scripts/vm/run-in-guest").toString());
    argv.addAll(args);
    Process p = new ProcessBuilder(argv)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true)
        .start();
    String out = read(p);

    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("run-in-guest %s ended", args).isTrue();
    assertThat(p.exitValue()).as("exit code for %s:%n%s", args, out).isEqualTo(2);
    assertThat(out).as("output for %s", args)
        .startsWith("run-in-guest: " + message)
        .contains("usage: scripts/vm/run-in-guest");
  }

  private static String read(Process p) throws IOException {
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }
}
