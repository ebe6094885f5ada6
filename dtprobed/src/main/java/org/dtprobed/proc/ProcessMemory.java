package org.dtprobed.proc;

/**
 * Reads another process's memory while it is blocked in an ioctl (the FUSE-file route, reference
 * kernel facts §B). Implementations either read all {@code len} bytes or throw.
 */
public interface ProcessMemory {
    /**
     * Reads exactly {@code len} bytes at {@code address} of process (or thread) {@code pid}.
     *
     * @throws UnreadableMemoryException when any byte of the range is not readable (EFAULT)
     * @throws NoSuchProcessException    when the process is gone
     * @throws ProcException             when reading is not permitted or fails otherwise
     */
    void read(int pid, long address, byte[] dst, int off, int len) throws ProcException;

    /** {@code process_vm_readv(2)} where the kernel allows it, otherwise {@code /proc/<pid>/mem}. */
    static ProcessMemory system() {
        return new FallbackProcessMemory(VmReadvMemory.load(), new ProcPidMemory(java.nio.file.Path.of("/proc")));
    }

    default byte[] read(int pid, long address, int len) throws ProcException {
        byte[] b = new byte[len];
        read(pid, address, b, 0, len);
        return b;
    }
}
