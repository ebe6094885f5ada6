package org.dtprobed.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.query.ProbeIndex;
import org.dtprobed.testkit.Await;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The end-to-end proof of the addresses: a gcc-built program with probe sites in its own text is
 * registered (DOF from DofWriter, parsed for its live load base, its live mapping); {@code dtprobe
 * trace}, a child JVM asking the real query server, arms kernel uprobes from what the server
 * reports; the program fires some probes; exactly those hits appear, and every uprobe is gone
 * after the tracer is stopped with SIGTERM (as Ctrl-C would).
 */
@Requires({Capability.ROOT, Capability.UPROBES, Capability.GCC})
public class UprobeTraceIT {
    /** Generous bound on waiting for an event; a liveness limit on a 2-core machine, never a timing assertion. */
    private static final long WAIT_SECONDS = 90;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "pie={0}")
    @ValueSource(booleans = {true, false})
    void traceSeesExactlyTheProbesTheProgramFires(boolean pie) throws Exception {
        TraceFs fs = TraceFs.locate(null); // fails, with the reason, on a kernel without uprobe events
        Path binary = ProbeProgram.build(tmp, pie);
        ProbeIndex index = new ProbeIndex();
        try (ProbeProgram prog = ProbeProgram.start(binary);
             ServerFixture server = new ServerFixture(tmp, index, Duration.ofSeconds(15))) {
            List<ProbeEntry> probes = prog.register(0, 1);
            assertThat(probes).hasSize(3);
            index.add(probes);
            String module = binary.getFileName().toString();
            String prov = "qtest" + prog.pid;

            Process tracer = new ProcessBuilder(ChildJvm.dtprobe(ChildJvm.classpath(), "--socket",
                    server.socket.toString(), "trace", "-p", String.valueOf(prog.pid), "qtest:::")).start();
            BlockingQueue<String> out = lines(tracer.getInputStream());
            BlockingQueue<String> err = lines(tracer.getErrorStream());
            String armed = err.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(armed).as("tracer start-up line").isNotNull().contains("tracing 3 probes at 3 sites");
            String prefix = "dtprobe_" + tracer.pid() + "_";
            assertThat(fs.uprobes()).filteredOn(l -> l.contains(prefix)).hasSize(3)
                    .allSatisfy(l -> assertThat(l).contains(binary.toRealPath().toString()));

            prog.fire(3, 2);
            List<String> hits = take(out, 5);
            prog.fire(1, 0); // a last hit after the others: anything stray would have come before it
            hits.addAll(take(out, 1));

            // each hit with its argument: fire_alpha(i) and fire_beta(i) for i = 0, 1, ...
            assertThat(hits).allSatisfy(h -> assertThat(h).matches("\\S+Z " + prog.pid + " " + prov + ":"
                    + module + ":fire_(alpha|beta):(alpha|beta) \\d+"));
            assertThat(hits.stream().filter(h -> h.contains(":fire_alpha:alpha ")).map(UprobeTraceIT::lastWord))
                    .containsExactly("0", "1", "2", "0");
            assertThat(hits.stream().filter(h -> h.contains(":fire_beta:beta ")).map(UprobeTraceIT::lastWord))
                    .containsExactly("0", "1");
            assertThat(hits.get(5)).endsWith(":alpha 0");
            assertThat(fs.uprobes()).filteredOn(l -> l.contains(prefix)).allMatch(l -> l.contains("arg0=%di:s32"));

            tracer.destroy(); // SIGTERM: the shutdown hook removes what the tracer made, as on Ctrl-C
            assertThat(tracer.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            List<String> rest = new ArrayList<>();
            out.drainTo(rest);
            assertThat(rest).as("no hit for the probe never fired").noneMatch(l -> l.contains("never"));
            assertThat(fs.uprobes()).noneMatch(l -> l.contains(prefix));
            assertThat(fs.instance("dtprobe_" + tracer.pid())).doesNotExist();
            List<String> errors = new ArrayList<>();
            err.drainTo(errors);
            assertThat(errors).noneMatch(l -> l.contains("cleanup"));
        }
    }

    /**
     * {@code trace --follow}: processes that register after the tracer started are armed as they
     * come — a second process of the same binary shares the uprobes, another binary gets its own.
     */
    @org.junit.jupiter.api.Test
    void followArmsProcessesThatRegisterLater() throws Exception {
        TraceFs fs = TraceFs.locate(null);
        Path pieBinary = ProbeProgram.build(tmp, true);
        Path plainBinary = ProbeProgram.build(tmp, false);
        ProbeIndex index = new ProbeIndex();
        try (ServerFixture server = new ServerFixture(tmp, index, Duration.ofSeconds(15))) {
            Process tracer = new ProcessBuilder(ChildJvm.dtprobe(ChildJvm.classpath(), "--socket",
                    server.socket.toString(), "trace", "--follow", "qtest:::")).start();
            BlockingQueue<String> out = lines(tracer.getInputStream());
            BlockingQueue<String> err = lines(tracer.getErrorStream());
            try (ProbeProgram a = ProbeProgram.start(pieBinary); ProbeProgram b = ProbeProgram.start(pieBinary);
                 ProbeProgram c = ProbeProgram.start(plainBinary)) {
                assertThat(err.poll(WAIT_SECONDS, TimeUnit.SECONDS)).contains("tracing 0 probes at 0 sites");
                index.add(a.register(0, 1));
                assertThat(err.poll(WAIT_SECONDS, TimeUnit.SECONDS)).contains("pid " + a.pid, "(3 new sites)");
                index.add(b.register(0, 1));
                assertThat(err.poll(WAIT_SECONDS, TimeUnit.SECONDS)).contains("pid " + b.pid, "(0 new sites)");
                index.add(c.register(0, 1));
                assertThat(err.poll(WAIT_SECONDS, TimeUnit.SECONDS)).contains("pid " + c.pid, "(3 new sites)");
                String prefix = "dtprobe_" + tracer.pid() + "_";
                assertThat(fs.uprobes()).filteredOn(l -> l.contains(prefix)).hasSize(6);

                a.fire(1, 0);
                b.fire(0, 1);
                c.fire(2, 0);
                List<String> hits = take(out, 4);
                a.fire(0, 1);
                hits.addAll(take(out, 1));
                assertThat(hits).filteredOn(h -> h.contains(" " + a.pid + " qtest" + a.pid + ":")).hasSize(2);
                assertThat(hits).filteredOn(h -> h.contains(" " + b.pid + " qtest" + b.pid + ":")
                        && h.contains(":fire_beta:beta ")).hasSize(1);
                assertThat(hits).filteredOn(h -> h.contains(" " + c.pid + " qtest" + c.pid + ":probeprog_nopie:")
                        && h.contains(":fire_alpha:alpha ")).hasSize(2);

                tracer.destroy();
                assertThat(tracer.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
                assertThat(fs.uprobes()).noneMatch(l -> l.contains(prefix));
            } finally {
                tracer.destroyForcibly();
            }
        }
    }

    /** {@code trace --json} and {@code -q}: the same hits, as JSON objects and as bare values. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--json", "-q"})
    void jsonAndQuietCarryTheArgumentValues(String form) throws Exception {
        Path binary = ProbeProgram.build(tmp, true);
        ProbeIndex index = new ProbeIndex();
        try (ProbeProgram prog = ProbeProgram.start(binary);
             ServerFixture server = new ServerFixture(tmp, index, Duration.ofSeconds(15))) {
            index.add(prog.register(0, 1));
            Process tracer = new ProcessBuilder(ChildJvm.dtprobe(ChildJvm.classpath(), "--socket",
                    server.socket.toString(), "trace", form, "-p", String.valueOf(prog.pid), "qtest:::alpha")).start();
            BlockingQueue<String> out = lines(tracer.getInputStream());
            try {
                String prefix = "dtprobe_" + tracer.pid() + "_";
                TraceFs fs = TraceFs.locate(null);
                Path enable = fs.instance("dtprobe_" + tracer.pid()).resolve("events/dtprobe").resolve(prefix + "0")
                        .resolve("enable");
                Await.until("the tracer enabled its uprobe " + enable, () -> {
                    try {
                        return java.nio.file.Files.readString(enable).strip().equals("1");
                    } catch (java.io.IOException e) {
                        return false; // not made yet
                    }
                });
                prog.fire(2, 1);
                List<String> hits = take(out, 2);
                if (form.equals("-q")) {
                    assertThat(hits).containsExactly("0", "1");
                } else {
                    var json = new com.fasterxml.jackson.databind.ObjectMapper();
                    for (int i = 0; i < 2; i++) {
                        var h = json.readTree(hits.get(i));
                        assertThat(h.path("pid").asInt()).isEqualTo(prog.pid);
                        assertThat(h.path("probe").asText()).isEqualTo("qtest" + prog.pid + ":"
                                + binary.getFileName() + ":fire_alpha:alpha");
                        assertThat(h.path("args").toString()).isEqualTo("[" + i + "]");
                        assertThat(java.time.Instant.parse(h.path("time").asText())).isNotNull();
                    }
                }
            } finally {
                tracer.destroy();
                assertThat(tracer.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    private static String lastWord(String line) {
        return line.substring(line.lastIndexOf(' ') + 1);
    }

    private static List<String> take(BlockingQueue<String> q, int n) throws InterruptedException {
        List<String> got = new ArrayList<>();
        while (got.size() < n) {
            String l = q.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(l).as("hit %d of %d (so far %s)", got.size() + 1, n, got).isNotNull();
            got.add(l);
        }
        return got;
    }

    public static BlockingQueue<String> lines(java.io.InputStream in) {
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    q.add(l);
                }
            } catch (java.io.IOException e) {
                q.add("read error: " + e);
            }
        });
        t.setDaemon(true);
        t.start();
        return q;
    }
}
