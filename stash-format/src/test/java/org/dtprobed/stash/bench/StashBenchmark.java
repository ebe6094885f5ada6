package org.dtprobed.stash.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.dtprobed.dof.DofFormatException;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.write.DofWriter;
import org.dtprobed.dof.write.ProbeSpec;
import org.dtprobed.protocol.RegistrationKey;
import org.dtprobed.stash.MapSizing;
import org.dtprobed.stash.Mapping;
import org.dtprobed.stash.ProcessIdentity;
import org.dtprobed.stash.RegistrationRecord;
import org.dtprobed.stash.Stash;
import org.dtprobed.stash.StashConfig;
import org.dtprobed.stash.StashException;
import org.dtprobed.stash.negative.Verdict;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The stash's hot operations on real Chronicle Map files under /tmp: commit of a 20-probe
 * registration (DofWriter-built DOF, parsed by the real parser), its removal, lookup by pid, and
 * a negative-cache lookup. Commit and removal run in batches of {@link #BATCH} per iteration so
 * that the files stay at a steady size; {@link StashBenchmarkMain} prints µs per operation.
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
public class StashBenchmark {
    static final int BATCH = 5_000;
    static final int PRELOADED = 10_000;
    static final int PIDS = 1_000;

    private Path dir;
    private Stash stash;
    private byte[] dof;
    private ParsedDof parsed;
    private final List<RegistrationKey> batch = new ArrayList<>();
    private final SplittableRandom rnd = new SplittableRandom(42);
    private int next;

    /** A 20-probe provider as {@code dtrace -G} would emit it: two arguments and one site each. */
    static byte[] twentyProbeDof() {
        ProbeSpec[] probes = new ProbeSpec[20];
        for (int i = 0; i < 20; i++) {
            probes[i] = ProbeSpec.builder("function_" + (i / 4), "probe-" + i).address(0x401000 + 64L * i)
                    .args("int", "char *").offsets(5).build();
        }
        return DofWriter.builder().provider("benchprov", probes).build();
    }

    static final DofHelper HELPER = new DofHelper("libbench.so", 0x7f0000000000L, 0x7f0000200000L);

    static ParsedDof parse(byte[] dof, int pid) {
        try {
            return new DofParser().parse(ByteBuffer.wrap(dof), HELPER, pid);
        } catch (DofFormatException e) {
            throw new IllegalStateException(e);
        }
    }

    static RegistrationRecord record(int pid, long mappingStart) {
        return new RegistrationRecord(pid, new Mapping(2049, 1_000_000 + pid, mappingStart, "/usr/lib/libbench.so"),
                HELPER, new ProcessIdentity(pid, 2049, 42));
    }

    static StashConfig config(Path dir) {
        StashConfig c = StashConfig.at(dir);
        return c.withMaxRegistrations(32_768);
    }

    @Setup(Level.Trial)
    public void open() throws Exception {
        dir = Files.createTempDirectory("stash-bench");
        stash = Stash.open(config(dir));
        dof = twentyProbeDof();
        parsed = parse(dof, 1);
        for (int i = 0; i < PRELOADED; i++) {
            int pid = 100_000 + i % PIDS;
            stash.commit(record(pid, 0x1000L * i), dof, parsed);
        }
        for (int i = 0; i < 65_536; i++) {
            stash.negative().record(2049, i, 4096 + i, 1_700_000_000_000_000_000L + i, Verdict.NO_DOF, "");
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        stash.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Before a commit batch: nothing of the previous batch left. Before a removal batch: a batch to remove. */
    @Setup(Level.Iteration)
    public void prepareBatch(org.openjdk.jmh.infra.BenchmarkParams params) throws StashException {
        for (RegistrationKey k : batch) {
            stash.remove(k.pid(), k.generation());
        }
        batch.clear();
        if (params.getBenchmark().endsWith("remove")) {
            for (int i = 0; i < BATCH; i++) {
                batch.add(stash.commit(record(200_000 + i % PIDS, 0x10_0000_0000L + 0x1000L * next++), dof, parsed).key());
            }
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 3, batchSize = BATCH)
    @Measurement(iterations = 5, batchSize = BATCH)
    public RegistrationKey commit() throws StashException {
        RegistrationKey k = stash.commit(record(200_000 + next % PIDS, 0x10_0000_0000L + 0x1000L * next++), dof, parsed).key();
        batch.add(k);
        return k;
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 3, batchSize = BATCH)
    @Measurement(iterations = 5, batchSize = BATCH)
    public boolean remove() {
        RegistrationKey k = batch.remove(batch.size() - 1);
        return stash.remove(k.pid(), k.generation());
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    public int lookupByPid() throws StashException {
        return stash.byPid(100_000 + rnd.nextInt(PIDS)).size();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    public boolean negativeLookup() {
        int i = rnd.nextInt(65_536);
        return stash.negative().lookup(2049, i, 4096 + i, 1_700_000_000_000_000_000L + i).isPresent();
    }
}
