package org.dtprobed.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.dtprobed.adopt.ElfReader;
import org.dtprobed.adopt.ElfSource;
import org.dtprobed.daemon.DaemonProcess;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.stash.dump.StashDump;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, "adopt" and "the negative cache for binaries without probes", with programs built by
 * Oracle's {@code dtrace -G}: processes started before the daemon (their drti found no device)
 * are listed after its start-up scan exactly as a drti registration lists them; a copy of
 * {@code sleep} goes to the negative cache, shows in {@code stash-dump negative} with its path and
 * is answered from it after a restart without being opened; a library whose file is replaced in
 * place by one with {@code .SUNW_dof} is examined again and adopted; a later ADDDOF of an adopted
 * object gets the adopted generation.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.GCC})
class AdoptIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void processesStartedBeforeTheDaemonAreAdoptedAndBinariesWithoutProbesAreRemembered() throws Exception {
        Path oracle = Files.createDirectories(tmp.resolve("oracle"));
        Path holdprog = OracleDtrace.holdprog(oracle);
        Path treepie = OracleDtrace.treePrograms(oracle).treepie();
        Path sleep = Files.copy(Path.of("/bin/sleep"), tmp.resolve("nodofsleep"));
        Path plainDir = Files.createDirectories(tmp.resolve("plain"));
        Path plainUser = plainTreepie(plainDir, treepie);
        Files.copy(Path.of("src/test/c/oracle/reregister.c"), oracle.resolve("reregister.c"));
        run(oracle, "gcc", "-O2", "-pie", "-fPIE", "-o", "reregister", "reregister.c", "-L.", "-ltreelib",
                "-Wl,-rpath,$ORIGIN");
        long dofOffset;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(oracle.resolve("libtreelib.so"))) {
            dofOffset = ElfReader.read(ElfSource.of(ch)).dofAddress();
        }
        Path state = tmp.resolve("state");
        String device = "dtrace/adopt-" + ProcessHandle.current().pid();
        List<Process> started = new ArrayList<>();
        try (ChildJars jars = ChildJars.create()) {
            // before the daemon: drti finds no device and registers nothing
            Process hold = start(started, holdprog.toString());
            Process lib = start(started, treepie.toString());
            Process sl = start(started, sleep.toString(), "1000");
            Process plain = start(started, plainUser.toString());
            ProcessBuilder rb = new ProcessBuilder(oracle.resolve("reregister").toString(), Long.toString(dofOffset))
                    .redirectErrorStream(true);
            rb.environment().put("DTRACE_DOF_INIT_DEVNAME", "/dev/" + device); // not there yet: drti fails
            Process rereg = rb.start();
            started.add(rereg);
            BufferedReader reregOut = new BufferedReader(new InputStreamReader(rereg.getInputStream(),
                    StandardCharsets.UTF_8));
            int reregPid = ready(reregOut);
            int holdPid = ready(hold);
            int libPid = ready(lib);
            int plainPid = ready(plain);
            int sleepPid = (int) sl.pid();

            List<ProbeEntry> holdAdopted;
            List<ProbeEntry> libAdopted;
            try (DaemonProcess daemon = DaemonProcess.start(state, device, jars.jars(), "--scan")) {
                holdAdopted = daemon.list("holdprov:::", holdPid);
                assertThat(holdAdopted).extracting(ProbeEntry::fullName).containsExactlyInAnyOrder(
                        "holdprov" + holdPid + ":holdprog:main:req_done", "holdprov" + holdPid + ":holdprog:main:tick");
                libAdopted = daemon.list("treelib:::", libPid);
                assertThat(libAdopted).extracting(ProbeEntry::fullName).containsExactlyInAnyOrderElementsOf(
                        treelibProbes(libPid));
                assertThat(holdAdopted).allMatch(ProbeEntry::adopted);
                assertThat(libAdopted).allMatch(ProbeEntry::adopted);
                ObjectNode stats = daemon.stats();
                assertThat(stats.get("adopted").asLong()).isGreaterThanOrEqualTo(2);
                assertThat(stats.get("objects_examined").asLong()).isPositive();

                // what drti registers for the same programs, started now: the same probes and places
                Process hold2 = start(started, holdprog.toString(), daemon);
                Process lib2 = start(started, treepie.toString(), daemon);
                int hold2Pid = ready(hold2);
                int lib2Pid = ready(lib2);
                assertThat(sites(daemon.list("holdprov:::", hold2Pid))).isEqualTo(sites(holdAdopted));
                assertThat(daemon.list("holdprov:::", hold2Pid)).noneMatch(ProbeEntry::adopted);
                assertThat(fileOffsets(daemon.list("treelib:::", lib2Pid))).isEqualTo(fileOffsets(libAdopted));

                // sleep has no DOF: remembered with its path, and a rescan opens nothing of it
                try (DtprobedClient c = DtprobedClient.connect(daemon.socket())) {
                    ObjectNode again = c.scan(OptionalInt.of(sleepPid));
                    assertThat(again.get("objects_examined").asInt()).isZero();
                    assertThat(again.get("negative_cache_hits").asInt()).isPositive();
                    assertThat(again.get("adopted").asInt()).isZero();
                }
                // drti's ADDDOF of the adopted library, repeated by its process: the adopted generation
                List<ProbeEntry> reregAdopted = daemon.list("treelib:::", reregPid);
                assertThat(reregAdopted).hasSize(2).allMatch(ProbeEntry::adopted);
                rereg.getOutputStream().write("again\n".getBytes(StandardCharsets.US_ASCII));
                rereg.getOutputStream().flush();
                assertThat(nextLine(reregOut, "gen ")).isEqualTo("gen " + reregAdopted.get(0).generation());
                assertThat(daemon.list("treelib:::", reregPid)).as("no duplicate").isEqualTo(reregAdopted);
                assertThat(negativePaths(state)).contains(sleep.toRealPath().toString());
                assertThat(adoptedInStashDump(state)).contains(holdPid, libPid);
                assertThat(daemon.stop()).isZero();
            }

            // after a restart the start-up scan answers sleep from the persisted cache
            try (DaemonProcess daemon = DaemonProcess.start(state, device, jars.jars(), "--scan")) {
                assertThat(daemon.list("holdprov:::", holdPid)).as("the adopted registration survived, marked")
                        .hasSize(2).allMatch(ProbeEntry::adopted);
                try (DtprobedClient c = DtprobedClient.connect(daemon.socket())) {
                    ObjectNode again = c.scan(OptionalInt.of(sleepPid));
                    assertThat(again.get("objects_examined").asInt()).isZero();
                }
                assertThat(daemon.log()).containsPattern("scan of \\d+ processes: \\d+ objects examined, [1-9]\\d*"
                        + " from the negative cache");

                // the plain library replaced in place by the -G build: examined again, adopted
                try (DtprobedClient c = DtprobedClient.connect(daemon.socket())) {
                    assertThat(c.scan(OptionalInt.of(plainPid)).get("adopted").asInt()).isZero();
                    Path plainLib = plainDir.resolve("libtreelib.so");
                    Files.write(plainLib, Files.readAllBytes(oracle.resolve("libtreelib.so")),
                            StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                    ObjectNode replaced = c.scan(OptionalInt.of(plainPid));
                    assertThat(replaced.get("objects_examined").asInt()).isPositive();
                    assertThat(replaced.get("adopted").asInt()).isEqualTo(1);
                }
                assertThat(daemon.list("treelib:::", plainPid)).extracting(ProbeEntry::fullName)
                        .containsExactlyInAnyOrderElementsOf(treelibProbes(plainPid));
            }
        } finally {
            for (Process p : started) {
                p.destroyForcibly();
            }
        }
    }

    /** treepie linked against a libtreelib.so built without dtrace -G (no .SUNW_dof, no drti). */
    private static Path plainTreepie(Path dir, Path treepie) throws Exception {
        Files.writeString(dir.resolve("plain.c"), "void treelib_fire(int n) { (void) n; }\n");
        run(dir, "gcc", "-shared", "-fPIC", "-o", "libtreelib.so", "plain.c");
        Files.copy(treepie.resolveSibling("treehost.c"), dir.resolve("treehost.c"), StandardCopyOption.REPLACE_EXISTING);
        run(dir, "gcc", "-O2", "-DLINKED_LIB", "-o", "treepie", "treehost.c", "-L.", "-ltreelib", "-Wl,-rpath,$ORIGIN",
                "-ldl", "-lpthread");
        return dir.resolve("treepie");
    }

    /** The probes libtreelib.so's DOF gives a process. */
    private static List<String> treelibProbes(int pid) {
        return List.of("treelib" + pid + ":libtreelib.so:treelib_fire:lib_call",
                "treelib" + pid + ":libtreelib.so:treelib_fire:lib_done");
    }

    private static List<ProbeEntry.Site> sites(List<ProbeEntry> probes) {
        return probes.stream().sorted(java.util.Comparator.comparing(ProbeEntry::name))
                .flatMap(e -> e.sites().stream()).toList();
    }

    private static List<Long> fileOffsets(List<ProbeEntry> probes) {
        return probes.stream().flatMap(e -> e.sites().stream().map(s -> e.mapping().fileOffset(s.address()))).toList();
    }

    private static List<String> negativePaths(Path state) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int rc = StashDump.run(new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, StandardCharsets.UTF_8), "--json", "--state-dir", state.toString(),
                "negative");
        assertThat(rc).as("stash-dump: %s", err).isZero();
        List<String> paths = new ArrayList<>();
        for (JsonNode e : JSON.readTree(out.toByteArray()).path("negative")) {
            paths.add(e.path("path").asText());
        }
        return paths;
    }

    private static List<Integer> adoptedInStashDump(Path state) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int rc = StashDump.run(new java.io.PrintStream(out, true, StandardCharsets.UTF_8), System.err, "--json",
                "--state-dir", state.toString(), "registrations");
        assertThat(rc).isZero();
        List<Integer> pids = new ArrayList<>();
        for (JsonNode r : JSON.readTree(out.toByteArray()).path("registrations")) {
            if (r.path("adopted").asBoolean()) {
                pids.add(r.path("pid").asInt());
            }
        }
        return pids;
    }

    private static Process start(List<Process> started, String... cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("DTRACE_DOF_INIT_DEVNAME", "/dev/dtrace/no-such-device");
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private static Process start(List<Process> started, String cmd, DaemonProcess daemon) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("DTRACE_DOF_INIT_DEVNAME", daemon.device().toString());
        Process p = pb.start();
        started.add(p);
        return p;
    }

    /** The first line that says "ready PID" (drti's complaints about the device come before it). */
    private static int ready(Process p) throws IOException {
        return ready(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
    }

    private static int ready(BufferedReader r) throws IOException {
        return Integer.parseInt(nextLine(r, "ready ").substring("ready ".length()).strip());
    }

    private static String nextLine(BufferedReader r, String prefix) throws IOException {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new AssertionError("no line starting with '" + prefix + "'");
    }

    private static void run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).inheritIO().start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s", List.of(cmd)).isZero();
    }
}
