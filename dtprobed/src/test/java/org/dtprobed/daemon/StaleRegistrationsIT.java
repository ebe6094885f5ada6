package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dtprobed.fuse.CClient;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.stash.RegistrationCodecAccess;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Corpus;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN contract 6: a registration whose probe records an older build stored in another layout
 * is re-derived from its raw DOF at start, through the jailed parser, and its probes are listed as
 * before; until this, such registrations stayed out of the index for good.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.GCC})
class StaleRegistrationsIT {
    @TempDir
    Path tmp;

    @Test
    void staleRegistrationsAreRebuiltFromTheirRawDofAtStartAndListedAgain() throws Exception {
        Path state = tmp.resolve("state");
        String device = "dtrace/stale-" + ProcessHandle.current().pid();
        CClient client = CClient.compile(Files.createDirectories(tmp.resolve("bin")));
        Process p = null;
        try (ChildJars jars = ChildJars.create()) {
            List<ProbeEntry> before;
            int pid;
            try (DaemonProcess first = DaemonProcess.start(state, device, jars.jars())) {
                p = client.start(first.device(), false, "-w", Corpus.blobs().get(0).toString());
                pid = CClient.awaitRegistered(p);
                before = first.list("", pid);
                assertThat(before).isNotEmpty();
                assertThat(first.stop()).isZero();
            }
            assertThat(RegistrationCodecAccess.makeAllStale(state.resolve("stash"))).isEqualTo(1);
            try (DaemonProcess second = DaemonProcess.start(state, device, jars.jars())) {
                assertThat(second.list("", pid)).as(second.log()).hasSameSizeAs(before)
                        .extracting(ProbeEntry::fullName).containsExactlyElementsOf(
                                before.stream().map(ProbeEntry::fullName).toList());
                assertThat(second.log()).contains("1 registrations of another parsed version rebuilt from their raw DOF");
            }
        } finally {
            if (p != null) {
                p.destroyForcibly();
            }
        }
    }
}
