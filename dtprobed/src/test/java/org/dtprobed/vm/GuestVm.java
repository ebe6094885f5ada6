package org.dtprobed.vm;

import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Test-side handle on the qemu guest harness ({@code scripts/vm/}, described in docs/VM.md): runs a
 * command as root in a Debian 12 guest on the 6.1 kernel with {@code /dev/cuse}, where the host's
 * root is visible read-only at the same paths (so the host's JDKs, {@code target/} classes and jars
 * and gcc-built binaries run there unchanged).
 *
 * <p>If the harness cannot work on a machine (no qemu, no Debian mirror), {@link #prepare()} fails
 * with the reason; it skips only when {@code DTP_SKIP_VM=1} is set explicitly.
 *
 * <p>Each run keeps its files under {@code <module>/target/vm-runs/<name>/}: {@code output.txt}
 * (the guest's console), {@code harness.txt} (run-in-guest's messages) and {@code work/} (the dir
 * the guest sees writable as {@code $DTP_VM_WORK}).
 */
public final class GuestVm {

  /** run-in-guest's exit code when {@code --timeout} fired. */
  public static final int EXIT_TIMEOUT = 124;
  /** run-in-guest's exit code when the guest stopped without a result (panic, harness failure). */
  public static final int EXIT_NO_RESULT = 125;

  private static final String SKIP_ENV = "DTP_SKIP_VM";
  private static final Duration PREPARE_TIMEOUT = Duration.ofMinutes(10);
  // run-in-guest kills qemu itself at the timeout; this is the margin before we kill run-in-guest.
  private static final Duration KILL_MARGIN = Duration.ofSeconds(30);

  private final Path repoRoot;
  private final Path runsDir;

  private GuestVm(Path repoRoot, Path runsDir) {
    this.repoRoot = repoRoot;
    this.runsDir = runsDir;
  }

  /**
   * Finds the checkout from the working directory (surefire runs in the module dir, whose parent
   * is the root) and runs {@code scripts/vm/prepare} (installs qemu, downloads the kernel, builds
   * the initramfs; fast when already done).
   *
   * @throws IllegalStateException with prepare's output when the harness cannot be set up
   */
  public static GuestVm prepare() throws IOException, InterruptedException {
    assumeFalse("1".equals(System.getenv(SKIP_ENV)), SKIP_ENV + "=1: qemu guest tests skipped");
    Path runs = Path.of(System.getProperty("user.dir")).toAbsolutePath().resolve("target").resolve("vm-runs");
    Files.createDirectories(runs);
    GuestVm vm = new GuestVm(locateRepoRoot(), runs);
    vm.runPrepare();
    return vm;
  }

  /** The checkout: the working directory or its parent, whichever holds scripts/vm/run-in-guest. */
  public static Path locateRepoRoot() {
    Path cwd = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    return Stream.of(cwd, cwd.getParent())
        .filter(p -> p != null && Files.isExecutable(p.resolve("scripts/vm/run-in-guest")))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException(
            "no scripts/vm/run-in-guest in " + cwd + " or its parent: run the tests from the checkout"));
  }

  public Path repoRoot() {
    return repoRoot;
  }

  /** Runs {@code command} in a fresh guest; {@code name} names its dir under target/vm-runs. */
  public GuestRun run(String name, Duration timeout, String... command) throws IOException, InterruptedException {
    return run(name, timeout, List.of(command));
  }

  /** Runs {@code command} in a fresh guest; {@code name} names its dir under target/vm-runs. */
  public GuestRun run(String name, Duration timeout, List<String> command) throws IOException, InterruptedException {
    Path dir = runsDir.resolve(name);
    deleteTree(dir);
    Path work = Files.createDirectories(dir.resolve("work"));
    Path output = dir.resolve("output.txt");
    Path log = dir.resolve("harness.txt");
    List<String> argv = new ArrayList<>(List.of(
        repoRoot.resolve("scripts/vm/run-in-guest").toString(),
        "--timeout", Long.toString(Math.max(1, timeout.toSeconds())),
        "--work", work.toString(), "--"));
    argv.addAll(command);
    int rc = execute(argv, output, log, timeout.plus(KILL_MARGIN));
    return new GuestRun(command, rc, Files.readString(output, StandardCharsets.UTF_8),
        Files.readString(log, StandardCharsets.UTF_8), work);
  }

  private void runPrepare() throws IOException, InterruptedException {
    Path log = runsDir.resolve("prepare.txt");
    List<String> argv = List.of(repoRoot.resolve("scripts/vm/prepare").toString());
    int rc = execute(argv, log, log, PREPARE_TIMEOUT);
    if (rc != 0) {
      throw new IllegalStateException("the qemu guest harness cannot be prepared on this machine"
          + " (scripts/vm/prepare exited " + rc + "; set " + SKIP_ENV + "=1 to skip the guest tests):\n"
          + Files.readString(log, StandardCharsets.UTF_8));
    }
  }

  private int execute(List<String> argv, Path stdout, Path stderr, Duration limit)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(argv)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    if (stdout.equals(stderr)) {
      pb.redirectErrorStream(true).redirectOutput(stdout.toFile());
    } else {
      pb.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
    }
    Process process = pb.start();
    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.waitFor();
      throw new IllegalStateException(argv + " did not end within " + limit + "; killed (output in " + stdout + ")");
    }
    return process.exitValue();
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
