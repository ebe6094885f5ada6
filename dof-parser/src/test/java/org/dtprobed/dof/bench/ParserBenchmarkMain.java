package org.dtprobed.dof.bench;

import java.util.Collection;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/** Runs {@link ParserBenchmark} and prints parses/s and MB/s per blob. */
public final class ParserBenchmarkMain {
    private ParserBenchmarkMain() {
    }

    public static void main(String[] args) throws Exception {
        Options opts = new OptionsBuilder().include(ParserBenchmark.class.getSimpleName())
                .jvmArgsPrepend(System.getProperty("bench.jvmArgs", "").split(" ")).build();
        Collection<RunResult> results = new Runner(opts).run();
        System.out.println();
        System.out.printf("%-6s %10s %14s %12s%n", "blob", "bytes", "parses/s", "MB/s");
        for (RunResult r : results) {
            String blob = r.getParams().getParam("blob");
            int size = ParserBenchmark.bytes(blob).length;
            double perSec = r.getPrimaryResult().getScore();
            System.out.printf("%-6s %10d %14.0f %12.1f%n", blob, size, perSec, perSec * size / 1e6);
        }
    }
}
