package org.dtprobed.fuse;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import org.dtprobed.linux.Errno;

/**
 * The native calls of this package, in one place (as junixsocket keeps its own): the device fd is
 * used through libc so that its number can go into the mount options, a reader can wait with
 * {@code poll} (and so notice shutdown) and replies are written without any Java-side lock.
 */
final class FuseNative {
    /** libc entry points; errno is saved after each call. */
    public interface LibC {
        @SaveError
        int open(String path, int flags);

        @SaveError
        int close(int fd);

        @SaveError
        long read(int fd, Pointer buf, long count);

        @SaveError
        long write(int fd, @In byte[] buf, long count);

        @SaveError
        int poll(@In @Out byte[] fds, long nfds, int timeoutMillis);

        @SaveError
        int mount(String source, String target, String fstype, long flags, String data);

        @SaveError
        int umount2(String target, int flags);
    }

    static final int O_RDWR = 2;
    static final int O_CLOEXEC = 0x80000;
    static final short POLLIN = 0x1;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final long MS_NOSUID = 2;
    static final long MS_NODEV = 4;
    static final long MS_NOEXEC = 8;
    static final int MNT_DETACH = 2;
    /** umount2: do not follow a symlink at the target (a planted link must not unmount elsewhere). */
    static final int UMOUNT_NOFOLLOW = 8;


    private static volatile FuseNative instance;

    final LibC libc;
    final Runtime runtime;

    private FuseNative(LibC libc) {
        this.libc = libc;
        this.runtime = Runtime.getRuntime(libc);
    }

    /** Loads libc once per JVM (the loaded library is immutable and shared). */
    static FuseNative get() {
        FuseNative n = instance;
        if (n == null) {
            synchronized (FuseNative.class) {
                n = instance;
                if (n == null) {
                    n = new FuseNative(LibraryLoader.create(LibC.class).load("c"));
                    instance = n;
                }
            }
        }
        return n;
    }

    int errno() {
        return runtime.getLastError();
    }
}
