package org.dtprobed.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dtprobed.linux.Native;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-file filesystem's mount, made with {@code mount(2)} directly (no fusermount): source
 * {@code dtprobed}, type {@code fuse.dtprobed}, {@code allow_other} so that every user can reach
 * the file and {@code default_permissions} so that the kernel enforces its 0666 mode.
 */
final class FuseMount implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FuseMount.class);

    private static final long MS_NOSUID = 2;
    private static final long MS_NODEV = 4;
    private static final long MS_NOEXEC = 8;
    private static final int MNT_DETACH = 2;
    /** umount2: do not follow a symlink at the target (a planted link must not unmount elsewhere). */
    private static final int UMOUNT_NOFOLLOW = 8;

    private final Native nat;
    private final Path mountpoint;
    private boolean mounted;

    private FuseMount(Native nat, Path mountpoint) {
        this.nat = nat;
        this.mountpoint = mountpoint;
    }

    static FuseMount mount(FuseDevice device, Path mountpoint) throws IOException {
        Native nat = Native.load();
        // A daemon that died leaves a dead mount ("Transport endpoint is not connected") here;
        // the directory belongs to the daemon, so whatever is mounted on it is detached first.
        if (nat.libc().umount2(mountpoint.toString(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0) {
            LOG.warn("detached a stale mount at {}", mountpoint);
        }
        Files.createDirectories(mountpoint);
        if (Files.isSymbolicLink(mountpoint)) {
            throw new IOException("the mount directory " + mountpoint + " is a symbolic link; the daemon mounts on no link");
        }
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        int gid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
        String data = "fd=" + device.fd() + ",rootmode=40000,user_id=" + uid + ",group_id=" + gid
                + ",allow_other,default_permissions";
        int rc = nat.libc().mount("dtprobed", mountpoint.toString(), "fuse.dtprobed",
                MS_NOSUID | MS_NODEV | MS_NOEXEC, data);
        if (rc != 0) {
            throw new IOException("mount of the helper filesystem at " + mountpoint + " failed: errno " + nat.errno());
        }
        FuseMount m = new FuseMount(nat, mountpoint);
        m.mounted = true;
        return m;
    }

    Path mountpoint() {
        return mountpoint;
    }

    @Override
    public synchronized void close() {
        if (mounted) {
            mounted = false;
            if (nat.libc().umount2(mountpoint.toString(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0) {
                LOG.warn("umount of {} failed: errno {}", mountpoint, nat.errno());
            }
        }
    }
}
