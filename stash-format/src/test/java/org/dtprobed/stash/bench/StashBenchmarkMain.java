package org.dtprobed.stash.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.stash.Stash;
import org.dtprobed.stash.StashFiles;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link StashBenchmark} and prints µs per operation, then measures the stash on disk for
 * 10,000 20-probe registrations (apparent size and allocated blocks, before and after).
 * {@code --size-only} skips JMH.
 */
public final class StashBenchmarkMain {
    private StashBenchmarkMain() {
    }

    public static void main(String[] args) throws Exception {
        if (!List.of(args).contains("--size-only")) {
            Options opts = new OptionsBuilder().include(StashBenchmark.class.getSimpleName())
                    .jvmArgsPrepend(System.getProperty("bench.jvmArgs", "").split(" ")).build();
            Collection<RunResult> results = new Runner(opts).run();
            System.out.println();
            System.out.printf("%-16s %12s%n", "operation", "µs/op");
            for (RunResult r : results) {
                String name = r.getParams().getBenchmark().replaceAll(".*\\.", "");
                double us = r.getPrimaryResult().getScore();
                if (r.getParams().getMode() == org.openjdk.jmh.annotations.Mode.SingleShotTime) {
                    us /= StashBenchmark.BATCH;
                }
                System.out.printf("%-16s %12.2f%n", name, us);
            }
        }
        size();
    }

    private static void size() throws Exception {
        Path dir = Files.createTempDirectory("stash-size");
        byte[] dof = StashBenchmark.twentyProbeDof();
        ParsedDof parsed = StashBenchmark.parse(dof, 1);
        // registrations sized for exactly 10,000 values of the measured size, other files as default
        org.dtprobed.stash.StashConfig c = org.dtprobed.stash.StashConfig.at(dir)
                .withMaxRegistrations(10_000);
        try (Stash s = Stash.open(c)) {
            report("empty", dir);
            long t0 = System.nanoTime();
            for (int i = 0; i < 10_000; i++) {
                s.commit(StashBenchmark.record(300_000 + i, 0x1000L * i), dof, parsed);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("10,000 commits in %.2f s (%.0f/s), DOF %d bytes, registration value %d bytes%n", secs,
                    10_000 / secs, dof.length, s.files().sizes().get(0) > 0
                            ? valueSize(s) : 0);
            report("10k registrations", dir);
        }
        try (var w = Files.walk(dir)) {
            w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static int valueSize(Stash s) throws Exception {
        return org.dtprobed.stash.RegistrationCodecAccess.valueSize(s);
    }

    private static void report(String what, Path dir) throws Exception {
        long apparent = 0;
        for (String f : StashFiles.ALL) {
            apparent += Files.size(dir.resolve(f));
        }
        // allocated blocks: the JDK has no attribute for them, du does
        Process du = new ProcessBuilder("du", "-s", "--block-size=1", dir.toString()).start();
        long allocated = Long.parseLong(new String(du.getInputStream().readAllBytes()).split("\\s+")[0]);
        du.waitFor();
        System.out.printf("%-18s apparent %8.1f MiB, allocated %8.1f MiB; registrations.cm3 %.1f MiB%n", what,
                apparent / 1048576.0, allocated / 1048576.0, Files.size(dir.resolve(StashFiles.REGISTRATIONS)) / 1048576.0);
    }
}
