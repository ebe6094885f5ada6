package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Corpus;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fork storm of short-lived children fills a small stash with dead processes long before the
 * periodic pruning runs: a commit that finds the stash full prunes them and is retried, so no
 * caller is refused while the stash holds only the dead. Without process events (which remove the
 * dead as they exit, {@code ProcessEventsIT}): this is the fallback where the connector is missing.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.GCC})
class FullStashDaemonIT {
    @TempDir
    Path tmp;

    @Test
    void aForkStormBeyondTheStashSizingLosesNoRegistration() throws Exception {
        Path regbench = compileRegbench();
        try (ChildJars jars = ChildJars.create();
             DaemonProcess daemon = DaemonProcess.start(tmp.resolve("state"), "dtrace/full-" + ProcessHandle.current().pid(),
                     jars.jars(), "--max-registrations", "20", "--prune-interval", "1h",
                     "--no-process-events")) {
            Process storm = new ProcessBuilder(regbench.toString(), "forkstorm", daemon.device().toString(), "150",
                    Corpus.dir().resolve("libusdt-1.dof").toString()).redirectErrorStream(true).start();
            String out = new String(storm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(storm.waitFor()).as("every registration succeeded: %s\n%s", out, daemon.log()).isZero();
            assertThat(out.trim().split("\\s+")[1]).as("failures").isEqualTo("0");
            assertThat(daemon.log()).contains("stash was full; retrying after pruning dead processes");
            assertThat(daemon.stats().get("registrations").asLong()).isGreaterThanOrEqualTo(151);
            assertThat(daemon.stats().get("prune_passes_in_ioctl").asLong()).as("the fallback is counted").isPositive();
        }
    }

    /**
     * Issue 14: with process events, a storm of 20,000 children through a stash sized for 1,000
     * never finds the stash full: each child's exit takes its registration away as it happens, so
     * no registration is refused and no caller's ioctl prunes.
     */
    @Test
    void withProcessEventsAStormOf20000ThroughAStashFor1000NeverPrunesInAnIoctl() throws Exception {
        Path regbench = compileRegbench();
        try (ChildJars jars = ChildJars.create();
             DaemonProcess daemon = DaemonProcess.start(tmp.resolve("state"), "dtrace/storm-" + ProcessHandle.current().pid(),
                     jars.jars(), "--max-registrations", "1000", "--prune-interval", "1h")) {
            long t0 = System.nanoTime();
            Process storm = new ProcessBuilder(regbench.toString(), "forkstorm", daemon.device().toString(), "20000",
                    Corpus.dir().resolve("libusdt-1.dof").toString()).redirectErrorStream(true).start();
            String out = new String(storm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(storm.waitFor()).as("every registration succeeded: %s\n%s", out, daemon.log()).isZero();
            assertThat(out.trim().split("\\s+")[1]).as("failures").isEqualTo("0");
            com.fasterxml.jackson.databind.JsonNode st = daemon.stats();
            System.out.printf("FullStashDaemonIT: 20,000 children in %.1f s (%s); removals by cause %s%n",
                    (System.nanoTime() - t0) / 1e9, out.trim(), st.get("removals_by_cause"));
            assertThat(st.get("registrations").asLong()).isGreaterThanOrEqualTo(20_001);
            assertThat(st.get("prune_passes_in_ioctl").asLong()).as(st.toString()).isZero();
            assertThat(daemon.log()).doesNotContain("stash was full");
        }
    }

    private Path compileRegbench() throws Exception {
        Path regbench = tmp.resolve("regbench");
        Path src = Corpus.repoRoot().resolve("scripts/bench/c/regbench.c");
        Process gcc = new ProcessBuilder("gcc", "-O2", "-o", regbench.toString(), src.toString())
                .redirectErrorStream(true).start();
        assertThat(gcc.waitFor()).as(new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        return regbench;
    }
}
