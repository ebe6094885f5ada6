package org.dtprobed.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.dtprobed.ingest.IngestStats;
import org.dtprobed.ingest.Pruner;
import org.dtprobed.linux.LibC;
import org.dtprobed.linux.Native;
import org.dtprobed.linux.OpenFlags;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.query.ProbeIndex;
import org.dtprobed.stash.Stash;
import org.dtprobed.stash.StashConfig;
import org.dtprobed.testkit.Await;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real process-events connector failing under a running watcher. */
@Requires(Capability.ROOT)
class LifecycleWatcherTest {
    @TempDir
    Path tmp;

    /**
     * Events stop (here: the socket's descriptor replaced by /dev/null, so the next receive fails):
     * the watcher says so in its mode, stops claiming to watch (the daemon's periodic pass then runs
     * at its shorter interval) and runs one full pass at once for the events that may have been lost.
     */
    @Test
    void aConnectorThatFailsHandsOverToPeriodicPruningWithAPassAtOnce() throws Exception {
        IngestStats stats = new IngestStats();
        try (Stash stash = Stash.open(StashConfig.small(tmp.resolve("stash")))) {
            ProbeIndex index = new ProbeIndex();
            ProcFs proc = new ProcFs(Path.of("/proc"));
            ProcConnector connector = ProcConnector.open(64 * 1024);
            try (LifecycleWatcher w = LifecycleWatcher.start(new Pruner(stash, index, proc, stats), index, proc, connector)) {
                assertThat(w.watching()).isTrue();
                assertThat(w.mode()).isEqualTo("process-events connector");
                LibC libc = Native.load().libc();
                int devNull = libc.open("/dev/null", OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
                assertThat(libc.dup2(devNull, connector.fd())).isEqualTo(connector.fd());
                libc.close(devNull);
                Await.until("the watcher gave up on the connector", () -> !w.watching());
                assertThat(w.mode()).startsWith("periodic pruning only: process events stopped (");
                Await.until("the full pass ran", () -> stats.prunePasses() == 1);
            }
        }
    }
}
