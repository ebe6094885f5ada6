package org.dtprobed.parse.bench;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofParser;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.jail.CorpusBlob;
import org.dtprobed.parse.ParseOutcome;
import org.dtprobed.parse.ParserSupervisor;
import org.dtprobed.parse.SupervisorConfig;

/**
 * Benchmark (not a test): a parse through the jailed child versus in process, for a small real
 * blob and a &gt; 64 KiB one, and child start-up time to READY with and without the class-data
 * archive. Prints Markdown rows. Run with {@code scripts/bench/jail-roundtrip}.
 */
public final class JailRoundTripBench {
    private static final long WARMUP_NANOS = 3_000_000_000L;
    private static final long MEASURE_NANOS = 5_000_000_000L;
    private static final int STARTS = 10;
    private static final DofHelper HELPER = new DofHelper("bench", 0x5555_0000_0000L, 0x5555_0001_0000L);

    private JailRoundTripBench() {
    }

    public static void main(String[] args) throws Exception {
        byte[] small = CorpusBlob.all().stream().filter(b -> b.name().equals("libusdt-2")).findFirst().orElseThrow().dof();
        byte[] large = large();
        System.out.println("Java " + Runtime.version() + "; small = libusdt-2.dof (" + small.length
                + " bytes), large = DofWriter 1,500 probes (" + large.length + " bytes)");
        try (ChildJars jars = ChildJars.create()) {
            startup(jars, null);
            Path dir = Files.createTempDirectory("dtprobed-bench-cds");
            try {
                startup(jars, dir.resolve("child.jsa"));
            } finally {
                Files.deleteIfExists(dir.resolve("child.jsa"));
                Files.deleteIfExists(dir);
            }
            System.out.println();
            System.out.println("| path | blob | p50 µs | p99 µs | parses/s | MB/s |");
            System.out.println("|---|---|---|---|---|---|");
            DofParser parser = new DofParser();
            for (byte[] dof : List.of(small, large)) {
                String name = dof == small ? "small" : "large";
                long[] t = measure(() -> parser.parse(ByteBuffer.wrap(dof), HELPER, 4242));
                row("in process", name, dof.length, t, sequentialRate(t));
            }
            try (ParserSupervisor s = ParserSupervisor.start(config(jars, null, 1))) {
                for (byte[] dof : List.of(small, large)) {
                    String name = dof == small ? "small" : "large";
                    long[] t = measure(() -> check(s.parse(HELPER, dof, 4242)));
                    row("child, 1 caller", name, dof.length, t, sequentialRate(t));
                }
            }
            try (ParserSupervisor s = ParserSupervisor.start(config(jars, null, 2))) {
                for (byte[] dof : List.of(small, large)) {
                    String name = dof == small ? "small" : "large";
                    long[] t = concurrent(s, dof, 4);
                    row("2 children, 4 callers", name, dof.length, t, t.length / (MEASURE_NANOS / 1e9));
                }
            }
        }
    }

    private static SupervisorConfig config(ChildJars jars, Path archive, int children) {
        return SupervisorConfig.builder().classpath(jars.jars()).children(children).sharedArchive(archive).build();
    }

    private static void startup(ChildJars jars, Path archive) throws Exception {
        if (archive != null) {
            long t0 = System.nanoTime();
            ParserSupervisor.start(config(jars, archive, 1)).close();
            System.out.printf("AppCDS archive: training run + first start %.0f ms, %d KiB%n",
                    (System.nanoTime() - t0) / 1e6, Files.size(archive) / 1024);
        }
        long[] wall = new long[STARTS];
        for (int i = 0; i < STARTS; i++) {
            long t0 = System.nanoTime();
            try (ParserSupervisor s = ParserSupervisor.start(config(jars, archive, 1))) {
                wall[i] = System.nanoTime() - t0;
            }
        }
        Arrays.sort(wall);
        System.out.printf("start-up to READY (%s, %d starts): median %.0f ms, min %.0f ms, max %.0f ms%n",
                archive == null ? "no AppCDS" : "AppCDS", STARTS, wall[STARTS / 2] / 1e6, wall[0] / 1e6,
                wall[STARTS - 1] / 1e6);
    }

    private interface Op {
        void run() throws Exception;
    }

    private static void check(ParseOutcome o) {
        if (!(o instanceof ParseOutcome.Parsed)) {
            throw new IllegalStateException("not parsed: " + o);
        }
    }

    /** Sequential: warm up, then time every call for a fixed period. Returns sorted latencies (ns). */
    private static long[] measure(Op op) throws Exception {
        long end = System.nanoTime() + WARMUP_NANOS;
        while (System.nanoTime() < end) {
            op.run();
        }
        List<Long> times = new ArrayList<>();
        end = System.nanoTime() + MEASURE_NANOS;
        long now;
        while ((now = System.nanoTime()) < end) {
            op.run();
            times.add(System.nanoTime() - now);
        }
        return times.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    private static double sequentialRate(long[] sorted) {
        return sorted.length / (Arrays.stream(sorted).sum() / 1e9);
    }

    private static void row(String path, String blob, int bytes, long[] sorted, double perSec) {
        System.out.printf("| %s | %s | %.0f | %.0f | %,.0f | %.1f |%n", path, blob, sorted[sorted.length / 2] / 1e3,
                sorted[(int) (sorted.length * 0.99)] / 1e3, perSec, perSec * bytes / 1e6);
    }

    /** Concurrent callers for a fixed period; returns every call's latency (ns), sorted. */
    private static long[] concurrent(ParserSupervisor s, byte[] dof, int callers) {
        List<CompletableFuture<List<Long>>> all = new ArrayList<>();
        long warmEnd = System.nanoTime() + WARMUP_NANOS;
        long end = warmEnd + MEASURE_NANOS;
        for (int c = 0; c < callers; c++) {
            all.add(CompletableFuture.supplyAsync(() -> {
                List<Long> t = new ArrayList<>();
                long now;
                while ((now = System.nanoTime()) < end) {
                    check(s.parse(HELPER, dof, 4242));
                    if (now > warmEnd) {
                        t.add(System.nanoTime() - now);
                    }
                }
                return t;
            }));
        }
        List<Long> times = new ArrayList<>();
        for (CompletableFuture<List<Long>> f : all) {
            times.addAll(f.join());
        }
        return times.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /** The parser benchmark's large blob: 1,500 probes in three providers, relocations, v3. */
    static byte[] large() {
        return org.dtprobed.dof.bench.ParserBenchmark.large();
    }
}
