package org.dtprobed.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
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
 * Runtime probes of unmodified libusdt (npm dtrace-provider@0.8.8) traced with their argument
 * values through the whole daemon. libusdt maps each probe's code from a file it deleted at once,
 * so the registered path names nothing: the tracer reaches the object through {@code
 * /proc/PID/map_files/START-END}, and the probes' {@code int} and {@code char *} arguments are
 * read from the registers and the process.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.UPROBES, Capability.GCC, Capability.NPM})
class LibusdtTraceIT {
    private static final long WAIT_SECONDS = 90;

    @TempDir
    Path tmp;

    @Test
    void probesInADeletedMappingFireWithTheirArguments() throws Exception {
        TraceFs fs = TraceFs.locate(null);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path driver = LibusdtDriver.build(Files.createDirectories(tmp.resolve("usdt")));
        try (ChildJars jars = ChildJars.create();
             DaemonProcess daemon = DaemonProcess.start(tmp.resolve("state"),
                     "dtrace/usdt-trace-" + ProcessHandle.current().pid(), jars.jars())) {
            Process prog = new ProcessBuilder(LibusdtDriver.command(driver, daemon.device().toRealPath(), "fire"))
                    .redirectErrorStream(true).start();
            BlockingQueue<String> progOut = UprobeTraceIT.lines(prog.getInputStream());
            Process tracer = null;
            try {
                int pid = Integer.parseInt(next(progOut).substring("pid=".length()));
                assertThat(next(progOut)).isEqualTo("enable rc=0");
                assertThat(daemon.list("jtransport:::", pid)).hasSize(2)
                        .allSatisfy(p -> assertThat(Path.of(p.mapping().path())).doesNotExist());
                tracer = new ProcessBuilder(ChildJvm.dtprobe(ChildJvm.classpath(), "--socket",
                        daemon.socket().toString(), "trace", "-p", String.valueOf(pid), "jtransport:::")).start();
                BlockingQueue<String> out = UprobeTraceIT.lines(tracer.getInputStream());
                BlockingQueue<String> err = UprobeTraceIT.lines(tracer.getErrorStream());
                assertThat(err.poll(WAIT_SECONDS, TimeUnit.SECONDS)).as("tracer start-up line")
                        .contains("tracing 2 probes at 2 sites");
                String prefix = "dtprobe_" + tracer.pid() + "_";
                assertThat(fs.uprobes()).filteredOn(l -> l.contains(prefix)).hasSize(2)
                        .allMatch(l -> l.contains("/proc/" + pid + "/map_files/"))
                        .anyMatch(l -> l.endsWith("arg0=%di:s32 arg1=+0(%si):string"))
                        .anyMatch(l -> l.endsWith("arg0=+0(%di):string"));

                OutputStream in = prog.getOutputStream();
                in.write("fire 3\n".getBytes(StandardCharsets.US_ASCII));
                in.flush();
                assertThat(next(progOut)).isEqualTo("fired");
                List<String> hits = new ArrayList<>();
                while (hits.size() < 6) {
                    String l = out.poll(WAIT_SECONDS, TimeUnit.SECONDS);
                    assertThat(l).as("hit %d (so far %s)", hits.size() + 1, hits).isNotNull();
                    hits.add(l);
                }
                String probe = " " + pid + " jtransport" + pid + ":drivermod:func:";
                assertThat(hits).filteredOn(h -> h.contains(probe + "p1 ")).extracting(h -> h.substring(h.indexOf(
                        probe) + probe.length())).containsExactly("p1 0 \"hello 0\"", "p1 1 \"hello 1\"",
                        "p1 2 \"hello 2\"");
                assertThat(hits).filteredOn(h -> h.contains(probe + "p2 ")).extracting(h -> h.substring(h.indexOf(
                        probe) + probe.length())).containsExactly("p2 \"world 0\"", "p2 \"world 1\"",
                        "p2 \"world 2\"");
            } finally {
                if (tracer != null) {
                    tracer.destroy();
                    assertThat(tracer.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
                    long self = tracer.pid();
                    Await.until("the tracer's uprobes are gone", () -> {
                        try {
                            return fs.uprobes().stream().noneMatch(l -> l.contains("dtprobe_" + self + "_"));
                        } catch (java.io.IOException e) {
                            return false;
                        }
                    });
                }
                prog.getOutputStream().close(); // EOF: the driver disables its provider and exits
                assertThat(prog.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    private static String next(BlockingQueue<String> q) throws InterruptedException {
        String l = q.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(l).as("a line from the driver").isNotNull();
        return l;
    }
}
