package org.dtprobed.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.dtprobed.client.OracleDtrace;
import org.dtprobed.testkit.ChildJvms;
import org.dtprobed.daemon.DtprobedMain;
import org.dtprobed.dof.DofHeader;
import org.dtprobed.dof.write.DofWriter;
import org.dtprobed.dof.write.ProbeSpec;
import org.dtprobed.dof.write.ProviderSpec;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Corpus;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Everything that needs CUSE, on a real Debian 6.1 kernel in one qemu guest (booted once for all
 * of it, see scripts/lib/guest-checks.sh): the kernel and {@code /dev/cuse}; a raw-protocol C CUSE
 * server answering a RETRY ioctl from root and from nobody; the host's JDK 17 and 25 running this
 * build; and the whole daemon with {@code --transport cuse}: corpus DOF, chunked DOF with a short
 * last chunk, a worker thread, a non-root client, hostile callers, REMOVE with dtrace-utils' own
 * number, and unmodified libusdt enabling and disabling a provider, checked through the query
 * socket. The guest writes what happened; the assertions are here.
 */
@Tag("qemu")
@Requires({Capability.ROOT, Capability.QEMU, Capability.GCC, Capability.NPM})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CuseGuestIT {
    /** The guest is killed after this long without a line of output (it prints as it goes). */
    private static final Duration STALL = Duration.ofMinutes(5);
    /** run-in-guest re-quotes argv for the guest's shell: this must arrive byte for byte. */
    private static final String HOSTILE = "a b\t'c\"d $(touch /tmp/pwned) `id` ; \\ * \nline2";
    private static final Pattern CLIENT = Pattern.compile(
            "client uid=(\\d+) seed=\\d+: ioctl returned (-?\\d+), expected (-?\\d+)");

    private final Map<String, String> cases = new LinkedHashMap<>();
    private GuestRun run;
    private Path work;
    private boolean libusdt;

    /**
     * Not the default 4-minute limit: the guest is judged alive while it prints ({@link #STALL}), and a
     * loaded host slows TCG five times and more (the daemon phase began at guest uptime 105 s instead
     * of 19 s beside a CPU hog). This is only the last resort, as run-in-guest's own backstop.
     */
    @BeforeAll
    @Timeout(value = 60, unit = TimeUnit.MINUTES)
    void bootOnce() throws Exception {
        GuestVm vm = GuestVm.prepare();
        Path root = vm.repoRoot();
        Path dir = root.resolve("dtprobed/target/cuse-guest");
        deleteTree(dir);
        Files.createDirectories(dir.resolve("corpus"));
        Path c = root.resolve("dtprobed/src/test/c");
        gcc(dir, "-O2", "-Wall", "-I" + c, "-o", dir.resolve("helper_client").toString(),
                c.resolve("helper_client.c").toString(), "-lpthread");
        gcc(dir, "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-o", dir.resolve("cuse_server").toString(),
                c.resolve("cuse/cuse_server.c").toString());
        gcc(dir, "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-o", dir.resolve("cuse_client").toString(),
                c.resolve("cuse/cuse_client.c").toString());
        Files.copy(c.resolve("cuse/cuse-smoke.sh"), dir.resolve("cuse-smoke.sh"));
        libusdt = buildLibusdtDriver(dir, c);
        OracleDtrace.treePrograms(Files.createDirectories(dir.resolve("tree")));
        writeDofFiles(dir);
        writeCases(dir);
        Files.write(dir.resolve("jdks"), List.of(jdk(17, "/usr/lib/jvm/java-17-openjdk-amd64").toString(),
                jdk(25, System.getenv().getOrDefault("DTP_JAVA25", "/usr/lib/jvm/temurin-25-jdk-amd64")).toString()));
        Files.writeString(dir.resolve("probe.cp"),
                Path.of(GuestProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        Files.write(dir.resolve("daemon.args"), daemonArgs(dir));
        makeReadable(dir);

        run = vm.run("cuse", STALL, List.of("bash", root.resolve("scripts/lib/guest-checks.sh").toString(),
                dir.toString(), HOSTILE));
        work = run.workDir();
    }

    @Test
    void theGuestRunsDebian61WithCuseAndGetsItsArgumentsCwdAndWorkDir() throws Exception {
        assertThat(run.exitCode()).as(run::describe).isZero();
        List<String> lines = Files.readAllLines(work.resolve("kernel.txt"));
        assertThat(lines).as(run::describe).hasSize(4);
        assertThat(lines.get(0)).matches("6\\.1\\.\\d+-\\d+-amd64");
        assertThat(lines.get(1)).contains("Debian 6.1.");
        assertThat(lines.get(2)).as("the CUSE misc device, major 10 minor 203").isEqualTo("character special file a:cb");
        assertThat(lines.get(3)).isEqualTo(Path.of(System.getProperty("user.dir")).toRealPath().toString());
        assertThat(Files.readString(work.resolve("arg"), StandardCharsets.UTF_8)).isEqualTo(HOSTILE);
    }

    @Test
    void aRawCuseServerAnswersARetryIoctlFromRootAndNobody() throws Exception {
        String out = Files.readString(work.resolve("cuse-smoke.txt"));
        assertThat(out).as(run::describe)
                .contains("server: CUSE_INIT kernel protocol 7.")
                .contains("smoke: device crw-rw-rw- root:root character special file")
                .contains("smoke: done")
                .endsWith("rc=0\n");
        List<String> clientUids = new ArrayList<>();
        Matcher m = CLIENT.matcher(out);
        while (m.find()) {
            clientUids.add(m.group(1));
            assertThat(m.group(2)).as("ioctl result vs the client's own checksum\n%s", out).isEqualTo(m.group(3));
        }
        assertThat(clientUids).as(out).containsExactly("0", "65534");
        for (String uid : List.of("0", "65534")) {
            assertThat(out)
                    .containsPattern("server: ioctl pid=\\d+ uid=" + uid
                            + " cmd=0x4050d803 flags=0x2 in_size=0 -> RETRY 80 bytes")
                    .containsPattern("server: ioctl pid=\\d+ uid=" + uid + " cmd=0x4050d803 in_size=80 -> result \\d+");
        }
    }

    @Test
    void theHostsJdk17And25RunThisBuildInTheGuest() throws Exception {
        String out = Files.readString(work.resolve("jdks.txt"));
        assertThat(out).as(run::describe)
                .containsPattern("version \"17[.\"]")
                .containsPattern("version \"25[.\"]")
                .containsPattern("probe: java=17 os.version=6\\.1\\.\\S+ cuse=true")
                .containsPattern("probe: java=25 os.version=6\\.1\\.\\S+ cuse=true");
        for (String spec : List.of("17", "25")) {
            assertThat(Files.readString(work.resolve("probe-" + spec + ".txt"))).startsWith("probe: java=" + spec + " os.version=6.1.");
        }
    }

    @Test
    void theDaemonServesCuseAndAnswersEveryCallerWithItsResultOrErrno() throws Exception {
        assertThat(Files.readString(work.resolve("daemon-start.txt"))).as(run::describe)
                .contains("ready: serving /dev/dtrace/helper (cuse)")
                .containsPattern("crw-rw-rw- 1 root root \\d+, 0 .* /dev/dtrace/helper");
        assertThat(Files.readString(work.resolve("health.txt"))).as(run::describe).contains("\"ok\":true");
        for (Map.Entry<String, String> e : cases.entrySet()) {
            Path result = work.resolve("cases").resolve(e.getKey() + ".txt");
            assertThat(result).as(run::describe).exists();
            assertThat(Files.readString(result)).as("case %s", e.getKey()).containsPattern(e.getValue());
        }
    }

    @Test
    void aChunkedRegistrationIsListedAndRemoveWithDtraceUtilsNumberTakesItAway() throws Exception {
        Map<String, String> r = keyValues(work.resolve("remove.txt"));
        assertThat(r.get("added")).as(run::describe).startsWith("adddof gen=");
        assertThat(r.get("waiting")).isEqualTo("waiting");
        assertThat(Integer.parseInt(r.get("listed"))).as("alpha probes listed").isGreaterThanOrEqualTo(700);
        assertThat(r.get("removed")).startsWith("remove rc=0");
        assertThat(r.get("left")).isEqualTo("0");
    }

    @Test
    void unmodifiedLibusdtEnablesAndDisablesAProvider() throws Exception {
        assertThat(libusdt).as("libusdt (npm dtrace-provider@0.8.8) was built").isTrue();
        Map<String, String> r = keyValues(work.resolve("libusdt.txt"));
        assertThat(r.get("enabled")).as(run::describe).isEqualTo("enable rc=0");
        assertThat(r.get("listed")).isEqualTo("2");
        assertThat(r.get("disabled")).isEqualTo("disable rc=0");
        assertThat(r.get("left")).isEqualTo("0");
    }

    /**
     * A program built with Oracle's {@code dtrace -G} dlopens a {@code -G} library and dlcloses it:
     * on CUSE drti's by-value REMOVE reaches the daemon, and exactly that library's files leave the
     * probes/ tree before dlclose returns; the program's exit takes the rest.
     */
    @Test
    void aDlclosedLibrarysRemoveTakesExactlyItsProbesOutOfTheTree() throws Exception {
        Map<String, String> r = keyValues(work.resolve("tree.txt"));
        String pid = r.get("pid");
        assertThat(pid).as(run::describe).matches("\\d+");
        String own = pid + "/treeprov" + pid + "/treehost/main/cmd";
        String lib = pid + "/treelib" + pid + "/libtreelib.so/treelib_fire/";
        assertThat(r.get("started")).isEqualTo(own);
        assertThat(r.get("opened")).isEqualTo("opened");
        assertThat(r.get("open")).isEqualTo(String.join(" ", lib + "lib_call", lib + "lib_done", own));
        assertThat(r.get("closed")).isEqualTo("closed");
        assertThat(r.get("after_close")).as("the library's files, and only those, went with its REMOVE").isEqualTo(own);
        assertThat(r.get("listed_after_close")).isEqualTo("1");
        assertThat(r.get("after_exit")).isEmpty();
    }

    /**
     * Exit and exec on CUSE, where no REMOVE comes (SIGKILL runs no destructor; exec neither): the
     * process-events connector reports them and the probes leave the listing and the tree. The
     * bound is liveness, not speed: 10 s of polling under TCG; the times are printed. The PIE
     * process is also the case of a -G library at a new load base, registered through drti on CUSE.
     */
    @Test
    void aKilledForkChildAndAnExecedProcessLeaveTheListingAndTheTree() throws Exception {
        Map<String, String> r = keyValues(work.resolve("lifecycle.txt"));
        assertThat(Files.readString(work.resolve("daemon.log"))).as(run::describe)
                .contains("exits and execs of registered processes are seen through the process-events connector");
        assertThat(r.get("child_files")).as("drti registered the fork child").contains("/treeprov").contains("/cmd");
        assertThat(r.get("child_gone_ms")).as("the killed child's probes went").matches("\\d+");
        assertThat(r.get("own_files")).as("the parent keeps its own").contains("/treeprov").contains("/cmd");
        assertThat(r.get("execed")).isEqualTo("exec /bin/cat");
        assertThat(r.get("exec_gone_ms")).as("the old image's probes went at exec").matches("\\d+");
        assertThat(r.get("alive")).as("the pid lives on as cat").isEqualTo("cat");
        String pie = r.get("pie");
        String lib = pie + "/treelib" + pie + "/libtreelib.so/treelib_fire/";
        assertThat(r.get("pie_files")).as("a PIE executable's -G library, registered before main")
                .isEqualTo(lib + "lib_call " + lib + "lib_done");
        assertThat(r.get("pie_gone_ms")).as("the killed PIE process's probes went").matches("\\d+");
        // the polls themselves take a second or more under TCG; the daemon's own log line times the removal
        System.out.printf("CUSE guest: SIGKILL to the removal's log line: fork child %s ms, PIE process %s ms; gone from"
                + " the tree and listing by the polls (each a find and a query) at %s ms and %s ms; an exec'd image's at"
                + " %s ms%n", r.get("child_removed_ms"), r.get("pie_removed_ms"), r.get("child_gone_ms"),
                r.get("pie_gone_ms"), r.get("exec_gone_ms"));
    }

    @Test
    void sigtermStopsTheDaemonWithExit0AndTheDeviceGoes() throws Exception {
        assertThat(Files.readString(work.resolve("daemon-stop.txt"))).as(run::describe).isEqualTo("exit=0\n");
        assertThat(Files.readString(work.resolve("daemon.log"))).doesNotContain("ERROR")
                .as("started as the launchers start it").doesNotContain("started without " + DtprobedMain.SUSPEND_SIGNAL_VARIABLE);
    }

    /** One line per case in the guest: {@code run_case NAME ARG...}, each argument single-quoted. */
    private void writeCases(Path dir) throws IOException {
        String client = dir.resolve("helper_client").toString();
        List<String> lines = new ArrayList<>();
        for (Path blob : Corpus.blobs()) {
            lines.add(runCase("corpus-" + blob.getFileName(), "adddof gen=[0-9]+", client, "-d", "/dev/dtrace/helper",
                    dir.resolve("corpus").resolve(blob.getFileName()).toString()));
        }
        String dof1 = dir.resolve("corpus/libusdt-1.dof").toString();
        lines.add(runCase("chunked", "adddof gen=[0-9]+", client, "-d", "/dev/dtrace/helper",
                dir.resolve("large.dof").toString()));
        lines.add(runCase("worker-thread", "adddof gen=[0-9]+", client, "-d", "/dev/dtrace/helper", "-t",
                dir.resolve("corpus/libusdt-2.dof").toString()));
        lines.add(runCase("nobody", "adddof gen=[0-9]+", "setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", client, "-d", "/dev/dtrace/helper", dof1));
        lines.add(runCase("bad-arg-pointer", "adddof errno=14", client, "-d", "/dev/dtrace/helper", "-a", "1", dof1));
        lines.add(runCase("1GiB-header", "adddof errno=7", client, "-d", "/dev/dtrace/helper",
                dir.resolve("huge.dof").toString()));
        lines.add(runCase("random-bytes", "adddof errno=22", client, "-d", "/dev/dtrace/helper",
                dir.resolve("random.dof").toString()));
        lines.add(runCase("unknown-ioctl", "adddof errno=22", client, "-d", "/dev/dtrace/helper", "-c", "1234", dof1));
        Files.write(dir.resolve("cases.sh"), lines);
    }

    private String runCase(String name, String expected, String... argv) {
        cases.put(name, expected);
        StringBuilder b = new StringBuilder("run_case ").append(quote(name));
        for (String a : argv) {
            b.append(' ').append(quote(a));
        }
        return b.toString();
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static void writeDofFiles(Path dir) throws IOException {
        for (Path blob : Corpus.blobs()) {
            Files.copy(blob, dir.resolve("corpus").resolve(blob.getFileName()));
        }
        Files.write(dir.resolve("large.dof"), chunkedDof(3 * 65536 + 63));
        byte[] huge = Corpus.read("libusdt-1.dof");
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(DofHeader.OFF_LOADSZ, 1L << 30);
        Files.write(dir.resolve("huge.dof"), huge);
        byte[] random = new byte[4096];
        new java.util.SplittableRandom(5).nextBytes(random);
        Files.write(dir.resolve("random.dof"), random);
    }

    /** One provider of 800 probes, padded so the load size is {@code size}: chunks of 64 KiB, then a short one. */
    private static byte[] chunkedDof(int size) {
        List<ProbeSpec> probes = new ArrayList<>();
        for (int i = 0; i < 800; i++) {
            probes.add(ProbeSpec.builder("fn" + i, "probe" + i).address(0x1000 + 16L * i).args("int").offsets(4).build());
        }
        byte[] dof = DofWriter.builder().provider(new ProviderSpec("alpha", probes)).build();
        assertThat(dof.length).isLessThan(size);
        byte[] padded = Arrays.copyOf(dof, size);
        ByteBuffer.wrap(padded).order(ByteOrder.LITTLE_ENDIAN).putLong(DofHeader.OFF_LOADSZ, size)
                .putLong(DofHeader.OFF_FILESZ, size);
        return padded;
    }

    /**
     * The daemon's command line in the guest, with the parser children's jars readable by nobody.
     * C1 only, to keep compiler threads off the two emulated CPUs in a run this short. (Class-data
     * archives of the daemon and of its parser children, made by a training run on the host, were
     * measured under TCG: ready 32.8 s after launch with them, 33.3 s without; not worth their run.)
     * Through {@code env}, with the thread-suspend signal the launchers set, as an installed daemon runs.
     */
    private static List<String> daemonArgs(Path dir) throws Exception {
        List<String> argv = new ArrayList<>(List.of("env",
                DtprobedMain.SUSPEND_SIGNAL_VARIABLE + "=" + DtprobedMain.LAUNCHER_SUSPEND_SIGNAL,
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        argv.addAll(ChildJvms.flags());
        argv.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                DtprobedMain.class.getName(), "--transport", "cuse", "--state-dir", "/run/dtrace",
                // a JVM start takes 15-20 s under TCG on a quiet host, several times that on a busy one
                // (creating the stash took over 40 s beside a CPU hog); no deadline is what this test is about
                "--parser-start-timeout", "10m", "--parse-timeout", "5m", "--stash-open-timeout", "10m",
                "--parser-classpath",
                String.join(":", parserJars(dir.resolve("jars")).stream().map(Path::toString).toList())));
        return argv;
    }

    private static Map<String, String> keyValues(Path f) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String l : Files.readAllLines(f)) {
            int eq = l.indexOf('=');
            if (eq > 0) {
                out.put(l.substring(0, eq), l.substring(eq + 1));
            }
        }
        return out;
    }

    /** The parser children's jars in the checkout (the guest's /tmp is its own), readable by nobody. */
    private static List<Path> parserJars(Path into) throws IOException {
        Files.createDirectories(into);
        List<Path> out = new ArrayList<>();
        try (ChildJars jars = ChildJars.create()) {
            for (Path j : jars.jars()) {
                out.add(Files.copy(j, into.resolve(j.getFileName()), StandardCopyOption.REPLACE_EXISTING));
            }
        }
        return out;
    }

    /** Unmodified libusdt from npm, built against the project's sys/dtrace.h shim. */
    private static boolean buildLibusdtDriver(Path dir, Path c) throws Exception {
        Path work = Files.createDirectories(dir.resolve("libusdt-build"));
        if (exec(work, "npm", "pack", "--silent", "dtrace-provider@0.8.8") != 0) {
            return false;
        }
        assertThat(exec(work, "tar", "xzf", "dtrace-provider-0.8.8.tgz")).isZero();
        Path lib = work.resolve("package/libusdt");
        assertThat(exec(lib, "make", "CFLAGS=-O2 -Wall -D_GNU_SOURCE -fPIC -I" + c)).isZero();
        assertThat(exec(lib, "gcc", "-O2", "-Wall", "-I.", "-I" + c, "-o", dir.resolve("usdt_driver").toString(),
                c.resolve("usdt_driver.c").toString(), "libusdt.a")).isZero();
        return true;
    }

    private static Path jdk(int feature, String fallback) {
        Path home = Runtime.version().feature() == feature ? Path.of(System.getProperty("java.home")) : Path.of(fallback);
        assertThat(home.resolve("bin/java")).as("JDK %d expected at %s (set DTP_JAVA25 for JDK 25)", feature, home)
                .isExecutable();
        return home;
    }

    private static void gcc(Path cwd, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("gcc"));
        cmd.addAll(List.of(args));
        assertThat(exec(cwd, cmd.toArray(String[]::new))).as("gcc %s", cmd).isZero();
    }

    private static int exec(Path cwd, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        if (p.exitValue() != 0) {
            System.err.println(String.join(" ", cmd) + ": " + out);
        }
        return p.exitValue();
    }

    private static void makeReadable(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                boolean exec = Files.isDirectory(p) || Files.isExecutable(p);
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
