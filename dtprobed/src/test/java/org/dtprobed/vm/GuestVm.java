package org.dtprobed.vm;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Test-side handle on the qemu guest harness ({@code scripts/vm/}, described in docs/VM.md): runs a
 * command as root in a Debian 12 guest on the 6.1 kernel with {@code /dev/cuse}, where the host's
 * root is visible read-only at the same paths (so the host's JDKs, {@code target/} classes and jars
 * and gcc-built binaries run there unchanged).
 *
 * <p>Tests that use it carry {@code @Requires(QEMU)}; if the harness still cannot work on a machine
 * (no Debian mirror), {@link #prepare()} fails with the reason.
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

  /** Preparing downloads a kernel and installs packages: it prints as it goes. */
  private static final Duration PREPARE_STALL = Duration.ofMinutes(10);
  /** run-in-guest's own wall clock, a last resort far beyond any run; progress is the real limit. */
  private static final Duration BACKSTOP = Duration.ofMinutes(60);
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

  /**
   * Runs {@code command} in a fresh guest; {@code name} names its dir under target/vm-runs. The
   * guest's console and the harness's messages stream into the test's output as they come; the
   * guest is judged alive while it prints, and killed only after {@code stall} without a line
   * (a busy host slows TCG several times over, so no wall clock is the limit).
   */
  public GuestRun run(String name, Duration stall, List<String> command) throws IOException, InterruptedException {
    return run(name, BACKSTOP, stall, command);
  }

  /** As {@link #run(String, Duration, List)}, with run-in-guest's own wall-clock {@code --timeout}. */
  public GuestRun runWithTimeout(String name, Duration timeout, String... command)
      throws IOException, InterruptedException {
    return run(name, timeout, timeout.plus(KILL_MARGIN), List.of(command));
  }

  private GuestRun run(String name, Duration timeout, Duration stall, List<String> command)
      throws IOException, InterruptedException {
    Path dir = runsDir.resolve(name);
    deleteTree(dir);
    Path work = Files.createDirectories(dir.resolve("work"));
    Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    Path output = dir.resolve("output.txt");
    Path log = dir.resolve("harness.txt");
    List<String> argv = new ArrayList<>(List.of(
        repoRoot.resolve("scripts/vm/run-in-guest").toString(),
        "--timeout", Long.toString(Math.max(1, timeout.toSeconds())),
        "--work", work.toString(), "--"));
    argv.addAll(command);
    int rc = execute(name, argv, output, log, stall);
    return new GuestRun(command, rc, Files.readString(output, StandardCharsets.UTF_8),
        Files.readString(log, StandardCharsets.UTF_8), work);
  }

  private void runPrepare() throws IOException, InterruptedException {
    Path log = runsDir.resolve("prepare.txt");
    List<String> argv = List.of(repoRoot.resolve("scripts/vm/prepare").toString());
    int rc = execute("prepare", argv, log, log, PREPARE_STALL);
    if (rc != 0) {
      throw new IllegalStateException("the qemu guest harness cannot be prepared on this machine"
          + " (scripts/vm/prepare exited " + rc + "):\n" + Files.readString(log, StandardCharsets.UTF_8));
    }
  }

  /** Runs argv, copying each line of its stdout and stderr to a file and to this test's output. */
  private static int execute(String label, List<String> argv, Path stdout, Path stderr, Duration stall)
      throws IOException, InterruptedException {
    Process process = new ProcessBuilder(argv)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    Progress progress = new Progress();
    try (OutputStream out = Files.newOutputStream(stdout);
         OutputStream err = stdout.equals(stderr) ? out : Files.newOutputStream(stderr)) {
      Thread o = progress.pump(process.getInputStream(), out, "[" + label + "] ");
      Thread e = progress.pump(process.getErrorStream(), err, "[" + label + " harness] ");
      while (!process.waitFor(1, TimeUnit.SECONDS)) {
        if (progress.silentFor().compareTo(stall) > 0) {
          process.descendants().forEach(ProcessHandle::destroyForcibly);
          process.destroyForcibly();
          process.waitFor();
          o.join();
          e.join();
          throw new IllegalStateException(argv + ": no output for " + stall + " (stalled; killed). Last line: "
              + progress.lastLine() + " (everything in " + stdout + ")");
        }
      }
      o.join();
      e.join();
    }
    return process.exitValue();
  }

  /** When a line last came, and which: the guest's liveness. */
  private static final class Progress {
    private final AtomicLong lastNanos = new AtomicLong(System.nanoTime());
    private volatile String lastLine = "(none)";

    Duration silentFor() {
      return Duration.ofNanos(System.nanoTime() - lastNanos.get());
    }

    String lastLine() {
      return lastLine;
    }

    Thread pump(InputStream in, OutputStream copy, String prefix) {
      Thread t = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            lastNanos.set(System.nanoTime());
            lastLine = line;
            synchronized (copy) {
              copy.write((line + "\n").getBytes(StandardCharsets.UTF_8));
              copy.flush();
            }
            System.out.println(prefix + line);
          }
        } catch (IOException e) {
          System.out.println(prefix + "(output ended: " + e.getMessage() + ")");
        }
      }, "guest-output-" + prefix.strip());
      t.setDaemon(true);
      t.start();
      return t;
    }
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
