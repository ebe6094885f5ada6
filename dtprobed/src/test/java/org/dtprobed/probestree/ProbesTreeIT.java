package org.dtprobed.probestree;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.dtprobed.client.OracleDtrace;
import org.dtprobed.client.UprobeTraceIT;
import org.dtprobed.daemon.DaemonProcess;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.stash.dump.StashDump;
import org.dtprobed.testkit.Await;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.ChildJvms;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code probes/} tree read by the unmodified Oracle {@code dtrace} built from
 * {@code ../shared/oracle-dtrace}, for programs built as users build them ({@code dtrace -h}, {@code
 * -G}, drti.o registering through the daemon's FUSE-file device): a non-PIE executable, a PIE
 * executable whose {@code -G} shared library lands at a new base in every process, a library
 * {@code dlopen}ed and {@code dlclose}d by a process that lives on, a fork child, and a binary whose
 * DOF is corrupt.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.UPROBES, Capability.GCC})
class ProbesTreeIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Marks the end of dtrace's output (no line of dtrace's is NUL). */
    private static final String END = "\0end";

    @TempDir
    static Path programs;
    static Path dtrace;
    static Path holdprog;
    static Path treepie;
    static Path treehost;
    static Path libtreelib;

    @TempDir
    Path tmp;
    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void build() throws Exception {
        Files.setPosixFilePermissions(programs, PosixFilePermissions.fromString("rwxr-xr-x"));
        dtrace = OracleDtrace.home().resolve("bin/dtrace");
        holdprog = OracleDtrace.holdprog(Files.createDirectories(programs.resolve("hold")));
        OracleDtrace.TreePrograms tree = OracleDtrace.treePrograms(programs);
        treepie = tree.treepie();
        treehost = tree.treehost();
        libtreelib = tree.libtreelib();
    }

    @AfterEach
    void stopPrograms() {
        started.forEach(Process::destroyForcibly);
    }

    /** A test program: its stdin for commands, its stdout lines. */
    final class Prog {
        final Process process;
        final int pid;
        private final OutputStream in;
        private final BlockingQueue<String> out;
        /** What drti says (DTRACE_DOF_INIT_DEBUG=1) and any failure. */
        final BlockingQueue<String> err;

        Prog(Path binary, DaemonProcess daemon, Map<String, String> env) throws Exception {
            ProcessBuilder pb = new ProcessBuilder(binary.toString());
            pb.environment().put("DTRACE_DOF_INIT_DEVNAME", daemon.device().toString());
            pb.environment().putAll(env);
            process = pb.start();
            started.add(process);
            in = process.getOutputStream();
            out = UprobeTraceIT.lines(process.getInputStream());
            err = UprobeTraceIT.lines(process.getErrorStream());
            String ready = line();
            assertThat(ready).as("%s started", binary).startsWith("ready ");
            pid = Integer.parseInt(ready.substring("ready ".length()).strip());
        }

        String line() throws InterruptedException {
            String l = out.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(l).as("a line from pid %d (%s; stderr %s)", pid, state(), err).isNotNull();
            return l;
        }

        /** State and TracerPid from /proc/PID/status: what a program that does not answer is doing. */
        String state() {
            try {
                return Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status")).stream()
                        .filter(l -> l.startsWith("State:") || l.startsWith("TracerPid:")).toList().toString();
            } catch (IOException e) {
                return "gone";
            }
        }

        String send(String command) throws Exception {
            in.write((command + "\n").getBytes(StandardCharsets.US_ASCII));
            in.flush();
            return line();
        }
    }

    private DaemonProcess daemon(ChildJars jars, String... extra) throws Exception {
        return DaemonProcess.start(tmp.resolve("state"), "dtrace/tree-" + ProcessHandle.current().pid(), jars.jars(),
                extra);
    }

    private Path probes() {
        return tmp.resolve("state/probes");
    }

    private List<String> treeFiles(int pid) {
        Path dir = probes().resolve(Integer.toString(pid));
        for (int attempt = 0; ; attempt++) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return List.of();
            }
            try (Stream<Path> s = Files.walk(dir)) {
                return s.filter(Files::isRegularFile).map(p -> probes().relativize(p).toString()).sorted().toList();
            } catch (IOException | java.io.UncheckedIOException e) {
                // the walk raced the daemon taking the directory (or a file of it) out: look again
                if (attempt == 10) {
                    throw new IllegalStateException("the tree of pid " + pid + " kept changing under the walk", e);
                }
            }
        }
    }

    private record Run(int status, String out, String err) {
    }

    private Run dtraceRun(int seconds, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(dtrace.toString(), "-xdofstashpath=" + tmp.resolve("state")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        started.add(p);
        var out = UprobeTraceIT.lines(p.getInputStream());
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(seconds, TimeUnit.SECONDS)).as("dtrace %s ended", List.of(args)).isTrue();
        List<String> lines = new ArrayList<>();
        out.drainTo(lines);
        return new Run(p.exitValue(), String.join("\n", lines), err);
    }

    /** {@code dtrace -l -P PROVIDERPID}: the probes as "provider module function name" lines. */
    private List<String> dtraceList(String providerWithPid) throws Exception {
        List<String> listed = List.of();
        // on a heavily loaded machine dtrace -l has twice listed nothing while the files were whole
        // (and decoded right); it is asked up to three times, each empty answer printed
        for (int attempt = 1; attempt <= 3 && listed.isEmpty(); attempt++) {
            Run r = dtraceRun(120, "-l", "-P", providerWithPid);
            assertThat(r.status()).as("dtrace -l -P %s: %s", providerWithPid, r.err()).isZero();
            listed = r.out().lines().skip(1).map(l -> l.strip().split("\\s+", 2)[1].replaceAll("\\s+", " ")).sorted().toList();
            if (listed.isEmpty()) {
                System.out.printf("ProbesTreeIT: dtrace -l -P %s listed nothing (attempt %d; stderr: %s)%n",
                        providerWithPid, attempt, r.err().strip());
                Thread.sleep(1000);
            }
        }
        return listed;
    }

    private static List<String> described(List<ProbeEntry> probes) {
        return probes.stream().map(e -> e.providerWithPid() + " " + e.module() + " " + e.function() + " " + e.name())
                .sorted().toList();
    }

    /**
     * Runs {@code dtrace -q -n SCRIPT}, a script that ends itself with {@code exit()}, makes the
     * program fire once dtrace's BEGIN clause ran (every probe is enabled by then), and returns what
     * dtrace printed. dtrace must end by itself: a dtrace stopped by a signal while it has the
     * process grabbed leaves it stopped, or kills it.
     */
    private List<String> trace(String script, Prog prog, String fire) throws Exception {
        List<String> cmd = List.of(dtrace.toString(), "-xdofstashpath=" + tmp.resolve("state"), "-q",
                "-x", "switchrate=20hz", "-n", "BEGIN { n = 0; printf(\"armed\\n\"); } " + script);
        Process p = new ProcessBuilder(cmd).start();
        started.add(p);
        BlockingQueue<String> err = UprobeTraceIT.lines(p.getErrorStream());
        // stdout line by line, then END at its end: what dtrace printed is whole once END came
        BlockingQueue<String> out = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                r.lines().forEach(out::add);
            } catch (IOException | java.io.UncheckedIOException e) {
                out.add("read error: " + e);
            }
            out.add(END);
        });
        reader.setDaemon(true);
        reader.start();
        assertThat(out.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).as("dtrace armed (stderr %s)", err).isEqualTo("armed");
        assertThat(prog.send(fire)).isEqualTo("fired");
        assertThat(p.waitFor(Await.LIVENESS.toSeconds(), TimeUnit.SECONDS)).as("dtrace ended by its exit() (stderr %s)", err)
                .isTrue();
        assertThat(p.exitValue()).as("dtrace's status (stderr %s)", err).isZero();
        List<String> got = new ArrayList<>();
        for (String l = out.poll(WAIT.toSeconds(), TimeUnit.SECONDS); l != null && !l.equals(END);
                l = out.poll(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            if (!l.isEmpty()) {
                got.add(l);
            }
        }
        return got;
    }

    @Test
    void oracleDtraceListsAndFiresAnExecutablesAndAPieLibrarysProbes() throws Exception {
        try (ChildJars jars = ChildJars.create(); DaemonProcess daemon = daemon(jars)) {
            Prog hold = new Prog(holdprog, daemon, Map.of());
            Prog pie1 = new Prog(treepie, daemon, Map.of());
            Prog pie2 = new Prog(treepie, daemon, Map.of());

            String h = "holdprov" + hold.pid;
            assertThat(treeFiles(hold.pid)).containsExactly(hold.pid + "/" + h + "/holdprog/main/req_done",
                    hold.pid + "/" + h + "/holdprog/main/tick");
            assertThat(dtraceList(h)).containsExactly(h + " holdprog main req_done", h + " holdprog main tick")
                    .isEqualTo(described(daemon.list(h + ":::", hold.pid)));
            for (Prog pie : List.of(pie1, pie2)) {
                String t = "treelib" + pie.pid;
                assertThat(dtraceList(t)).containsExactly(t + " libtreelib.so treelib_fire lib_call",
                        t + " libtreelib.so treelib_fire lib_done").isEqualTo(described(daemon.list(t + ":::", pie.pid)));
            }
            long base1 = daemon.list("treelib" + pie1.pid + ":::", pie1.pid).get(0).sites().get(0).address();
            long base2 = daemon.list("treelib" + pie2.pid + ":::", pie2.pid).get(0).sites().get(0).address();
            assertThat(base1).as("the library at a base of its own in each process").isNotEqualTo(base2);

            assertThat(trace(h + ":::req_done { printf(\"req %d %s\\n\", arg0, copyinstr(arg1)); } " + h
                    + ":::tick { printf(\"tick %d\\n\", arg0); n++; } " + h + ":::tick /n == 2/ { exit(0); }", hold, "fire 2"))
                    .containsExactly("req 0 req 0", "tick 0", "req 1 req 1", "tick 1000000007");
            String t2 = "treelib" + pie2.pid;
            assertThat(trace(t2 + ":::lib_call { printf(\"call %d %d\\n\", arg0, arg1); } " + t2
                    + ":::lib_done { printf(\"done %d\\n\", arg0); exit(0); }", pie2, "fire 3"))
                    .containsExactly("call 0 1", "call 1 4", "call 2 7", "done 3");

            // an exit takes the process's files and directories
            hold.process.destroy();
            hold.process.waitFor(30, TimeUnit.SECONDS);
            Await.until("the exited process's files gone",
                    () -> !Files.exists(probes().resolve(Integer.toString(hold.pid)), LinkOption.NOFOLLOW_LINKS));
            assertThat(treeFiles(pie1.pid)).hasSize(2);
            assertThat(stashDump()).as("the tree matches the stash").startsWith("0\n");
        }
    }

    @Test
    void dlopenDlcloseAndForkFollowTheTree() throws Exception {
        try (ChildJars jars = ChildJars.create(); DaemonProcess daemon = daemon(jars)) {
            Prog host = new Prog(treehost, daemon, Map.of());
            String own = "treeprov" + host.pid;
            String lib = "treelib" + host.pid;
            assertThat(treeFiles(host.pid)).containsExactly(host.pid + "/" + own + "/treehost/main/cmd");

            assertThat(host.send("open " + libtreelib)).isEqualTo("opened");
            assertThat(treeFiles(host.pid)).as("written before drti's ioctl returned").contains(
                    host.pid + "/" + lib + "/libtreelib.so/treelib_fire/lib_call",
                    host.pid + "/" + lib + "/libtreelib.so/treelib_fire/lib_done");
            assertThat(dtraceList(lib)).containsExactly(lib + " libtreelib.so treelib_fire lib_call",
                    lib + " libtreelib.so treelib_fire lib_done");
            assertThat(trace(lib + ":::lib_call { printf(\"call %d %d\\n\", arg0, arg1); n++; } " + lib
                    + ":::lib_call /n == 2/ { exit(0); }", host, "fire 2"))
                    .containsExactly("call 0 1", "call 1 4");

            assertThat(host.send("close")).isEqualTo("closed");
            // FUSE-file route: drti's REMOVE never reaches the daemon; the unmapped object is found by pruning
            // one event unlinks the files, then removes the directories left empty: wait for the whole of it
            Await.until("the closed library's files and directories gone",
                    () -> treeFiles(host.pid).equals(List.of(host.pid + "/" + own + "/treehost/main/cmd"))
                            && !Files.exists(probes().resolve(host.pid + "/" + lib), LinkOption.NOFOLLOW_LINKS));

            String child = host.send("fork");
            assertThat(child).startsWith("child ");
            int childPid = Integer.parseInt(child.substring("child ".length()));
            Await.until("the fork child's file", () -> treeFiles(childPid).equals(
                    List.of(childPid + "/treeprov" + childPid + "/treehost/main/cmd")));
            assertThat(Files.readAllBytes(probes().resolve(childPid + "/treeprov" + childPid + "/treehost/main/cmd")))
                    .as("the child's file: the parent's DOF at the parent's addresses")
                    .isEqualTo(Files.readAllBytes(probes().resolve(host.pid + "/" + own + "/treehost/main/cmd")));
            ProcessHandle.of(childPid).ifPresent(ProcessHandle::destroyForcibly);
            Await.until("the killed child's files gone",
                    () -> !Files.exists(probes().resolve(Integer.toString(childPid)), LinkOption.NOFOLLOW_LINKS));
            assertThat(treeFiles(host.pid)).hasSize(1);
        }
    }

    /** drti's registration of a binary whose .SUNW_dof is corrupt fails with EINVAL and writes nothing. */
    @Test
    void corruptDofGetsEinvalAndWritesNothing() throws Exception {
        Path bad = tmp.resolve("holdprog-bad");
        Files.copy(holdprog, bad);
        corruptSunwDof(bad);
        try (ChildJars jars = ChildJars.create(); DaemonProcess daemon = daemon(jars)) {
            Prog good = new Prog(holdprog, daemon, Map.of());
            Map<String, byte[]> before = contents();
            Prog corrupt = new Prog(bad, daemon, Map.of("DTRACE_DOF_INIT_DEBUG", "1"));
            assertThat(corrupt.send("fire 1")).isEqualTo("fired");
            assertThat(treeFiles(corrupt.pid)).isEmpty();
            assertThat(daemon.list("", corrupt.pid)).isEmpty();
            Map<String, byte[]> after = contents();
            assertThat(after).as("the tree unchanged for everyone else").containsOnlyKeys(before.keySet());
            before.forEach((k, v) -> assertThat(after.get(k)).isEqualTo(v));
            assertThat(corrupt.err.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).as("drti's ioctl failed")
                    .startsWith("DRTI: Ioctl failed");
            assertThat(daemon.log()).contains("tid " + corrupt.pid + " (uid 0): ioctl 0x4050d803 refused with errno 22");
            assertThat(treeFiles(good.pid)).hasSize(2);
        }
    }

    /** kill -9, a damaged tree, a restart: the tree matches again; with the tree off, it is removed. */
    @Test
    void aRestartRepairsTheTreeAndOffRemovesIt() throws Exception {
        try (ChildJars jars = ChildJars.create()) {
            Prog hold;
            try (DaemonProcess daemon = daemon(jars)) {
                hold = new Prog(holdprog, daemon, Map.of());
                assertThat(treeFiles(hold.pid)).hasSize(2);
                daemon.kill9();
            }
            String h = hold.pid + "/holdprov" + hold.pid + "/holdprog/main/";
            Files.delete(probes().resolve(h + "tick"));
            Files.write(probes().resolve(h + "req_done"), new byte[] {1});
            Files.createDirectories(probes().resolve("999999/x999999/m/f"));
            Files.write(probes().resolve("999999/x999999/m/f/p"), new byte[8]);
            assertThat(stashDump()).startsWith("1\n").contains("probes tree: " + h + "tick is missing",
                    "probes tree: " + h + "req_done differs");
            try (DaemonProcess daemon = daemon(jars)) {
                assertThat(Files.exists(probes().resolve("999999"))).as("a stray pid's directory goes before ready").isFalse();
                // a live process's files are checked in the background after ready
                Await.until("the damaged tree repaired", () -> treeFiles(hold.pid).equals(List.of(h + "req_done", h + "tick"))
                        && decodes(probes().resolve(h + "req_done")));
                assertThat(dtraceList("holdprov" + hold.pid)).hasSize(2);
                assertThat(stashDump()).startsWith("0\n");
                assertThat(daemon.stats().path("probes_tree").path("files").asLong()).isEqualTo(2);
            }
            try (DaemonProcess daemon = daemon(jars, "--probes-tree", "off")) {
                assertThat(Files.exists(probes(), LinkOption.NOFOLLOW_LINKS)).isFalse();
                assertThat(daemon.list("", hold.pid)).hasSize(2);
                assertThat(daemon.stats().path("probes_tree").path("enabled").asBoolean()).isFalse();
            }
        }
    }

    private static boolean decodes(Path p) {
        try {
            ProbeFile.decode(Files.readAllBytes(p));
            return true;
        } catch (IOException | ProbeFile.FormatException e) {
            return false; // not yet repaired, or replaced under us: the next poll reads it
        }
    }

    private Map<String, byte[]> contents() throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(probes())) {
            for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                out.put(probes().relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    /** Makes the section count in the .SUNW_dof header of the binary absurd (objdump says where it is in the file). */
    private static void corruptSunwDof(Path binary) throws Exception {
        String headers = OracleDtrace.run(binary.getParent(), 60, "objdump", "-h", binary.toString());
        String line = headers.lines().filter(l -> l.contains(".SUNW_dof")).findFirst().orElseThrow();
        String[] f = line.strip().split("\\s+");
        long fileOffset = Long.parseLong(f[5], 16);
        byte[] b = Files.readAllBytes(binary);
        int secnum = (int) fileOffset + 28; // dof_hdr_t.dofh_secnum, u32
        b[secnum] = (byte) 0xff;
        b[secnum + 1] = (byte) 0xff;
        b[secnum + 2] = (byte) 0xff;
        Files.write(binary, b);
    }

    /** {@code stash-dump} of the test's state directory: "STATUS\n" then its output. */
    private String stashDump() throws Exception {
        List<String> cmd = new ArrayList<>(ChildJvms.command(StashDump.class));
        cmd.addAll(List.of("--state-dir", tmp.resolve("state").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(out).isTrue();
        return p.exitValue() + "\n" + out;
    }
}
