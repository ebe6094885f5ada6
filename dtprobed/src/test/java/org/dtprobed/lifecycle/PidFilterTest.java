package org.dtprobed.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.dtprobed.ingest.IngestStats;
import org.dtprobed.ingest.Pruner;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.query.ProbeIndex;
import org.dtprobed.query.Probes;
import org.dtprobed.stash.Stash;
import org.dtprobed.stash.StashConfig;
import org.dtprobed.testkit.Await;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real process-events connector's filter following the index. */
@Requires(Capability.ROOT)
class PidFilterTest {
    @TempDir
    Path tmp;

    /**
     * A process that registers again changes the index but not the set of processes: the kernel is
     * given a new filter only when that set changes.
     */
    @Test
    void theKernelGetsANewFilterOnlyWhenTheRegisteredProcessesChange() throws Exception {
        int me = (int) ProcessHandle.current().pid();
        int parent = (int) ProcessHandle.current().parent().orElseThrow().pid();
        ProbeIndex index = new ProbeIndex();
        try (Stash stash = Stash.open(StashConfig.small(tmp.resolve("stash")));
                ProcConnector connector = ProcConnector.open(64 * 1024);
                PidFilter filter = new PidFilter(connector, index,
                        new Pruner(stash, index, new ProcFs(Path.of("/proc")), new IngestStats()))) {
            index.add(Probes.registration(me, 0, 1, "p:f:a"));
            Await.until("the filter names this process", () -> filter.filteredPids() == 1);
            long rebuilds = filter.rebuilds();

            for (long gen = 2; gen <= 4; gen++) {
                long passes = filter.passes();
                index.add(Probes.registration(me, 0, gen, "p:f:a"));
                Await.until("the filter looked at the change", () -> filter.passes() > passes);
            }
            assertThat(filter.rebuilds()).as("the same process registering again").isEqualTo(rebuilds);

            index.add(Probes.registration(parent, 0, 1, "p:f:a"));
            Await.until("the filter names both processes", () -> filter.filteredPids() == 2);
            assertThat(filter.rebuilds()).isEqualTo(rebuilds + 1);
        }
    }
}
