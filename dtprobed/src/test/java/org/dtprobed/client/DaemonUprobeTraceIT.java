package org.dtprobed.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.dtprobed.daemon.DaemonProcess;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The uprobe proof through the whole daemon: a C program with real probe sites registers its DOF
 * (DofWriter, relocations) at start-up through the helper device, the daemon parses it in the jail
 * and commits it, and {@code dtprobe trace} arms uprobes at the sites the daemon reports and sees
 * exactly the probes the program fires.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.UPROBES, Capability.GCC})
class DaemonUprobeTraceIT {
    private static final long WAIT_SECONDS = 90;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "pie={0}")
    @ValueSource(booleans = {true, false})
    void traceThroughTheDaemonSeesExactlyTheFiredProbes(boolean pie) throws Exception {
        TraceFs.locate(null);
        Path binary = ProbeProgram.build(tmp, pie);
        Path dof = Files.write(tmp.resolve("probeprog.dof"), ProbeProgram.dofOf(binary));
        try (ChildJars jars = ChildJars.create();
             DaemonProcess daemon = DaemonProcess.start(tmp.resolve("state"),
                     "dtrace/trace-" + ProcessHandle.current().pid() + (pie ? "-pie" : ""), jars.jars());
             ProbeProgram prog = ProbeProgram.start(binary, Map.of("PROBEPROG_DOF", dof.toString(),
                     "DTRACE_DOF_INIT_DEVNAME", daemon.device().toString()))) {
            assertThat(daemon.list("qtest:::", prog.pid)).hasSize(3);
            Process tracer = new ProcessBuilder(ChildJvm.dtprobe(ChildJvm.classpath(), "--socket",
                    daemon.socket().toString(), "trace", "-p", String.valueOf(prog.pid), "qtest:::")).start();
            BlockingQueue<String> out = UprobeTraceIT.lines(tracer.getInputStream());
            BlockingQueue<String> err = UprobeTraceIT.lines(tracer.getErrorStream());
            try {
                assertThat(err.poll(WAIT_SECONDS, TimeUnit.SECONDS)).as("tracer start-up line")
                        .contains("tracing 3 probes at 3 sites");
                prog.fire(3, 2);
                prog.fire(1, 0); // a last alpha after the others: anything stray comes before it
                List<String> hits = new ArrayList<>();
                while (hits.size() < 6) {
                    String l = out.poll(WAIT_SECONDS, TimeUnit.SECONDS);
                    assertThat(l).as("hit %d (so far %s)", hits.size() + 1, hits).isNotNull();
                    hits.add(l);
                }
                String prefix = " " + prog.pid + " qtest" + prog.pid + ":" + binary.getFileName() + ":";
                assertThat(hits).allMatch(h -> h.contains(prefix));
                assertThat(hits).filteredOn(h -> h.contains(":fire_alpha:alpha ")).hasSize(4);
                assertThat(hits).filteredOn(h -> h.contains(":fire_beta:beta ")).hasSize(2);
                assertThat(hits.get(5)).endsWith(":fire_alpha:alpha 0"); // fire_alpha(0), its argument traced
            } finally {
                tracer.destroy();
                assertThat(tracer.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            }
            List<String> rest = new ArrayList<>();
            out.drainTo(rest);
            assertThat(rest).noneMatch(l -> l.contains("never"));
        }
    }
}
