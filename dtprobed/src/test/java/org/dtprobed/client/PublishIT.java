package org.dtprobed.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.dtprobed.daemon.DaemonProcess;
import org.dtprobed.fuse.LibusdtDriver;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.testkit.Await;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dtprobe publish} through the whole daemon, and Debian's {@code perf} recording the
 * published events with their argument values: a program built with Oracle's {@code dtrace -G}
 * (drti.o registers its DOF at start-up), a C program with probe sites in its own text (its DOF
 * written by DofWriter), and unmodified libusdt (probes in a deleted file, reached through {@code
 * /proc/PID/map_files}). The events follow the
 * registrations: a process that registers while publish runs gets its events, one that exits loses
 * them, and SIGTERM removes every event publish made.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.UPROBES, Capability.GCC, Capability.NPM, Capability.PERF})
class PublishIT {
    private static final long WAIT_SECONDS = 90;

    @TempDir
    Path tmp;

    @Test
    void perfRecordsPublishedDofProbesWithArgumentValues() throws Exception {
        TraceFs fs = TraceFs.locate(null);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path binary = ProbeProgram.build(tmp, true);
        Path dof = Files.write(tmp.resolve("probeprog.dof"), ProbeProgram.dofOf(binary));
        Path driver = LibusdtDriver.build(Files.createDirectories(tmp.resolve("usdt")));
        Path holdprog = OracleDtrace.holdprog(Files.createDirectories(tmp.resolve("oracle")));
        Path commands = fifo("commands");
        Path done = fifo("done");
        try (ChildJars jars = ChildJars.create();
             DaemonProcess daemon = DaemonProcess.start(tmp.resolve("state"),
                     "dtrace/publish-" + ProcessHandle.current().pid(), jars.jars(), "--prune-interval", "1s")) {
            Process publish = new ProcessBuilder(ChildJvm.dtprobe(ChildJvm.classpath(), "--socket",
                    daemon.socket().toString(), "publish", "qtest:::", "jtransport:::", "holdprov:::")).start();
            BlockingQueue<String> published = UprobeTraceIT.lines(publish.getInputStream());
            BlockingQueue<String> publishErr = UprobeTraceIT.lines(publish.getErrorStream());
            List<Process> started = new ArrayList<>();
            ProbeProgram prog = null;
            try {
                assertThat(publishErr.poll(WAIT_SECONDS, TimeUnit.SECONDS)).contains("publishing qtest::: jtransport::: holdprov:::");
                // both register after publish started: their events come as they register
                prog = ProbeProgram.start(binary, Map.of("PROBEPROG_DOF", dof.toString(),
                        "DTRACE_DOF_INIT_DEVNAME", daemon.device().toString()));
                ProcessBuilder hb = new ProcessBuilder(holdprog.toString());
                hb.environment().put("DTRACE_DOF_INIT_DEVNAME", daemon.device().toString());
                Process hold = hb.redirectErrorStream(true).start();
                started.add(hold);
                int holdPid = Integer.parseInt(poll(UprobeTraceIT.lines(hold.getInputStream())).substring(6).strip());
                List<String> cmd = new ArrayList<>(List.of("sh", "-c", "exec \"$@\" < " + commands, "sh"));
                cmd.addAll(LibusdtDriver.command(driver, daemon.device().toRealPath(), "fire"));
                Process usdt = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                started.add(usdt);
                OutputStream toUsdt = Files.newOutputStream(commands); // opens once the driver's shell reads it
                BlockingQueue<String> usdtOut = UprobeTraceIT.lines(usdt.getInputStream());
                int usdtPid = Integer.parseInt(poll(usdtOut).substring("pid=".length()));
                assertThat(poll(usdtOut)).isEqualTo("enable rc=0");
                String q = "qtest" + prog.pid;
                String j = "jtransport" + usdtPid;
                String h = "holdprov" + holdPid;
                List<String> added = take(published, 7); // alpha, beta, never; req_done, tick; p1, p2
                assertThat(added).contains("+ " + h + ":req_done  " + h + ":holdprog:main:req_done",
                        "+ " + h + ":tick  " + h + ":holdprog:main:tick");
                String holdFile = holdprog.toRealPath().toString();
                assertThat(fs.uprobes()).anyMatch(l -> l.startsWith("p:" + h + "/req_done " + holdFile + ":0x")
                        && l.endsWith(" arg0=%di:s32 arg1=+0(%si):string"))
                        .anyMatch(l -> l.startsWith("p:" + h + "/tick ") && l.endsWith(" arg0=%di:s64"));
                assertThat(added).contains("+ " + q + ":alpha  " + q + ":" + binary.getFileName() + ":fire_alpha:alpha",
                        "+ " + q + ":beta  " + q + ":" + binary.getFileName() + ":fire_beta:beta",
                        "+ " + j + ":p1  " + j + ":drivermod:func:p1", "+ " + j + ":p2  " + j + ":drivermod:func:p2");
                assertThat(fs.uprobes()).anyMatch(l -> l.startsWith("p:" + j + "/p1 /proc/" + usdtPid + "/map_files/")
                        && l.endsWith(" arg0=%di:s32 arg1=+0(%si):string"));

                // perf records system-wide while its workload makes both fire: a second process of
                // the probe program's binary (uprobes are per file, so its hits are the event's
                // too) and the driver, told through the fifo; the workload ends when the test says so
                Path data = tmp.resolve("perf.data");
                String workload = "echo 'fire 2' > " + commands + " && echo 'fire 2 1' | " + binary
                        + " > /dev/null && echo 'fire 2' | DTRACE_DOF_INIT_DISABLE=1 " + holdprog
                        + " > /dev/null && read x < " + done;
                Process perf = new ProcessBuilder("perf", "record", "-q", "-a", "-o", data.toString(),
                        "-e", q + ":alpha", "-e", q + ":beta", "-e", j + ":p1", "-e", j + ":p2",
                        "-e", h + ":req_done", "-e", h + ":tick",
                        "--", "sh", "-c", workload).redirectErrorStream(true).start();
                started.add(perf);
                BlockingQueue<String> perfOut = UprobeTraceIT.lines(perf.getInputStream());
                assertThat(poll(usdtOut)).as("the driver fired").isEqualTo("fired");
                try (OutputStream d = Files.newOutputStream(done)) {
                    d.write("done\n".getBytes(StandardCharsets.US_ASCII));
                }
                assertThat(perf.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
                assertThat(perf.exitValue()).as("perf record: %s", perfOut).isZero();
                Process script = new ProcessBuilder("perf", "script", "-i", data.toString(), "-F", "event,trace")
                        .redirectErrorStream(true).start();
                List<String> hits = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                        .lines().map(String::strip).toList();
                assertThat(script.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
                assertThat(hits).filteredOn(l -> l.startsWith(q + ":alpha:")).extracting(PublishIT::args)
                        .containsExactly("arg0=0", "arg0=1");
                assertThat(hits).filteredOn(l -> l.startsWith(q + ":beta:")).extracting(PublishIT::args)
                        .containsExactly("arg0=0");
                assertThat(hits).filteredOn(l -> l.startsWith(h + ":req_done:")).extracting(PublishIT::args)
                        .containsExactly("arg0=0 arg1=\"req 0\"", "arg0=1 arg1=\"req 1\"");
                assertThat(hits).filteredOn(l -> l.startsWith(h + ":tick:")).extracting(PublishIT::args)
                        .containsExactly("arg0=0", "arg0=1000000007");
                assertThat(hits).filteredOn(l -> l.startsWith(j + ":p1:")).extracting(PublishIT::args)
                        .containsExactly("arg0=0 arg1=\"hello 0\"", "arg0=1 arg1=\"hello 1\"");
                assertThat(hits).filteredOn(l -> l.startsWith(j + ":p2:")).extracting(PublishIT::args)
                        .containsExactly("arg0=\"world 0\"", "arg0=\"world 1\"");

                // a process that goes loses its events
                toUsdt.close(); // EOF: the driver disables its provider and exits
                assertThat(usdt.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
                List<String> removed = take(published, 2);
                assertThat(removed).containsExactlyInAnyOrder("- " + j + ":p1", "- " + j + ":p2");
                assertThat(fs.uprobes()).noneMatch(l -> l.startsWith("p:" + j + "/"));

                // SIGTERM removes the rest
                publish.destroy();
                assertThat(publish.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
                assertThat(fs.uprobes()).noneMatch(l -> l.startsWith("p:" + q + "/"));
            } finally {
                if (prog != null) {
                    prog.close();
                }
                publish.destroyForcibly();
                started.forEach(Process::destroyForcibly);
            }
        }
    }

    /** What follows the event and the address in a {@code perf script -F event,trace} line. */
    private static String args(String line) {
        return line.substring(line.indexOf(") ") + 2).strip();
    }

    private Path fifo(String name) throws IOException, InterruptedException {
        Path f = tmp.resolve(name);
        assertThat(new ProcessBuilder("mkfifo", "-m", "600", f.toString()).start().waitFor()).isZero();
        return f;
    }

    private static String poll(BlockingQueue<String> q) throws InterruptedException {
        String l = q.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(l).as("a line").isNotNull();
        return l;
    }

    private static List<String> take(BlockingQueue<String> q, int n) throws InterruptedException {
        List<String> got = new ArrayList<>();
        while (got.size() < n) {
            String l = q.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(l).as("line %d of %d (so far %s)", got.size() + 1, n, got).isNotNull();
            got.add(l);
        }
        return got;
    }
}
