package org.dtprobed.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Whether a FUSE mount made at a path would be seen by the rest of the host. Clients open
 * {@code /dev/dtrace/helper}, a symlink into the mount: a daemon in a private or slave mount
 * namespace (systemd's {@code ProtectSystem=}, {@code PrivateTmp=}, {@code ReadWritePaths=} … make
 * one, with every mount a slave of the host's) mounts where nobody else looks, logs "ready", and
 * every client's ADDDOF gets ENOENT. This says so before anything is created.
 */
public final class MountVisibility {
    private static final Path SELF_MOUNTINFO = Path.of("/proc/self/mountinfo");

    private MountVisibility() {
    }

    /** Why a mount at {@code mountpoint} would be invisible outside this process's namespace, if it would. */
    public static Optional<String> whyInvisible(Path mountpoint) throws IOException {
        Optional<String> ns = otherNamespaceThanInit();
        if (ns.isPresent()) {
            return ns;
        }
        return slaveMountAbove(mountpoint.toAbsolutePath().normalize(), Files.readAllLines(SELF_MOUNTINFO));
    }

    /** Differs from pid 1's mount namespace (readable as root where pid 1 is traceable, as systemd is). */
    private static Optional<String> otherNamespaceThanInit() {
        try {
            Path mine = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt"));
            Path init = Files.readSymbolicLink(Path.of("/proc/1/ns/mnt"));
            if (!mine.equals(init)) {
                return Optional.of("this process runs in mount namespace " + mine + ", not in pid 1's " + init);
            }
        } catch (IOException | SecurityException e) {
            // pid 1 not readable (a container or a sandbox above us): the mountinfo check decides
        }
        return Optional.empty();
    }

    /**
     * The mount holding {@code path} receives mounts from a master but propagates none back
     * ({@code master:N} in {@code /proc/self/mountinfo}), as
     * in a namespace made by {@code unshare --mount --propagation slave} or by systemd's sandboxing.
     */
    static Optional<String> slaveMountAbove(Path path, List<String> mountinfo) {
        String best = null;
        String bestTags = "";
        for (String line : mountinfo) {
            String[] f = line.split(" ");
            if (f.length < 7) {
                continue;
            }
            Path mp = Path.of(unescape(f[4]));
            if (path.startsWith(mp) && (best == null || mp.getNameCount() >= Path.of(best).getNameCount())) {
                best = mp.toString();
                StringBuilder tags = new StringBuilder();
                for (int i = 6; i < f.length && !f[i].equals("-"); i++) {
                    tags.append(f[i]).append(' ');
                }
                bestTags = tags.toString();
            }
        }
        // shared:M beside master:N (systemd's MountFlags=shared after its slave set-up) only
        // reaches peers inside the sandbox, never the host that clients live in
        if (best != null && bestTags.contains("master:")) {
            return Optional.of("the mount " + best + " that would hold " + path + " is a slave (" + bestTags.trim()
                    + "): a mount made under it stays in this mount namespace");
        }
        return Optional.empty();
    }

    private static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
