package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.dtprobed.linux.Errno;
import org.dtprobed.stash.StashFiles;
import org.dtprobed.testkit.Corpus;
import org.dtprobed.dof.write.DofWriter;
import org.dtprobed.dof.write.ProbeSpec;
import org.dtprobed.fuse.CClient;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.testkit.Await;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.dtprobed.version.BuildInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's metrics after known actions — two registrations, one REMOVE, one process exit,
 * two refusals (one before the pipeline, one by a DOF rule), some queries — read the way an
 * operator reads them ({@code dtprobe metrics} in its own JVM, and {@code --metrics-file}) and
 * parsed by prometheus_client's OpenMetrics and Prometheus-text parsers (Debian's
 * python3-prometheus-client, in scripts/lib/packages.apt), not by a regex. Also: one log line per
 * refused registration. Needs root, a real FUSE mount, and /usr/bin/python3 with prometheus_client.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.GCC, Capability.PROMETHEUS_CLIENT})
class MetricsIT {
    private static final String REMOVE_BY_VALUE = "d802";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** One parsed sample. */
    private record Sample(String family, String type, String name, Map<String, String> labels, double value) {
    }

    @Test
    void metricsMatchTheActionsTaken() throws Exception {
        Path state = tmp.resolve("state");
        Path promDir = Files.createDirectories(tmp.resolve("textfile"));
        Path promFile = promDir.resolve("dtprobed.prom");
        String device = "dtrace/metrics-" + ProcessHandle.current().pid();
        try (ChildJars jars = ChildJars.create();
             DaemonProcess daemon = DaemonProcess.start(state, device, jars.jars(), "--metrics-file",
                     promFile.toString(), "--metrics-interval", "1s")) {
            CClient client = CClient.compile(Files.createDirectories(tmp.resolve("bin")));
            Path blob = Corpus.blobs().get(0);

            Process removed = client.start(daemon.device(), false, "-w", "-x", REMOVE_BY_VALUE, blob.toString());
            int removedPid = CClient.awaitRegistered(removed);
            new ProcessBuilder("kill", "-USR1", Integer.toString(removedPid)).start().waitFor();
            String rest = new String(removed.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(removed.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(rest).contains("remove rc=0");

            Process exits = client.start(daemon.device(), false, "-w", blob.toString());
            int exitsPid = CClient.awaitRegistered(exits);
            exits.destroy();
            exits.waitFor(30, TimeUnit.SECONDS);
            daemon.awaitGone(exitsPid); // process events (or the prune pass) saw the exit

            int logLines = daemon.log().split("\n").length;
            byte[] junk = new byte[600];
            new java.util.SplittableRandom(1).nextBytes(junk);
            Path random = Files.write(tmp.resolve("random.dof"), junk);
            assertThat(client.run(daemon.device(), random.toString()).addErrno()).isEqualTo(Errno.EINVAL);
            byte[] unsafe = DofWriter.builder().provider("../../etc", ProbeSpec.builder("f", "n").offsets(1).build())
                    .build();
            Path unsafeFile = Files.write(tmp.resolve("unsafe.dof"), unsafe);
            assertThat(client.run(daemon.device(), unsafeFile.toString()).addErrno()).isEqualTo(Errno.EINVAL);
            List<String> newLines = List.of(daemon.log().split("\n")).subList(logLines, daemon.log().split("\n").length);
            assertThat(newLines.stream().filter(l -> l.contains("refused")).toList())
                    .as("one log line per refused registration:%n%s", String.join("\n", newLines)).hasSize(2);

            String text = dtprobeMetrics(daemon.socket());
            assertThat(text).endsWith("# EOF\n");
            List<Sample> om = parse("openmetrics", text);

            assertThat(value(om, "dtprobed_registrations_total", Map.of())).isEqualTo(2);
            assertThat(value(om, "dtprobed_removals_total", Map.of("cause", "remove"))).isEqualTo(1);
            assertThat(value(om, "dtprobed_removals_total", Map.of("cause", "exit"))).isEqualTo(1);
            assertThat(value(om, "dtprobed_removals_total", Map.of("cause", "exec"))).isZero();
            assertThat(value(om, "dtprobed_removals_total", Map.of("cause", "unmap"))).isZero();
            assertThat(value(om, "dtprobed_refusals_total", Map.of("reason", "request", "errno", "22"))).isEqualTo(1);
            List<Sample> ruleRefusals = om.stream().filter(s -> s.name().equals("dtprobed_refusals_total")
                    && !s.labels().get("reason").equals("request")).toList();
            assertThat(ruleRefusals).as("the DOF-rule refusal").hasSize(1);
            assertThat(ruleRefusals.get(0).labels()).containsEntry("errno", "22");
            assertThat(ruleRefusals.get(0).value()).isEqualTo(1);
            assertThat(value(om, "dtprobed_parses_total", Map.of())
                    + value(om, "dtprobed_parse_cache_hits_total", Map.of())).as("three DOFs reached the parser")
                    .isEqualTo(3);
            assertThat(value(om, "dtprobed_parser_deadline_kills_total", Map.of())).isZero();
            assertThat(value(om, "dtprobed_parser_child_restarts_total", Map.of())).isZero();
            assertThat(value(om, "dtprobed_pids", Map.of())).isZero();
            assertThat(value(om, "dtprobed_probes", Map.of())).isZero();
            // the exit was seen through process events, before any pass: the counter is there, maybe 0
            assertThat(value(om, "dtprobed_prune_passes_total", Map.of())).isNotNegative();

            assertThat(value(om, "dtprobed_registration_latency_seconds_count", Map.of())).isEqualTo(2);
            double p50 = value(om, "dtprobed_registration_latency_seconds", Map.of("quantile", "0.5"));
            double p999 = value(om, "dtprobed_registration_latency_seconds", Map.of("quantile", "0.999"));
            double sum = value(om, "dtprobed_registration_latency_seconds_sum", Map.of());
            assertThat(p50).isPositive().isLessThanOrEqualTo(p999);
            assertThat(sum).as("two registrations' sum lies between p50 and twice the largest (1 %% resolution)")
                    .isGreaterThanOrEqualTo(p50 * 0.99).isLessThanOrEqualTo(2 * p999 * 1.01);
            assertThat(value(om, "dtprobed_parse_latency_seconds_count", Map.of()))
                    .isEqualTo(value(om, "dtprobed_parses_total", Map.of()));
            assertThat(value(om, "dtprobed_query_latency_seconds_count", Map.of())).as("awaitGone's list queries")
                    .isGreaterThanOrEqualTo(1);
            List<Sample> fill = om.stream().filter(s -> s.name().equals("dtprobed_stash_fill_ratio")).toList();
            assertThat(fill).hasSize(StashFiles.ALL.size()).allMatch(s -> s.value() >= 0 && s.value() <= 1);
            assertThat(value(om, "dtprobed_stash_entries", Map.of("file", "registrations-2.cm3"))).isZero();
            Sample info = om.stream().filter(s -> s.name().equals("dtprobed_build_info")).findFirst().orElseThrow();
            assertThat(info.type()).isEqualTo("info");
            assertThat(info.labels()).containsEntry("commit", BuildInfo.commit()).containsEntry("transport", "fuse-file");

            // the textfile collector's file: Prometheus text format, rewritten every second
            List<Sample> prom = awaitFile(promFile, 2);
            assertThat(value(prom, "dtprobed_removals_total", Map.of("cause", "remove"))).isEqualTo(1);
            assertThat(value(prom, "dtprobed_refusals_total", Map.of("reason", "request", "errno", "22"))).isEqualTo(1);
            assertThat(prom.stream().filter(s -> s.name().equals("dtprobed_registrations_total")).findFirst()
                    .orElseThrow().type()).isEqualTo("counter");
            try (var left = Files.list(promDir)) {
                assertThat(left.map(p -> p.getFileName().toString()).toList()).as("no temporary file left")
                        .containsExactly("dtprobed.prom");
            }
            assertThat(daemon.stop()).isZero();
        }
    }

    private static double value(List<Sample> samples, String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(labels)).findFirst()
                .orElseThrow(() -> new AssertionError("no sample " + name + labels + " in " + samples)).value();
    }

    /** {@code dtprobe metrics} as an operator runs it: its own JVM, the real CLI. */
    private static String dtprobeMetrics(Path socket) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+IgnoreUnrecognizedVMOptions", "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "org.dtprobed.client.Dtprobe", "--socket", socket.toString(),
                "metrics"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("dtprobe metrics: %s", out).isZero();
        return out;
    }

    /** Waits until the file shows the expected registrations (it is rewritten every second). */
    private static List<Sample> awaitFile(Path file, int registrations) throws Exception {
        java.util.concurrent.atomic.AtomicReference<List<Sample>> seen = new java.util.concurrent.atomic.AtomicReference<>(List.of());
        java.util.concurrent.atomic.AtomicReference<String> parsedText = new java.util.concurrent.atomic.AtomicReference<>("");
        Await.until(file + " shows " + registrations + " registrations", Await.LIVENESS, () -> {
            try {
                String text = Files.exists(file) ? Files.readString(file) : "";
                // the parser is a python process: only a file that changed is parsed again
                if (!text.equals(parsedText.getAndSet(text))) {
                    seen.set(text.isEmpty() ? List.of() : parse("prometheus", text));
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return seen.get().stream().anyMatch(x -> x.name().equals("dtprobed_registrations_total")
                    && x.value() == registrations);
        }, () -> seen.get().toString());
        return seen.get();
    }

    /** prometheus_client's parser, from Debian's python3-prometheus-client. */
    private static List<Sample> parse(String format, String text) throws IOException, InterruptedException {
        Path script = Path.of("src/test/resources/metrics/parse_metrics.py").toAbsolutePath();
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), format).start();
        p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("prometheus_client (%s) refused the text:%n%s%n%s", format, err, text).isZero();
        List<Sample> samples = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = JSON.readTree(line);
            Map<String, String> labels = new java.util.TreeMap<>();
            n.get("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            samples.add(new Sample(n.get("family").asText(), n.get("type").asText(), n.get("name").asText(),
                    Map.copyOf(labels), n.get("value").asDouble()));
        }
        return samples;
    }
}
