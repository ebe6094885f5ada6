package org.dtprobed.jail;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import org.dtprobed.linux.Errno;
import org.dtprobed.linux.Native;

/**
 * The child's frame channel. At start-up the pipe on fd 1 is moved to a fresh descriptor and fd 1
 * is pointed at stderr: the JVM itself prints some fatal-error text to fd 1 whatever its flags
 * say, and none of that may land between frames. Writes go straight to the saved descriptor.
 */
final class FrameOutput extends OutputStream {
    private static final int STDOUT = 1;
    private static final int STDERR = 2;

    private final Native nat;
    private final int fd;

    private FrameOutput(Native nat, int fd) {
        this.nat = nat;
        this.fd = fd;
    }

    /** Moves the stdout pipe away from fd 1 and returns a stream on it. */
    static FrameOutput takeStdout(Native nat) throws IOException {
        int saved = nat.libc().dup(STDOUT);
        if (saved < 0) {
            throw new IOException("dup(1) failed: errno " + nat.errno());
        }
        if (nat.libc().dup2(STDERR, STDOUT) < 0) {
            throw new IOException("dup2(2, 1) failed: errno " + nat.errno());
        }
        return new FrameOutput(nat, saved);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        byte[] chunk = off == 0 && len == b.length ? b : Arrays.copyOfRange(b, off, off + len);
        int done = 0;
        while (done < len) {
            byte[] rest = done == 0 ? chunk : Arrays.copyOfRange(chunk, done, len);
            long n = nat.libc().write(fd, rest, rest.length);
            if (n < 0) {
                int errno = nat.errno();
                if (errno == Errno.EINTR) {
                    continue;
                }
                throw new IOException("write to the daemon failed: errno " + errno);
            }
            done += (int) n;
        }
    }
}
