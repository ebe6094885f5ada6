package org.dtprobed.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Smoke test of the qemu guest harness (docs/VM.md) on the real Debian 6.1 kernel: the kernel and
 * {@code /dev/cuse}, a raw-protocol C CUSE server answering a RETRY ioctl from root and from
 * nobody, the host's JDK 17 and 25 running this build's classes, and the harness's exit-code,
 * cwd, work-dir, timeout and panic contracts. Each case boots its own guest (3-4 s each on a quiet
 * host).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GuestKernelTest {

  // A kill limit, not a timing assertion: TCG on a busy 2-core host can be several times slower.
  private static final Duration LIMIT = Duration.ofMinutes(5);
  private static final Pattern CLIENT = Pattern.compile(
      "client uid=(\\d+) seed=\\d+: ioctl returned (-?\\d+), expected (-?\\d+)");

  private GuestVm vm;

  @BeforeAll
  void prepareGuest() throws Exception {
    vm = GuestVm.prepare();
  }

  @Test
  void commandRunsOnDebian61WithCuseAndItsCwdWorkDirAndExitCodeComeBack() throws Exception {
    // run-in-guest re-quotes argv for the guest's shell: this must arrive byte for byte.
    String hostile = "a b\t'c\"d $(touch /tmp/pwned) `id` ; \\ * \nline2";
    GuestRun run = vm.run("kernel", LIMIT, "sh", "-c",
        "uname -r; cat /proc/version; stat -c '%F %t:%T' /dev/cuse;"
            + " pwd > \"$DTP_VM_WORK/cwd\"; echo \"$DTP_VM_WORK\" > \"$DTP_VM_WORK/guest-path\";"
            + " printf '%s' \"$1\" > \"$DTP_VM_WORK/arg\"; exit 201", "sh", hostile);

    assertThat(run.exitCode()).as(run::describe).isEqualTo(201);
    List<String> lines = run.output().lines().toList();
    assertThat(lines).as(run::describe).hasSizeGreaterThanOrEqualTo(3);
    assertThat(lines.get(0)).as(run::describe).matches("6\\.1\\.\\d+-\\d+-amd64");
    assertThat(lines.get(1)).as(run::describe).contains("Debian 6.1.");
    // The CUSE misc device: major 10, minor 203 (hex a:cb).
    assertThat(lines.get(2)).as(run::describe).isEqualTo("character special file a:cb");
    String cwd = Path.of(System.getProperty("user.dir")).toRealPath().toString();
    assertThat(Files.readString(run.workDir().resolve("cwd")).strip()).isEqualTo(cwd);
    assertThat(Files.readString(run.workDir().resolve("guest-path")).strip()).isEqualTo("/run/dtp-work");
    assertThat(Files.readString(run.workDir().resolve("arg"), StandardCharsets.UTF_8)).isEqualTo(hostile);
  }

  @Test
  void cuseServerAnswersRetryIoctlFromRootAndNobody() throws Exception {
    Path moduleDir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    Path src = moduleDir.resolve("src/test/c/cuse");
    Path bin = Files.createDirectories(moduleDir.resolve("target/vm-smoke"));
    gcc(src.resolve("cuse_server.c"), bin.resolve("cuse_server"));
    gcc(src.resolve("cuse_client.c"), bin.resolve("cuse_client"));

    GuestRun run = vm.run("cuse", LIMIT, "sh", src.resolve("cuse-smoke.sh").toString(), bin.toString());

    assertThat(run.exitCode()).as(run::describe).isZero();
    String out = run.output();
    assertThat(out).as(run::describe)
        .contains("server: CUSE_INIT kernel protocol 7.")
        .contains("smoke: device crw-rw-rw- root:root character special file")
        .contains("smoke: done");
    List<String> clientUids = new ArrayList<>();
    Matcher m = CLIENT.matcher(out);
    while (m.find()) {
      clientUids.add(m.group(1));
      assertThat(m.group(2)).as("ioctl result vs client's own checksum\n%s", run.describe()).isEqualTo(m.group(3));
    }
    assertThat(clientUids).as(run::describe).containsExactly("0", "65534");
    for (String uid : List.of("0", "65534")) {
      assertThat(out).as(run::describe)
          .containsPattern("server: ioctl pid=\\d+ uid=" + uid
              + " cmd=0x4050d803 flags=0x2 in_size=0 -> RETRY 80 bytes")
          .containsPattern("server: ioctl pid=\\d+ uid=" + uid + " cmd=0x4050d803 in_size=80 -> result \\d+");
    }
  }

  @Test
  void hostJdk17And25RunThisBuildsClassesInTheGuest() throws Exception {
    Path jdk17 = jdk(17, "/usr/lib/jvm/java-17-openjdk-amd64");
    Path jdk25 = jdk(25, System.getenv().getOrDefault("DTP_JAVA25", "/usr/lib/jvm/temurin-25-jdk-amd64"));
    Path classes = Path.of(GuestProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    // -showversion prints what -version does and then runs the probe: one JVM start per JDK,
    // which matters under TCG (1-1.5 s each on a quiet host, several times that on a busy one).
    String script = "cp=$1; shift; for j in \"$@\"; do "
        + "\"$j/bin/java\" -showversion -cp \"$cp\" " + GuestProbe.class.getName() + " 2>&1 || exit; done";

    GuestRun run = vm.run("jdks", LIMIT, "sh", "-c", script, "sh",
        classes.toString(), jdk17.toString(), jdk25.toString());

    assertThat(run.exitCode()).as(run::describe).isZero();
    assertThat(run.output()).as(run::describe)
        .containsPattern("version \"17[.\"]")
        .containsPattern("version \"25[.\"]")
        .containsPattern("probe: java=17 os.version=6\\.1\\.\\S+ cuse=true")
        .containsPattern("probe: java=25 os.version=6\\.1\\.\\S+ cuse=true");
    for (String spec : List.of("17", "25")) {
      Path written = run.workDir().resolve("probe-" + spec + ".txt");
      assertThat(written).as(run::describe).exists();
      assertThat(Files.readString(written)).startsWith("probe: java=" + spec + " os.version=6.1.");
    }
  }

  @Test
  void timeoutKillsTheGuestWithExit124() throws Exception {
    GuestRun run = vm.run("timeout", Duration.ofSeconds(5), "sleep", "600");

    assertThat(run.exitCode()).as(run::describe).isEqualTo(GuestVm.EXIT_TIMEOUT);
    assertThat(run.harnessLog()).contains("timed out after 5 s");
  }

  @Test
  void kernelPanicGivesExit125() throws Exception {
    GuestRun run = vm.run("panic", LIMIT, "sh", "-c", "echo c > /proc/sysrq-trigger");

    assertThat(run.exitCode()).as(run::describe).isEqualTo(GuestVm.EXIT_NO_RESULT);
    assertThat(run.harnessLog()).contains("the guest stopped without a result");
    assertThat(run.output()).contains("Kernel panic");
  }

  private static Path jdk(int feature, String fallback) {
    Path home = Runtime.version().feature() == feature
        ? Path.of(System.getProperty("java.home")) : Path.of(fallback);
    assertThat(home.resolve("bin/java"))
        .as("JDK %d expected at %s (set DTP_JAVA25 for JDK 25)", feature, home)
        .isExecutable();
    return home;
  }

  private static void gcc(Path source, Path out) throws IOException, InterruptedException {
    Path log = out.resolveSibling(out.getFileName() + ".gcc.txt");
    Process p = new ProcessBuilder("gcc", "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror",
        "-o", out.toString(), source.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("gcc did not finish for " + source);
    }
    assertThat(p.exitValue())
        .as("gcc %s:%n%s", source, Files.readString(log, StandardCharsets.UTF_8))
        .isZero();
  }
}
