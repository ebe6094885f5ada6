package org.dtprobed.proc;

import java.util.Optional;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.dtprobed.linux.Errno;
import org.dtprobed.linux.Native;

/** {@code process_vm_readv(2)} through jnr-ffi: one syscall per window, no file descriptors. */
final class VmReadvMemory implements ProcessMemory {
    private static final int IOVEC_SIZE = 16;
    /** Bytes per syscall; bounds the native buffer whatever the caller asks for. */
    private static final int WINDOW = 1 << 20;

    private final Native nat;

    private VmReadvMemory(Native nat) {
        this.nat = nat;
    }

    /** Empty when libc cannot be loaded (then only {@code /proc/<pid>/mem} is used). */
    static Optional<VmReadvMemory> load() {
        try {
            return Optional.of(new VmReadvMemory(Native.load()));
        } catch (LinkageError | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public void read(int pid, long address, byte[] dst, int off, int len) throws ProcException {
        int window = Math.min(WINDOW, Math.max(len, 1));
        Pointer buf = Memory.allocateDirect(nat.runtime(), window);
        Pointer iov = Memory.allocateDirect(nat.runtime(), 2 * IOVEC_SIZE);
        int done = 0;
        while (done < len) {
            int n = Math.min(window, len - done);
            iov.putAddress(0, buf.address());
            iov.putLong(8, n);
            iov.putLong(IOVEC_SIZE, address + done);
            iov.putLong(IOVEC_SIZE + 8, n);
            long got = nat.libc().process_vm_readv(pid, iov, 1, iov.slice(IOVEC_SIZE), 1, 0);
            if (got < 0) {
                throw failure(pid, address + done, n, nat.errno());
            }
            if (got < n) {
                // a partial read stops at the first unreadable page
                throw new UnreadableMemoryException(describe(pid, address + done + got, n - got) + " is not readable");
            }
            buf.get(0, dst, off + done, n);
            done += n;
        }
    }

    static ProcException failure(int pid, long address, long len, int errno) {
        String where = describe(pid, address, len);
        switch (errno) {
            case Errno.EFAULT:
                return new UnreadableMemoryException(where + " is not readable");
            case Errno.ESRCH:
                return new NoSuchProcessException("process " + pid + " has exited");
            default:
                return new NativeErrnoException(where + ": process_vm_readv failed with errno " + errno, errno);
        }
    }

    static String describe(int pid, long address, long len) {
        return "pid " + pid + " range 0x" + Long.toHexString(address) + "+" + len;
    }

    /** A failure that carries the errno so that a fallback can decide whether to try another way. */
    static final class NativeErrnoException extends ProcException {
        private static final long serialVersionUID = 1L;
        final int errno;

        NativeErrnoException(String message, int errno) {
            super(message);
            this.errno = errno;
        }
    }
}
