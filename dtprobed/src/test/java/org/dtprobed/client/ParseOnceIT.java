package org.dtprobed.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.dtprobed.daemon.DaemonProcess;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, "parse once per object": processes of a PIE that uses a shared library built with
 * Oracle's {@code dtrace -G} each register the library's DOF at the library's own load base (ASLR).
 * The daemon parses that DOF once, for every base and whether the registrations come at once or
 * one after another, and gives each process its own absolute sites: the same file offsets in the
 * library, at that process's addresses.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.GCC})
class ParseOnceIT {
    private static final int AT_ONCE = 8;
    private static final int ONE_BY_ONE = 4;

    @TempDir
    Path tmp;

    @Test
    void oneParseForEveryProcessOfASharedLibraryAtItsOwnBase() throws Exception {
        OracleDtrace.TreePrograms programs = OracleDtrace.treePrograms(Files.createDirectories(tmp.resolve("oracle")));
        Path treepie = programs.treepie();
        List<Process> started = new ArrayList<>();
        try (ChildJars jars = ChildJars.create();
             DaemonProcess daemon = DaemonProcess.start(tmp.resolve("state"),
                     "dtrace/parseonce-" + ProcessHandle.current().pid(), jars.jars())) {
            ObjectNode before = daemon.stats();
            // started together: their constructors register the same DOF concurrently
            List<Process> batch = new ArrayList<>();
            for (int i = 0; i < AT_ONCE; i++) {
                batch.add(start(treepie, daemon));
            }
            started.addAll(batch);
            List<Integer> pids = new ArrayList<>();
            for (Process p : batch) {
                pids.add(ready(p));
            }
            for (int i = 0; i < ONE_BY_ONE; i++) {
                Process p = start(treepie, daemon);
                started.add(p);
                pids.add(ready(p));
            }
            ObjectNode after = daemon.stats();
            assertThat(after.get("parses").asLong() - before.get("parses").asLong()).as("parses").isEqualTo(1);
            assertThat(after.get("parse_cache_hits").asLong() - before.get("parse_cache_hits").asLong())
                    .as("parse cache hits").isEqualTo(AT_ONCE + ONE_BY_ONE - 1);

            Set<Long> bases = new HashSet<>();
            Set<List<Long>> fileOffsets = new HashSet<>();
            for (int pid : pids) {
                List<ProbeEntry> probes = daemon.list("treelib:::", pid);
                assertThat(probes).as("pid %d", pid).extracting(ProbeEntry::fullName).containsExactlyInAnyOrder(
                        "treelib" + pid + ":libtreelib.so:treelib_fire:lib_call",
                        "treelib" + pid + ":libtreelib.so:treelib_fire:lib_done");
                assertThat(probes).allSatisfy(e -> {
                    assertThat(e.mapping().path()).endsWith("/libtreelib.so");
                    assertThat(e.sites()).isNotEmpty();
                });
                bases.add(probes.get(0).mapping().base());
                assertThat(probes).extracting(e -> e.mapping().base()).as("one base per process").containsOnly(
                        probes.get(0).mapping().base());
                fileOffsets.add(probes.stream().flatMap(e -> e.sites().stream().map(s -> e.mapping().fileOffset(s.address())))
                        .sorted().toList());
            }
            assertThat(bases).as("ASLR put the library at a base of its own in each process").hasSizeGreaterThan(1);
            assertThat(fileOffsets).as("every process's sites are the same places in the library").hasSize(1);
            long size = Files.size(programs.libtreelib());
            assertThat(fileOffsets.iterator().next()).allSatisfy(o -> assertThat(o).isBetween(0L, size - 1));
        } finally {
            for (Process p : started) {
                p.destroyForcibly();
            }
        }
    }

    private static Process start(Path program, DaemonProcess daemon) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(program.toString()).redirectErrorStream(true);
        pb.environment().put("DTRACE_DOF_INIT_DEVNAME", daemon.device().toString());
        return pb.start();
    }

    /** "ready PID" comes after the library's constructor, whose ADDDOF returns after the commit. */
    private static int ready(Process p) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        assertThat(line).as("treepie's first line").startsWith("ready ");
        return Integer.parseInt(line.substring("ready ".length()).strip());
    }
}
