package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.dtprobed.dof.write.DofWriter;
import org.dtprobed.dof.write.ProbeSpec;
import org.dtprobed.fuse.CClient;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Corpus;
import org.dtprobed.testkit.Requires;
import org.dtprobed.testkit.Tmpfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole daemon with its state directory on a small tmpfs (issue 20): real FUSE workers (the
 * FUSE-file route), real callers registering until the disk and the stash are full. In the adversarial
 * run of layout 1 a full disk gave callers EINVAL, then a SIGBUS killed FUSE workers holding a
 * segment lock, four callers stayed in state D for good and only a second restart recovered; a 2 MiB
 * tmpfs at the first start left a sparse half-created file that later SIGBUSed. Here: callers get
 * ENOSPC with one log line each, none hangs, no worker dies; space returns and the next request
 * works in the same process; kill -9 on the full disk loses no acknowledged registration; a file
 * system too small for the stash stops the start with the configuration status and leaves nothing.
 *
 * <p>The daemon's log and socket live outside the tmpfs: a log on the full file system would lose
 * the very lines the test reads.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.GCC})
class FullDiskDaemonIT {
    /** dtprobed-fuse's worker threads ({@code helperfs-worker-N}, cut to 15 bytes by the kernel). */
    private static final String WORKER_COMM = "helperfs-worker";
    private static final Path DOF = Corpus.dir().resolve("libusdt-1.dof");

    @TempDir
    Path tmp;
    private CClient client;
    private ChildJars jars;
    private Path outside;
    private String device;
    private final List<Process> clients = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        client = CClient.compile(Files.createDirectories(tmp.resolve("c")));
        jars = ChildJars.create();
        outside = Files.createDirectories(tmp.resolve("outside"));
        device = "dtrace/fulldisk-" + ProcessHandle.current().pid();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : clients) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        jars.close();
    }

    private List<String> command(Path state, String... extra) {
        List<String> cmd = DaemonProcess.command(state, device, jars.jars(), extra);
        cmd.addAll(List.of("--socket", outside.resolve("dtprobed.sock").toString()));
        return cmd;
    }

    private DaemonProcess start(Path state, String... extra) throws Exception {
        return DaemonProcess.launch(command(state, extra), outside, device);
    }

    /** What one holding client registered: its pid and how many ioctls ended with which result. */
    private record Held(Process process, int pid, long ok, Map<Integer, Long> errnos) {
    }

    /** Starts a client that registers {@code copies} copies of the DOF and holds them until SIGUSR1. */
    private Process hold(DaemonProcess daemon, int copies) throws IOException {
        Process p = client.start(daemon.device(), false, "-N", Integer.toString(copies), "-w", DOF.toString());
        clients.add(p);
        return p;
    }

    /** Its "held" line; a caller stuck in the daemon (state D in layout 1) never writes it: 120 s fails. */
    private static Held held(Process p) throws Exception {
        CompletableFuture<List<String>> lines = CompletableFuture.supplyAsync(() -> {
            List<String> seen = new ArrayList<>();
            try {
                BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                for (String line = r.readLine(); line != null && !line.equals("waiting"); line = r.readLine()) {
                    seen.add(line);
                }
            } catch (IOException e) {
                seen.add(e.toString());
            }
            return seen;
        });
        List<String> out;
        try {
            out = lines.get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("caller " + p.pid() + " did not finish its registrations within 120 s (state "
                    + state(p.pid()) + ")");
        }
        CClient.Result r = new CClient.Result(out);
        if (r.value("open", "errno").isPresent()) {
            // the device was gone (a killed daemon): nothing was registered
            return new Held(p, r.pid(), 0, Map.of(Integer.parseInt(r.value("open", "errno").get()), 1L));
        }
        Map<Integer, Long> errnos = new HashMap<>();
        for (String kv : out.stream().filter(l -> l.startsWith("held ")).findFirst()
                .orElseThrow(() -> new AssertionError("no held line: " + out)).split(" ")) {
            if (kv.startsWith("errno_")) {
                String[] e = kv.substring(6).split("=");
                errnos.put(Integer.parseInt(e[0]), Long.parseLong(e[1]));
            }
        }
        return new Held(p, r.pid(), Long.parseLong(r.value("held", "ok").orElseThrow()), errnos);
    }

    /** The scheduler state letter of a process (R, S, D, ...) from /proc/PID/stat. */
    private static String state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        } catch (IOException e) {
            return "gone";
        }
    }

    private static long workerThreads(long pid) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            return tasks.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm")).trim().equals(WORKER_COMM);
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }

    private static long lines(String log, String needle) {
        return log.lines().filter(l -> l.contains(needle)).count();
    }

    /** Distinct generations the daemon lists for {@code pid}: its registrations. */
    private static long registrationsOf(DaemonProcess d, long pid) throws IOException {
        return d.list("", (int) pid).stream().map(ProbeEntry::generation).distinct().count();
    }

    @Test
    void onAFullDiskCallersGetEnospcNoneHangsAndTheNextRequestWorksWithoutARestart() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(tmp.resolve("fs"), "64m")) {
            Path state = fs.dir().resolve("state");
            try (DaemonProcess daemon = start(state, "--max-registrations", "16")) {
                long workers = workerThreads(daemon.pid());
                assertThat(workers).as("FUSE workers").isPositive();
                fs.fill("filler");
                assertThat(fs.freeBytes()).as("the disk is full").isLessThan(4096);

                // three callers at once, 24 registrations for a stash of 16, on a full disk
                List<Process> started = List.of(hold(daemon, 8), hold(daemon, 8), hold(daemon, 8));
                List<Held> held = new ArrayList<>();
                for (Process p : started) {
                    held.add(held(p));
                }
                long ok = held.stream().mapToLong(Held::ok).sum();
                Map<Integer, Long> errnos = new HashMap<>();
                held.forEach(h -> h.errnos().forEach((e, n) -> errnos.merge(e, n, Long::sum)));
                String log = daemon.log();
                System.out.printf("FullDiskDaemonIT: %d acknowledged, refused by errno %s%n", ok, errnos);
                assertThat(ok).as("a full disk costs the preallocated stash nothing: %s\n%s", held, log).isEqualTo(16);
                assertThat(errnos).as("ENOSPC, never EINVAL").isEqualTo(Map.of(28, 8L));
                for (Held h : held) {
                    assertThat(state(h.pid())).as("caller %d waits in sigwait, not in the daemon", h.pid()).isEqualTo("S");
                }
                assertThat(lines(log, "refused (stash_full, errno 28)")).as("one line per refusal:\n%s", log).isEqualTo(8);
                assertThat(log).doesNotContain("InternalError").doesNotContain("Exception in thread")
                        .doesNotContain("a fault occurred");
                assertThat(workerThreads(daemon.pid())).as("no worker thread died").isEqualTo(workers);
                assertThat(daemon.stats().get("registrations").asLong()).isEqualTo(16);

                // space returns: the filler goes, one caller exits (its registrations leave with it)
                Files.delete(fs.dir().resolve("filler"));
                Held first = held.get(0);
                new ProcessBuilder("kill", "-USR1", Long.toString(first.pid())).start().waitFor();
                assertThat(first.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (registrationsOf(daemon, first.pid()) > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(registrationsOf(daemon, first.pid())).as("the exited caller's registrations left").isZero();
                Held next = held(hold(daemon, (int) first.ok()));
                assertThat(next.ok()).as("the next requests work, same daemon: %s", next).isEqualTo(first.ok());
                assertThat(next.errnos()).isEmpty();
                assertThat(daemon.alive()).isTrue();
                assertThat(workerThreads(daemon.pid())).isEqualTo(workers);
            }
        }
    }

    @Test
    void killDashNineOnAFullDiskLosesNoAcknowledgedRegistration() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(tmp.resolve("fs"), "64m")) {
            Path state = fs.dir().resolve("state");
            DaemonProcess victim = start(state, "--max-registrations", "128");
            List<Held> acknowledged = new ArrayList<>();
            try {
                fs.fill("filler");
                for (int i = 0; i < 3; i++) {
                    acknowledged.add(held(hold(victim, 4)));
                }
                // the kill lands while two more callers are registering 80 more, once the daemon has
                // acknowledged a few of theirs (a moment in the storm, not in wall time; on a busy
                // machine it may come after all of them, which proves less but nothing false)
                Process a = hold(victim, 40);
                Process b = hold(victim, 40);
                while (victim.stats().get("registrations").asLong() < 20 && a.isAlive()) {
                    Thread.sleep(1);
                }
                victim.kill9();
                acknowledged.add(held(a));
                acknowledged.add(held(b));
            } finally {
                victim.kill9();
            }
            long total = acknowledged.stream().mapToLong(Held::ok).sum();
            assertThat(total).as("registrations acknowledged before the kill").isGreaterThanOrEqualTo(12);
            // the disk is still full: the stash's files are allocated whole, so the restart needs no space
            try (DaemonProcess again = start(state, "--max-registrations", "128")) {
                long after = 0;
                for (Held h : acknowledged) {
                    long n = registrationsOf(again, h.pid());
                    assertThat(n).as("pid %d after kill -9: %s\n%s", h.pid(), h, again.log()).isGreaterThanOrEqualTo(h.ok());
                    after += n;
                }
                System.out.printf("FullDiskDaemonIT: %d acknowledged before kill -9 (%s), %d registrations after%n", total,
                        acknowledged.stream().map(h -> h.ok() + " " + h.errnos()).toList(), after);
                Held next = held(hold(again, 1));
                assertThat(next.ok()).as("serving again: %s\n%s", next, again.log()).isEqualTo(1);
                acknowledged.add(next);
                assertThat(again.stop()).as("a stop on the full disk").isZero();
            }
            // layout 1 marked such a stop clean over a leaked segment lock, and the next start
            // waited 60 s and failed; here the next start finds everything, on the same full disk
            try (DaemonProcess third = start(state, "--max-registrations", "128")) {
                for (Held h : acknowledged) {
                    assertThat(registrationsOf(third, h.pid())).as("pid %d after the stop", h.pid()).isGreaterThanOrEqualTo(h.ok());
                }
            }
        }
    }

    /**
     * {@code --max-registrations N} with the pool sized by {@code --stash-chunks} holds N of the
     * largest DOF the daemon accepts, end to end: 108,161 probes (the largest shape the parser's 8 MiB
     * result bound admits, StashSizingTest: 4,650 chunks with its raw DOF, 3,104 without), through the
     * FUSE file and the jailed parser; the next is refused with ENOSPC and one line naming the pool.
     */
    @Test
    void nOfTheLargestAcceptedDofFitAPoolSizedForThemAndTheNextGetsEnospc() throws Exception {
        org.dtprobed.dof.write.ProbeSpec[] specs = new org.dtprobed.dof.write.ProbeSpec[108_161];
        for (int i = 0; i < specs.length; i++) {
            specs[i] = ProbeSpec.builder("f", Integer.toString(i, 36))
                    .address(0x401000 + 16L * i).offsets(5).build();
        }
        Path largest = Files.write(tmp.resolve("largest.dof"),
                DofWriter.builder().provider("p".repeat(56), specs).build());
        int n = 2;
        // a slot more than the pool holds registrations for: the next is refused by the pool
        try (DaemonProcess daemon = start(tmp.resolve("state"), "--max-registrations", Integer.toString(n + 1),
                "--stash-chunks", Integer.toString(n * 3_104 + 1_546), "--probes-tree", "off")) {
            Process p = client.start(daemon.device(), false, "-N", Integer.toString(n + 1), "-w", largest.toString());
            clients.add(p);
            Held h = held(p);
            String log = daemon.log();
            assertThat(h.ok()).as("%s\n%s", h, log).isEqualTo(n);
            assertThat(h.errnos()).isEqualTo(Map.of(28, 1L));
            assertThat(lines(log, "refused (stash_full, errno 28)")).as(log).isEqualTo(1);
            assertThat(log).contains("chunks full: this registration needs 3104 chunks");
            assertThat(registrationsOf(daemon, h.pid())).isEqualTo(n);
        }
    }

    @Test
    void aFileSystemTooSmallForTheStashStopsTheStartWithTheConfigurationStatusAndLeavesNothing() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(tmp.resolve("fs"), "16m")) {
            Path state = fs.dir().resolve("state");
            DaemonProcess.Exited exited = DaemonProcess.runToExit(command(state));
            String said = exited.stderr() + exited.stdout();
            assertThat(exited.status()).as(said).isEqualTo(Daemon.EXIT_CONFIG);
            assertThat(said).containsPattern("stash/[a-z]+-2\\.cm3").contains("KiB free")
                    .contains("Fix: free space on that file system").contains("--max-registrations");
            try (Stream<Path> files = Files.list(state.resolve("stash"))) {
                assertThat(files.filter(f -> f.toString().endsWith(".cm3")).toList())
                        .as("no half-created, sparse file is left to be taken for a stash").isEmpty();
            }
            // the fix as the message says it: with the space there, the same command starts
            fs.remount("160m");
            try (DaemonProcess d = DaemonProcess.launch(command(state), outside, device)) {
                assertThat(held(hold(d, 1)).ok()).isEqualTo(1);
            }
        }
    }
}
