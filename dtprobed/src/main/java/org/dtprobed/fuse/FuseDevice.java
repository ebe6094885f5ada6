package org.dtprobed.fuse;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import jnr.ffi.Pointer;
import org.dtprobed.linux.Errno;
import org.dtprobed.linux.Native;
import org.dtprobed.linux.OpenFlags;

/**
 * An open {@code /dev/fuse} or {@code /dev/cuse}: one {@code read} returns one whole request,
 * one {@code write} takes one whole reply. Reads come from one thread; writes may come from any.
 */
public final class FuseDevice implements Closeable {
    /** What {@link #read} found. */
    public enum ReadStatus { MESSAGE, TIMEOUT, ENDED }

    private static final short POLLIN = 0x1;

    private final Native nat;
    private final Path path;
    private final int fd;
    private volatile boolean closed;

    private FuseDevice(Native nat, Path path, int fd) {
        this.nat = nat;
        this.path = path;
        this.fd = fd;
    }

    public static FuseDevice open(Path path) throws IOException {
        Native nat = Native.load();
        int fd = nat.libc().open(path.toString(), OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC);
        if (fd < 0) {
            int errno = nat.errno();
            throw new IOException("cannot open " + path + ": errno " + errno
                    + (errno == Errno.ENOENT && path.toString().endsWith("cuse") ? " (try 'modprobe cuse')" : ""));
        }
        return new FuseDevice(nat, path, fd);
    }

    int fd() {
        return fd;
    }

    Path path() {
        return path;
    }

    /** A direct, little-endian buffer of {@code size} bytes suitable for {@link #read}. */
    static ByteBuffer allocateReadBuffer(int size) {
        return ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Waits up to {@code timeoutMillis} for a request and reads it into {@code dst} (a direct
     * buffer from {@link #allocateReadBuffer}), leaving it flipped: position 0, limit = length.
     */
    public ReadStatus read(ByteBuffer dst, int timeoutMillis) throws IOException {
        byte[] pollfd = new byte[8];
        ByteBuffer p = ByteBuffer.wrap(pollfd).order(ByteOrder.LITTLE_ENDIAN);
        p.putInt(0, fd).putShort(4, POLLIN);
        while (true) {
            int ready = nat.libc().poll(pollfd, 1, timeoutMillis);
            if (ready < 0) {
                if (nat.errno() == Errno.EINTR) {
                    continue;
                }
                throw new IOException("poll on " + path + ": errno " + nat.errno());
            }
            if (ready == 0) {
                return ReadStatus.TIMEOUT;
            }
            dst.clear(); // Pointer.wrap starts at the buffer's position
            long n = nat.libc().read(fd, Pointer.wrap(nat.runtime(), dst), dst.capacity());
            if (n >= 0) {
                dst.clear().limit((int) n);
                return n == 0 ? ReadStatus.ENDED : ReadStatus.MESSAGE;
            }
            int errno = nat.errno();
            if (errno == Errno.ENODEV) {
                return ReadStatus.ENDED; // unmounted or aborted
            }
            if (errno != Errno.EINTR && errno != Errno.EAGAIN && errno != Errno.ENOENT) {
                // ENOENT: the request was interrupted before we read it; try again
                throw new IOException("read from " + path + ": errno " + errno);
            }
            if (errno == Errno.EAGAIN) {
                return ReadStatus.TIMEOUT;
            }
        }
    }

    /**
     * Writes one whole reply.
     *
     * @return false when the kernel no longer knows the request (the caller was interrupted or is gone)
     */
    public boolean write(byte[] reply) throws IOException {
        long n = nat.libc().write(fd, reply, reply.length);
        if (n == reply.length) {
            return true;
        }
        if (n < 0 && nat.errno() == Errno.ENOENT) {
            return false;
        }
        if (n < 0 && nat.errno() == Errno.ENODEV) {
            throw new IOException("write to " + path + ": the connection has ended");
        }
        throw new IOException("write of " + reply.length + " bytes to " + path + " returned " + n + ", errno "
                + nat.errno());
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            nat.libc().close(fd);
        }
    }
}
