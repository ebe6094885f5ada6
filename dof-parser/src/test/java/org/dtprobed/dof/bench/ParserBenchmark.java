package org.dtprobed.dof.bench;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dtprobed.dof.DofFormatException;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.write.DofWriter;
import org.dtprobed.dof.write.ProbeSpec;
import org.dtprobed.dof.write.ProviderSpec;
import org.dtprobed.testkit.Corpus;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Parse throughput on one core: a small real blob (libusdt, 752 bytes, 5 probes) and a large
 * built one (1,500 probes, relocated, over 64 KiB, so a CUSE client sends it in chunks).
 * {@link ParserBenchmarkMain} turns parses/s into MB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
public class ParserBenchmark {
    @Param({"small", "large"})
    public String blob;

    private ByteBuffer dof;
    private final DofParser parser = new DofParser();
    private final DofHelper helper = new DofHelper("bench", 0x5555_0000_0000L, 0x5555_0001_0000L);

    @Setup(Level.Trial)
    public void setUp() {
        dof = ByteBuffer.wrap(bytes(blob));
    }

    /** The blob a parameter names; also used to report its size. */
    public static byte[] bytes(String which) {
        return "small".equals(which) ? Corpus.read("libusdt-2.dof") : large();
    }

    /** 1,500 probes in three providers, two arguments and two sites each, with relocations. */
    public static byte[] large() {
        DofWriter w = DofWriter.builder().version(3).relocations(true);
        for (int p = 0; p < 3; p++) {
            List<ProbeSpec> probes = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                probes.add(ProbeSpec.builder("function_" + i, "probe-" + i).address(0x1000L + i * 64L)
                        .args("int", "char *").offsets(4, 20).enabledOffsets(12).build());
            }
            w.provider(new ProviderSpec("provider" + p, probes));
        }
        return w.build();
    }

    @Benchmark
    public ParsedDof parse() throws DofFormatException {
        return parser.parse(dof.duplicate(), helper, 4242);
    }
}
