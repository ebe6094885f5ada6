package org.dtprobed.proc;

import java.util.Optional;

/**
 * {@code process_vm_readv} first; when the kernel refuses the syscall itself (ENOSYS, EPERM under
 * a seccomp or Yama policy) the same read goes through {@code /proc/<pid>/mem}. EFAULT and ESRCH
 * are answers, not refusals, and are passed on as they are.
 */
final class FallbackProcessMemory implements ProcessMemory {
    private final Optional<VmReadvMemory> primary;
    private final ProcessMemory fallback;

    FallbackProcessMemory(Optional<VmReadvMemory> primary, ProcessMemory fallback) {
        this.primary = primary;
        this.fallback = fallback;
    }

    @Override
    public void read(int pid, long address, byte[] dst, int off, int len) throws ProcException {
        if (primary.isPresent()) {
            try {
                primary.get().read(pid, address, dst, off, len);
                return;
            } catch (VmReadvMemory.NativeErrnoException e) {
                // refused, not answered: try the other way
            }
        }
        fallback.read(pid, address, dst, off, len);
    }
}
