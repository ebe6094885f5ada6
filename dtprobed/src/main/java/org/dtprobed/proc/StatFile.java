package org.dtprobed.proc;

import java.util.Optional;
import jnr.ffi.Pointer;
import org.dtprobed.linux.Errno;
import org.dtprobed.linux.Native;

/**
 * A thread's {@code /proc/<tid>/stat} kept open and read again with one {@code pread}: a thread
 * that registers again costs one syscall where a fresh read costs five (open, fstat, two reads,
 * close; 3.6 against 9 µs of kernel time, BENCHMARKS.md "Sixth session").
 *
 * <p>The open file belongs to the thread it was opened for, not to its number: once that thread
 * has exited the read fails with ESRCH, also after the number went to a new thread, which is
 * then opened afresh. An exec from another thread of the process gives the exec'ing thread the
 * process's id and ends the others, so a file of a thread id that survives an exec reads the
 * thread that now carries it, with the process's start time and the new image's code start.
 *
 * <p>Reads and {@link #close()} exclude each other: a descriptor closed while read could be
 * reused by another open in between and read as this thread's.
 */
public final class StatFile implements AutoCloseable {
    private final Native nat;
    private final String path;
    private final int tid;
    private int fd;
    /** For the syscall and for the parse; made at the first read, used under the monitor. */
    private Pointer nativeBuffer;
    private byte[] bytes;

    private StatFile(Native nat, String path, int tid, int fd) {
        this.nat = nat;
        this.path = path;
        this.tid = tid;
        this.fd = fd;
    }

    /** Opens the file of {@code tid}; empty where libc cannot be bound. */
    static Optional<StatFile> open(int tid, String path) throws ProcException {
        Native nat;
        try {
            nat = Native.load();
        } catch (IllegalStateException e) {
            return Optional.empty();
        }
        return Optional.of(new StatFile(nat, path, tid, MapQuery.openReadOnly(nat, path, "thread " + tid)));
    }

    /**
     * The thread's start time and its process's code start, as of now.
     *
     * @throws NoSuchProcessException when the thread this file was opened for has exited, or the
     *                                file was closed
     */
    public synchronized ProcStat read() throws ProcException {
        if (fd < 0) {
            throw new NoSuchProcessException(path + " was closed");
        }
        if (nativeBuffer == null) {
            nativeBuffer = nat.allocate(ProcFs.STAT_BYTES);
            bytes = new byte[ProcFs.STAT_BYTES];
        }
        long n = nat.libc().pread(fd, nativeBuffer, ProcFs.STAT_BYTES, 0);
        if (n < 0) {
            int errno = nat.errno();
            if (errno == Errno.ESRCH) {
                throw new NoSuchProcessException("thread " + tid + " has exited");
            }
            throw new ProcException("cannot read " + path + ": errno " + errno);
        }
        if (n == 0 || n >= ProcFs.STAT_BYTES) {
            throw new ProcException(path + ": " + n + " bytes read, a stat line is 1 to " + (ProcFs.STAT_BYTES - 1));
        }
        nativeBuffer.get(0, bytes, 0, (int) n);
        return ProcFs.parseStat(path, bytes, (int) n);
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            nat.libc().close(fd);
            fd = -1;
        }
    }
}
