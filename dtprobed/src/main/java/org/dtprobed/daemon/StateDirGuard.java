package org.dtprobed.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The file modes and ownership of everything under the state directory (issue 19, attacks 3 and
 * 8). The stash holds every registered process's pids, paths, probes and absolute addresses (an
 * ASLR leak), so it is root's alone: {@code stash/} 0700, its files and the lock 0600. The state
 * directory itself is 0711, not 0700: other users must reach the query socket (0666, scoped by
 * peer credentials) and the FUSE-file mount by name, but may not list it.
 *
 * <p>A root daemon follows no link an unprivileged user could have planted: the state directory,
 * {@code stash/} and the mount directory must be real directories (checked without following
 * links) owned by this process's user and writable by no one else, and the state directory's
 * parent must not let others rename it away (writable by others only with the sticky bit). A
 * start that finds otherwise fails with the reason; nothing is chmod'ed or removed that is not
 * already ours.
 */
final class StateDirGuard {
    static final Set<PosixFilePermission> STATE_DIR_MODE = PosixFilePermissions.fromString("rwx--x--x");
    static final Set<PosixFilePermission> PRIVATE_DIR_MODE = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> PRIVATE_FILE_MODE = PosixFilePermissions.fromString("rw-------");

    private StateDirGuard() {
    }

    /** Creates or checks the state directory and {@code stash/}, and sets their modes. */
    static void prepare(Path stateDir, Path stashDir) throws IOException {
        Path abs = stateDir.toAbsolutePath();
        Path parent = abs.getParent();
        if (parent != null && Files.exists(parent)) {
            checkParent(parent);
        }
        ownDirectory(abs, STATE_DIR_MODE);
        ownDirectory(stashDir.toAbsolutePath(), PRIVATE_DIR_MODE);
    }

    /** A directory of the daemon's alone under the state directory (the probes tree and its staging). */
    static void preparePrivate(Path dir) throws IOException {
        ownDirectory(dir.toAbsolutePath(), PRIVATE_DIR_MODE);
    }

    /** After the stash opened: its files are root's alone whatever the umask made them. */
    static void restrictFiles(Path stashDir) throws IOException {
        try (Stream<Path> files = Files.list(stashDir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    Files.setPosixFilePermissions(f, PRIVATE_FILE_MODE);
                }
            }
        }
    }

    /**
     * The mount directory, when it exists: a real directory of ours (a link there once made the
     * daemon detach someone else's mount and mount over it). A dead FUSE mount cannot be examined
     * and is left to the mount code, which detaches it without following links.
     */
    static void checkMountDir(Path mountDir) throws IOException {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(mountDir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            return; // "Transport endpoint is not connected": a stale mount, detached at mount time
        }
        if (a.isSymbolicLink() || !a.isDirectory()) {
            throw new IOException("--mount-dir " + mountDir + " is " + (a.isSymbolicLink() ? "a symbolic link" : "not a directory")
                    + "; remove it (the daemon follows no link where it mounts)");
        }
        checkOwnedAndPrivate(mountDir, a);
    }

    private static void ownDirectory(Path dir, Set<PosixFilePermission> mode) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(mode));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // made meanwhile: checked below like any existing one
            }
        }
        PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isSymbolicLink() || !a.isDirectory()) {
            throw new IOException(dir + " is " + (a.isSymbolicLink() ? "a symbolic link" : "not a directory")
                    + "; the daemon follows no link under its state directory");
        }
        checkOwnedAndPrivate(dir, a);
        Files.setPosixFilePermissions(dir, mode); // createDirectory's mode is cut by the umask
    }

    private static void checkOwnedAndPrivate(Path dir, PosixFileAttributes a) throws IOException {
        int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int me = myUid();
        if (owner != me) {
            throw new IOException(dir + " belongs to uid " + owner + ", not to this daemon's uid " + me);
        }
        Set<PosixFilePermission> p = a.permissions();
        if (p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(dir + " is writable by others (" + PosixFilePermissions.toString(p) + ")");
        }
    }

    private static void checkParent(Path parent) throws IOException {
        int mode = (Integer) Files.getAttribute(parent, "unix:mode");
        boolean othersWrite = (mode & 0022) != 0;
        boolean sticky = (mode & 01000) != 0;
        if (othersWrite && !sticky) {
            throw new IOException("the state directory's parent " + parent + " is writable by others without the"
                    + " sticky bit: anyone could replace the state directory");
        }
    }

    private static int myUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }
}
