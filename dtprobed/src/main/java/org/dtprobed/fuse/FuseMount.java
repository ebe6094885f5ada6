package org.dtprobed.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-file filesystem's mount, made with {@code mount(2)} directly (no fusermount): source
 * {@code dtprobed}, type {@code fuse.dtprobed}, {@code allow_other} so that every user can reach
 * the file and {@code default_permissions} so that the kernel enforces its 0666 mode.
 */
final class FuseMount implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FuseMount.class);

    private final FuseNative nat;
    private final Path mountpoint;
    private boolean mounted;

    private FuseMount(FuseNative nat, Path mountpoint) {
        this.nat = nat;
        this.mountpoint = mountpoint;
    }

    static FuseMount mount(FuseDevice device, Path mountpoint) throws IOException {
        FuseNative nat = FuseNative.get();
        // A daemon that died leaves a dead mount ("Transport endpoint is not connected") here;
        // the directory belongs to the daemon, so whatever is mounted on it is detached first.
        if (nat.libc.umount2(mountpoint.toString(), FuseNative.MNT_DETACH | FuseNative.UMOUNT_NOFOLLOW) == 0) {
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
        int rc = nat.libc.mount("dtprobed", mountpoint.toString(), "fuse.dtprobed",
                FuseNative.MS_NOSUID | FuseNative.MS_NODEV | FuseNative.MS_NOEXEC, data);
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
            if (nat.libc.umount2(mountpoint.toString(), FuseNative.MNT_DETACH | FuseNative.UMOUNT_NOFOLLOW) != 0) {
                LOG.warn("umount of {} failed: errno {}", mountpoint, nat.errno());
            }
        }
    }
}
