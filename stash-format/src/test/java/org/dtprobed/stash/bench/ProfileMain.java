package org.dtprobed.stash.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.stash.Stash;

/** A plain loop of commits and lookups to run under JFR when the benchmark numbers need explaining. */
public final class ProfileMain {
    private ProfileMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("stash-prof");
        byte[] dof = StashBenchmark.twentyProbeDof();
        ParsedDof parsed = StashBenchmark.parse(dof, 1);
        try (Stash s = Stash.open(StashBenchmark.config(dir))) {
            for (int round = 0; round < 6; round++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < 5_000; i++) {
                    s.commit(StashBenchmark.record(100_000 + i % 1000, 0x1000L * (round * 5000 + i)), dof, parsed);
                }
                long t1 = System.nanoTime();
                int n = 0;
                for (int i = 0; i < 5_000; i++) {
                    n += s.byPid(100_000 + i % 1000).size();
                }
                long t2 = System.nanoTime();
                for (int pid = 100_000; pid < 101_000; pid++) {
                    s.removePid(pid);
                }
                long t3 = System.nanoTime();
                System.out.printf("commit %.1f us, byPid %.1f us (%d), remove %.1f us%n", (t1 - t0) / 5e6, (t2 - t1) / 5e6,
                        n, (t3 - t2) / 5e6);
            }
        }
    }
}
