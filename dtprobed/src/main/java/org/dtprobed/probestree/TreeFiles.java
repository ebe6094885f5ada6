package org.dtprobed.probestree;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import org.dtprobed.linux.Errno;
import org.dtprobed.linux.LibC;
import org.dtprobed.linux.Native;
import org.dtprobed.linux.OpenFlags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file operations of the {@code probes/} tree, each relative to an open directory, so that no
 * name can lead out of the tree and no link is followed: every directory is opened
 * {@code O_NOFOLLOW|O_DIRECTORY} from its parent, and an entry that is a link or a file where a
 * directory belongs is removed, not used. Files are written whole under a fresh name in a staging
 * directory of the same file system and renamed into place, so a reader sees the old file, the new
 * one, or none, never part of one. Staging is outside {@code probes/}: dtrace globs with
 * {@code GLOB_PERIOD}, so even a dot-name there would be read.
 *
 * <p>Not thread-safe: the owner serialises calls.
 */
final class TreeFiles implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(TreeFiles.class);
    private static final long PID = ProcessHandle.current().pid();
    private static final int DIR_MODE = 0700;
    private static final int FILE_MODE = 0600;
    private static final int OPEN_DIR = OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW
            | OpenFlags.O_CLOEXEC;

    private final Native nat;
    private final LibC libc;
    private final int rootFd;
    private final int stagingFd;
    private long staged;
    /** The directories of the last path used, kept open for the next one that shares them. */
    private final String[] openNames = new String[4];
    private final int[] openFds = {-1, -1, -1, -1};

    private TreeFiles(Native nat, int rootFd, int stagingFd) {
        this.nat = nat;
        this.libc = nat.libc();
        this.rootFd = rootFd;
        this.stagingFd = stagingFd;
    }

    /** Opens the tree and the staging directory, both existing real directories (the daemon made them). */
    static TreeFiles open(Path root, Path staging) throws IOException {
        Native nat = Native.load();
        int r = nat.libc().open(root.toString(), OPEN_DIR);
        if (r < 0) {
            throw new IOException("cannot open " + root + ": errno " + nat.errno());
        }
        int s = nat.libc().open(staging.toString(), OPEN_DIR);
        if (s < 0) {
            int errno = nat.errno();
            nat.libc().close(r);
            throw new IOException("cannot open " + staging + ": errno " + errno);
        }
        return new TreeFiles(nat, r, s);
    }

    /** Puts {@code content} at {@code dirs/name}, making the directories; the file appears whole. */
    void write(String[] dirs, String name, byte[] content) throws IOException {
        int dir = directory(dirs, true);
        String tmp = Long.toString(staged++);
        int fd = libc.openat(stagingFd, tmp, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL
                | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC, FILE_MODE);
        if (fd < 0 && nat.errno() == Errno.EEXIST) {
            libc.unlinkat(stagingFd, tmp, 0); // left by a write that failed half-way
            fd = libc.openat(stagingFd, tmp, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL
                    | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC, FILE_MODE);
        }
        if (fd < 0) {
            throw failure("create a staging file", tmp);
        }
        try {
            long n = libc.write(fd, content, content.length);
            if (n != content.length) {
                int errno = n < 0 ? nat.errno() : Errno.ENOSPC;
                libc.close(fd);
                fd = -1;
                libc.unlinkat(stagingFd, tmp, 0);
                throw new IOException("cannot write " + String.join("/", dirs) + "/" + name + ": errno " + errno);
            }
        } finally {
            if (fd >= 0) {
                libc.close(fd);
            }
        }
        if (libc.renameat(stagingFd, tmp, dir, name) != 0) {
            IOException e = failure("rename into place", String.join("/", dirs) + "/" + name);
            libc.unlinkat(stagingFd, tmp, 0);
            throw e;
        }
    }

    /**
     * Removes {@code dirs/name} if it is there, then each directory of {@code dirs} left empty,
     * innermost first (as {@code rmdir -p} would, stopping at the first that is not empty).
     */
    void remove(String[] dirs, String name) throws IOException {
        int dir = directory(dirs, false);
        if (dir < 0) {
            return;
        }
        if (libc.unlinkat(dir, name, 0) != 0 && nat.errno() != Errno.ENOENT) {
            throw failure("remove", String.join("/", dirs) + "/" + name);
        }
        for (int i = dirs.length - 1; i >= 0; i--) {
            int parent = i == 0 ? rootFd : openFds[i - 1];
            closeFrom(i);
            if (libc.unlinkat(parent, dirs[i], OpenFlags.AT_REMOVEDIR) != 0) {
                int errno = nat.errno();
                if (errno != Errno.ENOTEMPTY && errno != Errno.EEXIST && errno != Errno.ENOENT) {
                    throw failure("remove the directory", String.join("/", java.util.Arrays.copyOf(dirs, i + 1)));
                }
                return;
            }
        }
    }

    /** Forgets the directories kept open: the next call opens its path afresh. */
    void release() {
        closeFrom(0);
    }

    /**
     * The fd of {@code dirs} (kept open until a path that does not share it is used), made when
     * {@code create}; -1 when it is missing and not to be made.
     */
    private int directory(String[] dirs, boolean create) throws IOException {
        int parent = rootFd;
        for (int i = 0; i < dirs.length; i++) {
            if (openFds[i] >= 0 && dirs[i].equals(openNames[i])) {
                parent = openFds[i];
                continue;
            }
            closeFrom(i);
            int fd = openDirectory(parent, dirs[i], create, dirs);
            if (fd < 0) {
                return -1;
            }
            openFds[i] = fd;
            openNames[i] = dirs[i];
            parent = fd;
        }
        return parent;
    }

    private int openDirectory(int parent, String name, boolean create, String[] path) throws IOException {
        for (int attempt = 0; attempt < 3; attempt++) {
            int fd = libc.openat(parent, name, OPEN_DIR, 0);
            if (fd >= 0) {
                return fd;
            }
            int errno = nat.errno();
            if (errno == Errno.ENOENT) {
                if (!create) {
                    return -1;
                }
                if (libc.mkdirat(parent, name, DIR_MODE) != 0 && nat.errno() != Errno.EEXIST) {
                    throw failure("make the directory", name);
                }
            } else if (errno == Errno.ELOOP || errno == Errno.ENOTDIR) {
                // only root can write here; still, a link is never followed and a stray file never kept
                LOG.warn("pid {}: probes tree: {} under {} is not a directory (errno {}); removed", PID, name,
                        String.join("/", path), errno);
                if (libc.unlinkat(parent, name, 0) != 0 && nat.errno() != Errno.ENOENT) {
                    throw failure("remove the stray entry", name);
                }
            } else {
                throw new IOException("cannot open the directory " + name + " under probes/: errno " + errno);
            }
        }
        throw new IOException("cannot open the directory " + name + " under probes/: it keeps changing");
    }

    private void closeFrom(int level) {
        for (int i = openFds.length - 1; i >= level; i--) {
            if (openFds[i] >= 0) {
                libc.close(openFds[i]);
                openFds[i] = -1;
                openNames[i] = null;
            }
        }
    }

    private IOException failure(String what, String name) {
        return new IOException("cannot " + what + " " + name + " in the probes tree: errno " + nat.errno());
    }

    @Override
    public void close() {
        closeFrom(0);
        libc.close(stagingFd);
        libc.close(rootFd);
    }
}
