package org.dtprobed.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The mountinfo rule: a mount point under a slave mount is invisible to the host. */
class MountVisibilityTest {
    private static final String HOST_ROOT = "26 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw";
    private static final String HOST_RUN = "30 26 0:25 / /run rw,nosuid shared:5 - tmpfs tmpfs rw";
    // as systemd's ProtectSystem= (or unshare --propagation slave) leaves them
    private static final String SLAVE_ROOT = "47 46 254:0 / / ro,relatime master:1 - ext4 /dev/vda rw";
    private static final String SLAVE_RUN = "49 47 0:25 / /run rw,nosuid master:5 - tmpfs tmpfs rw";
    // MountFlags=shared after systemd's slave set-up: shared among the sandbox only
    private static final String SHARED_SLAVE_RUN = "49 47 0:25 / /run rw shared:9 master:5 - tmpfs tmpfs rw";

    @Test
    void hostMountsAreVisible() {
        assertThat(MountVisibility.slaveMountAbove(Path.of("/run/dtrace/helperfs"), List.of(HOST_ROOT, HOST_RUN)))
                .isEmpty();
    }

    @Test
    void aSlaveMountHidesWhatIsMountedUnderIt() {
        assertThat(MountVisibility.slaveMountAbove(Path.of("/run/dtrace/helperfs"), List.of(SLAVE_ROOT, SLAVE_RUN)))
                .hasValueSatisfying(why -> assertThat(why).contains("/run").contains("master:5"));
        assertThat(MountVisibility.slaveMountAbove(Path.of("/run/dtrace/helperfs"),
                List.of(SLAVE_ROOT, SHARED_SLAVE_RUN))).isPresent();
    }

    @Test
    void theLongestMountPointDecides() {
        // a host-shared /run under a slave root (not a real set-up, but the rule is per mount)
        assertThat(MountVisibility.slaveMountAbove(Path.of("/run/dtrace/helperfs"), List.of(SLAVE_ROOT, HOST_RUN)))
                .isEmpty();
        assertThat(MountVisibility.slaveMountAbove(Path.of("/var/lib/x"), List.of(SLAVE_ROOT, HOST_RUN))).isPresent();
        assertThat(MountVisibility.slaveMountAbove(Path.of("/running"), List.of(HOST_ROOT, SLAVE_RUN)))
                .as("/running is not under /run").isEmpty();
    }

    @Test
    void escapedMountPointsAreUnderstood() {
        String spaced = "50 26 0:30 / /srv/my\\040dir rw master:3 - tmpfs tmpfs rw";
        assertThat(MountVisibility.slaveMountAbove(Path.of("/srv/my dir/helperfs"), List.of(HOST_ROOT, spaced)))
                .isPresent();
    }
}
