package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.dtprobed.linux.Errno;
import org.dtprobed.testkit.ChildJvms;
import org.dtprobed.dof.DofHeader;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.write.DofWriter;
import org.dtprobed.dof.write.ProbeSpec;
import org.dtprobed.dof.write.ProviderSpec;
import org.dtprobed.fuse.CClient;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.testkit.Await;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Corpus;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole daemon on the host kernel: real C clients register through the FUSE-file device,
 * the DOF is parsed by real jailed children, committed to real Chronicle Map files, and read back
 * through the real query socket.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Requires({Capability.ROOT, Capability.FUSE, Capability.GCC})
class DaemonEndToEndIT {
    private static final String REMOVE_BY_VALUE = "d802"; // _IO(0xd8, 2): the kernel delivers it on a FUSE file

    @TempDir
    static Path tmp;
    private ChildJars jars;
    private CClient client;
    private DaemonProcess daemon;

    @BeforeAll
    void startDaemon() throws Exception {
        jars = ChildJars.create();
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        client = CClient.compile(bin);
        daemon = DaemonProcess.start(tmp.resolve("state"), "dtrace/e2e-" + ProcessHandle.current().pid(), jars.jars());
    }

    @AfterAll
    void stopDaemon() throws Exception {
        if (daemon != null) {
            assertThat(daemon.stop()).as("clean exit on SIGTERM:\n%s", daemon.log()).isZero();
            assertThat(Files.exists(daemon.device())).as("device removed on exit").isFalse();
        }
        if (jars != null) {
            jars.close();
        }
    }

    /** A client that registered and now waits for SIGUSR1 to REMOVE. */
    private record Waiting(Process process, int pid, int gen, List<String> lines) {
    }

    private Waiting registerAndWait(Path device, Path dof, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("-w", "-x", REMOVE_BY_VALUE));
        args.addAll(List.of(extra));
        args.add(dof.toString());
        Process p = client.start(device, false, args.toArray(String[]::new));
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        int pid = -1;
        int gen = -1;
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            lines.add(line);
            if (line.startsWith("pid=")) {
                pid = Integer.parseInt(line.split("[= ]")[1]);
            } else if (line.startsWith("adddof gen=")) {
                gen = Integer.parseInt(line.split("[= ]")[2]);
            } else if (line.equals("waiting") || line.startsWith("adddof errno=")) {
                break;
            }
        }
        return new Waiting(p, pid, gen, lines);
    }

    private static List<String> removeAndFinish(Waiting w) throws Exception {
        new ProcessBuilder("kill", "-USR1", Integer.toString(w.pid())).start().waitFor();
        List<String> rest = new String(w.process().getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                .toList();
        assertThat(w.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        return rest;
    }

    private static Set<String> expectedNames(byte[] dof, String module) throws Exception {
        ParsedDof parsed = new DofParser().parse(ByteBuffer.wrap(dof), new DofHelper(module, 0, 0));
        Set<String> names = new TreeSet<>();
        parsed.providers().forEach(p -> p.probes().forEach(
                pr -> names.add(p.name() + ":" + module + ":" + pr.function() + ":" + pr.name())));
        return names;
    }

    private static Set<String> names(List<ProbeEntry> entries) {
        return entries.stream().map(e -> e.provider() + ":" + e.module() + ":" + e.function() + ":" + e.name())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void everyCorpusDofRegistersWithItsProbesAndRemoveTakesThemAway() throws Exception {
        for (Path blob : Corpus.blobs()) {
            Waiting w = registerAndWait(daemon.device(), blob);
            assertThat(w.gen()).as("%s: %s", blob, w.lines()).isGreaterThanOrEqualTo(0);
            List<ProbeEntry> listed = daemon.list("", w.pid());
            assertThat(names(listed)).as(blob.toString())
                    .isEqualTo(expectedNames(Corpus.read(blob), blob.getFileName().toString()));
            assertThat(listed).allMatch(e -> e.generation() == w.gen() && e.pid() == w.pid());
            assertThat(removeAndFinish(w)).contains("remove rc=0 gen=" + w.gen());
            assertThat(daemon.list("", w.pid())).as("synchronous REMOVE").isEmpty();
        }
    }

    @Test
    void largeDofWithTwoProvidersIsChunkFreeOnTheFuseFile() throws Exception {
        DofWriter w = DofWriter.builder().version(3).relocations(true);
        for (String prov : List.of("alpha", "beta")) {
            List<ProbeSpec> probes = new ArrayList<>();
            for (int i = 0; i < 800; i++) {
                probes.add(ProbeSpec.builder("fn" + i, "probe" + i).address(0x1000 + 16L * i).args("int", "char *")
                        .offsets(4).enabledOffsets(8).build());
            }
            w.provider(new ProviderSpec(prov, probes));
        }
        byte[] dof = w.build();
        assertThat(dof.length).isGreaterThan(64 * 1024);
        Path file = Files.write(tmp.resolve("large.dof"), dof);
        Waiting reg = registerAndWait(daemon.device(), file);
        assertThat(reg.gen()).as("%s", reg.lines()).isGreaterThanOrEqualTo(0);
        assertThat(daemon.list("alpha:::", reg.pid())).hasSize(800);
        assertThat(daemon.list("beta:::probe799", reg.pid())).hasSize(1);
        removeAndFinish(reg);
    }

    @Test
    void aWorkerThreadRegistersUnderItsProcess() throws Exception {
        Path blob = Corpus.dir().resolve("libusdt-1.dof");
        Waiting w = registerAndWait(daemon.device(), blob, "-t");
        assertThat(w.lines()).anyMatch(l -> l.startsWith("adddof gen=") && !l.endsWith("tid=" + w.pid()));
        assertThat(daemon.list("minimal:::", w.pid())).hasSize(1);
        removeAndFinish(w);
    }

    /**
     * drti's REMOVE never reaches the daemon on the FUSE-file route: a process registering the same
     * DOF again leaves one registration, and each one it replaced is counted with its cause.
     */
    @Test
    void aSameDofReRegistrationReplacesTheFirstAndIsCountedAsReplaced() throws Exception {
        long before = daemon.stats().get("removals_by_cause").get("replaced").asLong();
        CClient.Result r = client.run(daemon.device(), "-n", "50", Corpus.dir().resolve("libusdt-2.dof").toString());
        assertThat(r.value("bench", "n")).as("%s", r).contains("50");
        assertThat(daemon.stats().get("removals_by_cause").get("replaced").asLong() - before).isEqualTo(49);
    }

    @Test
    void removeOfAnUnknownGenerationIsHarmless() throws Exception {
        Path blob = Corpus.dir().resolve("libusdt-4.dof");
        Waiting w = registerAndWait(daemon.device(), blob);
        CClient.Result again = client.run(daemon.device(), "-r", "12345", "-x", REMOVE_BY_VALUE);
        assertThat(again.value("remove", "rc")).as("REMOVE of an unknown generation").contains("0");
        assertThat(daemon.list("", w.pid())).isNotEmpty();
        removeAndFinish(w);
    }

    @Test
    void hostileCallersGetTheirErrnoAndTheDaemonKeepsServing() throws Exception {
        byte[] good = Corpus.read("libusdt-2.dof");
        Path random = tmp.resolve("random.dof");
        byte[] junk = new byte[600];
        new java.util.SplittableRandom(1).nextBytes(junk);
        Files.write(random, junk);
        assertThat(client.run(daemon.device(), random.toString()).addErrno()).isEqualTo(Errno.EINVAL);

        byte[] huge = good.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(DofHeader.OFF_LOADSZ, 1L << 30);
        Path hugeFile = Files.write(tmp.resolve("huge.dof"), huge);
        assertThat(client.run(daemon.device(), hugeFile.toString()).addErrno()).isEqualTo(Errno.E2BIG);

        byte[] truncated = good.clone();
        ByteBuffer.wrap(truncated).order(ByteOrder.LITTLE_ENDIAN).putLong(DofHeader.OFF_LOADSZ, good.length + 8192);
        Path truncFile = Files.write(tmp.resolve("truncated.dof"), truncated);
        assertThat(client.run(daemon.device(), "-g", truncFile.toString()).addErrno()).isEqualTo(Errno.EFAULT);

        Path blob = Corpus.dir().resolve("libusdt-2.dof");
        assertThat(client.run(daemon.device(), "-u", blob.toString()).addErrno()).isEqualTo(Errno.EFAULT);
        assertThat(client.run(daemon.device(), "-c", "4050d8ff", blob.toString()).addErrno()).isEqualTo(Errno.EINVAL);
        assertThat(client.run(daemon.device(), "-a", "10", blob.toString()).addErrno()).isEqualTo(Errno.EFAULT);

        byte[] unsafe = DofWriter.builder().provider("../../etc", ProbeSpec.builder("f", "n").offsets(1).build()).build();
        Path unsafeFile = Files.write(tmp.resolve("unsafe.dof"), unsafe);
        assertThat(client.run(daemon.device(), unsafeFile.toString()).addErrno()).isEqualTo(Errno.EINVAL);

        // 50 at once, then a plain registration still works
        List<Process> burst = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            burst.add(client.start(daemon.device(), false, blob.toString()));
        }
        for (Process p : burst) {
            CClient.Result r = CClient.finish(p);
            assertThat(r.value("adddof", "gen")).as("%s", r).isPresent();
        }
        Waiting w = registerAndWait(daemon.device(), blob);
        assertThat(w.gen()).isGreaterThanOrEqualTo(0);
        removeAndFinish(w);
        ObjectNode stats = daemon.stats();
        assertThat(stats.get("parse_failures").toString()).contains("UNSAFE_NAME");
        assertThat(daemon.alive()).isTrue();
        assertThat(stashDump("summary")).as("stash-dump finds the live stash consistent").isZero();
    }

    /** Runs stash-dump in its own JVM beside the running daemon; returns its exit status. */
    private int stashDump(String view) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(ChildJvms.flags());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.dtprobed.stash.dump.StashDump",
                "--state-dir", tmp.resolve("state").toString(), view));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(out).isTrue();
        if (p.exitValue() != 0) {
            System.err.println(out);
        }
        return p.exitValue();
    }

    @Test
    void forkedChildrenReRegisteringAreParseCacheHits() throws Exception {
        Path regbench = compileRegbench();
        Path blob = Corpus.dir().resolve("libusdt-3.dof");
        long hitsBefore = daemon.stats().get("parse_cache_hits").asLong();
        Process p = new ProcessBuilder(regbench.toString(), "forkstorm", daemon.device().toString(), "40",
                blob.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(daemon.stats().get("parse_cache_hits").asLong() - hitsBefore).isGreaterThanOrEqualTo(40);
    }

    private Path compileRegbench() throws Exception {
        Path src = Corpus.repoRoot().resolve("scripts/bench/c/regbench.c");
        Path out = tmp.resolve("bin/regbench");
        Process gcc = new ProcessBuilder("gcc", "-O2", "-o", out.toString(), src.toString()).redirectErrorStream(true)
                .start();
        String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gcc.waitFor()).as(log).isZero();
        return out;
    }

    /** dtprobed's tst.manyprocs: 1,024 registering processes, every other one SIGKILLed before its REMOVE. */
    @Test
    void manyShortLivedProcessesLeaveOnlyLivePids() throws Exception {
        Path blob = Corpus.dir().resolve("libusdt-1.dof");
        List<Integer> killed = new ArrayList<>();
        for (int i = 0; i < 1024; i++) {
            Waiting w = registerAndWait(daemon.device(), blob);
            assertThat(w.gen()).as("%s", w.lines()).isGreaterThanOrEqualTo(0);
            if (i % 2 == 1) {
                w.process().destroyForcibly();
                w.process().waitFor();
                killed.add(w.pid());
            } else {
                removeAndFinish(w);
            }
        }
        for (int pid : killed) {
            daemon.awaitGone(pid);
        }
        assertThat(daemon.alive()).isTrue();
        awaitStashPids(0);
    }

    private int stashPids() {
        try {
            return daemon.stats().get("stash").get("pids").asInt();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void awaitStashPids(int expected) throws Exception {
        Await.until("the stash holds " + expected + " pids", Await.LIVENESS,
                () -> stashPids() == expected, () -> stashPids() + " pids");
    }

    /** dtprobed's tst.exec-dof-replacement: after exec only the new program's DOF is listed. */
    @Test
    void execIntoAnotherDofProgramLeavesOnlyTheNewDof() throws Exception {
        Path dir = tmp.resolve("bin");
        Path exec = compile(dir, "exec_client", "daemon/exec_client.c");
        Path second = Files.copy(client.binary(), dir.resolve("second_program")); // another inode: an exec
        byte[] failed = DofWriter.builder().provider("test_prov", ProbeSpec.builder("main", "failed").offsets(4).build())
                .build();
        byte[] succeeded = DofWriter.builder()
                .provider("test_prov", ProbeSpec.builder("main", "succeeded").offsets(8).build()).build();
        Path a = Files.write(tmp.resolve("failed.dof"), failed);
        Path b = Files.write(tmp.resolve("succeeded.dof"), succeeded);
        ProcessBuilder pb = new ProcessBuilder(exec.toString(), a.toString(), second.toString(), "-w", "-x",
                REMOVE_BY_VALUE, b.toString());
        pb.environment().put("DTRACE_DOF_INIT_DEVNAME", daemon.device().toString());
        Process p = pb.start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        int pid = -1;
        for (String line = r.readLine(); line != null && !line.equals("waiting"); line = r.readLine()) {
            if (line.startsWith("pid=")) {
                pid = Integer.parseInt(line.split("[= ]")[1]);
            }
        }
        assertThat(names(daemon.list("test_prov:::", pid))).containsExactly("test_prov:succeeded.dof:main:succeeded");
        p.destroyForcibly();
        p.waitFor();
    }

    /** dtprobed's tst.dlclose1: probes of a dlopen()ed library disappear at dlclose(). */
    @Test
    void dlcloseRemovesTheLibrarysProbes() throws Exception {
        Path dir = tmp.resolve("bin");
        byte[] dof = DofWriter.builder().relocations(true)
                .provider("test_prov", ProbeSpec.builder("go", "go").address(0x1100).offsets(4).build()).build();
        Path dofFile = Files.write(dir.resolve("livelib.dof"), dof);
        Path lib = dir.resolve("livelib.so");
        gcc("-shared", "-fPIC", "-O2", "-DDOF_FILE=\"" + dofFile + "\"", "-o", lib.toString(),
                src("daemon/usdt_lib.c").toString());
        Path driver = compile(dir, "dlopen_driver", "daemon/dlopen_driver.c", "-ldl");
        ProcessBuilder pb = new ProcessBuilder(driver.toString(), lib.toString());
        pb.environment().put("DTRACE_DOF_INIT_DEVNAME", daemon.device().toString());
        Process p = pb.start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(r.readLine()).startsWith("adddof gen=");
        assertThat(r.readLine()).isEqualTo("loaded");
        int pid = (int) p.pid();
        assertThat(names(daemon.list("test_prov:::", pid))).containsExactly("test_prov:livelib.so:go:go");
        new ProcessBuilder("kill", "-USR1", Integer.toString(pid)).start().waitFor();
        assertThat(r.readLine()).startsWith("remove ");
        assertThat(r.readLine()).isEqualTo("closed");
        daemon.awaitGone(pid);
        assertThat(p.isAlive()).isTrue();
        p.destroyForcibly();
        p.waitFor();
    }

    private Path compile(Path dir, String name, String source, String... libs) throws Exception {
        Path out = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("-O2", "-Wall", "-I" + CSources.DIR, "-o", out.toString(),
                src(source).toString()));
        args.addAll(List.of(libs));
        gcc(args.toArray(String[]::new));
        return out;
    }

    private static Path src(String relative) {
        return CSources.DIR.resolve(relative);
    }

    private static void gcc(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("gcc", "-I" + CSources.DIR));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("gcc %s: %s", cmd, log).isZero();
    }

    /** Where the C sources of the tests are. */
    static final class CSources {
        static final Path DIR = Path.of("src/test/c").toAbsolutePath();

        private CSources() {
        }
    }

    /** kill -9 of the daemon in a storm of registrations loses none whose ioctl had returned. */
    @Test
    void killDashNineDuringAStormLosesNoCommittedRegistration() throws Exception {
        Path state = tmp.resolve("state-kill");
        String name = "dtrace/e2e-kill-" + ProcessHandle.current().pid();
        DaemonProcess victim = DaemonProcess.start(state, name, jars.jars());
        Path blob = Corpus.dir().resolve("libusdt-5.dof");
        List<Waiting> ok = new ArrayList<>();
        List<Process> all = new ArrayList<>();
        // the kill comes once some registrations have been acknowledged, while the loop goes on
        // registering: a moment in the storm, not in wall time
        java.util.concurrent.CountDownLatch acknowledged = new java.util.concurrent.CountDownLatch(5);
        Thread killer = new Thread(() -> {
            try {
                acknowledged.await();
                victim.kill9();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        killer.start();
        while (killer.isAlive()) {
            Waiting w = registerAndWait(victim.device(), blob);
            all.add(w.process());
            if (w.gen() >= 0) {
                ok.add(w);
                acknowledged.countDown();
            }
        }
        killer.join();
        assertThat(ok).as("some registrations succeeded before the kill").isNotEmpty();
        try (DaemonProcess again = DaemonProcess.start(state, name, jars.jars())) {
            for (Waiting w : ok) {
                assertThat(again.list("", w.pid())).as("pid %d gen %d after kill -9", w.pid(), w.gen())
                        .isNotEmpty().allMatch(e -> e.generation() == w.gen());
            }
            Waiting after = registerAndWait(again.device(), blob);
            assertThat(after.gen()).as("serving again: %s", after.lines()).isGreaterThanOrEqualTo(0);
            all.add(after.process());
        } finally {
            for (Process p : all) {
                p.destroyForcibly();
            }
        }
    }
}
