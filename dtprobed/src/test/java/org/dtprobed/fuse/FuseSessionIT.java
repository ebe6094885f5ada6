package org.dtprobed.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.dtprobed.dof.DofHeader;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.helper.Caller;
import org.dtprobed.helper.HelperRequests;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A registry that throws where it should not costs that caller EIO and nothing else. */
@Requires({Capability.ROOT, Capability.FUSE})
class FuseSessionIT {
    @TempDir
    Path dir;

    @Test
    void aBugInTheRegistryGivesTheCallerEioAndServingGoesOn() throws Exception {
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        HelperRequests buggy = new HelperRequests() {
            private int calls;

            @Override
            public synchronized long addDof(Caller caller, DofHelper helper, DofHeader header, byte[] dof) {
                if (calls++ == 0) {
                    throw new IllegalStateException("bug");
                }
                return 7;
            }

            @Override
            public void remove(Caller caller, long generation) {
                throw new NullPointerException("another bug");
            }
        };
        try (FuseFileTransport t = FuseFileTransport.start(TransportConfig.defaults()
                .withDeviceName("dtrace/test-session-" + ProcessHandle.current().pid())
                .withMountpoint(dir.resolve("helperfs")), buggy)) {
            CClient client = CClient.compile(dir);
            String dof = DofFiles.corpus().get(0).toString();
            assertThat(client.run(t.devicePath(), dof).addErrno()).isEqualTo(5);
            assertThat(client.run(t.devicePath(), "-x", "d802", "-r", "3").value("remove", "errno")).contains("5");
            assertThat(client.run(t.devicePath(), dof).gen()).isEqualTo(7);
            assertThat(t.serving()).isTrue();
        }
    }
}
