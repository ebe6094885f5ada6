package org.dtprobed.jail;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dtprobed.linux.Errno;
import org.junit.jupiter.api.Test;

/**
 * The BPF program, run by a small classic-BPF interpreter over hand-made {@code seccomp_data}, and
 * the syscall numbers against the installed kernel headers. The real-kernel behaviour is checked
 * by {@link JailEscapeTest}; this pins the decision for every rule, including the ones a live JVM
 * cannot safely try (fork, clone without CLONE_THREAD).
 */
class SeccompFilterTest {
    private static final int SELF = 4242;
    private static final int ALLOW = SeccompFilter.RET_ALLOW;
    private static final int EPERM = SeccompFilter.RET_ERRNO | Errno.EPERM;
    private static final int ENOSYS = SeccompFilter.RET_ERRNO | Errno.ENOSYS;
    private static final int X86_64 = SeccompFilter.AUDIT_ARCH_X86_64;
    private static final int I386 = 0x40000003;

    private final byte[] program = SeccompFilter.program(SELF);

    @Test
    void everyDeniedCallGetsEperm() {
        for (Syscall s : Syscall.values()) {
            if (s.rule() == Syscall.Rule.DENY) {
                assertThat(run(X86_64, s.number(), 0)).as(s.name()).isEqualTo(EPERM);
            }
        }
        assertThat(run(X86_64, Syscall.OPENAT.number(), 0)).isEqualTo(EPERM);
        assertThat(run(X86_64, Syscall.EXECVE.number(), 0)).isEqualTo(EPERM);
    }

    @Test
    void ordinaryCallsAreAllowed() {
        int[] allowed = {0 /* read */, 1 /* write */, 9 /* mmap */, 11 /* munmap */, 10 /* mprotect */,
                202 /* futex */, 228 /* clock_gettime */, 39 /* getpid */, 231 /* exit_group */, 60 /* exit */,
                13 /* rt_sigaction */, 14 /* rt_sigprocmask */, 24 /* sched_yield */, 3 /* close */};
        for (int nr : allowed) {
            assertThat(run(X86_64, nr, 0)).as("syscall %d", nr).isEqualTo(ALLOW);
        }
    }

    @Test
    void cloneMakesThreadsButNotProcessesAndClone3FallsBackWithEnosys() {
        int threadFlags = 0x3D0F00; // what glibc's pthread_create passes: VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|...
        assertThat(run(X86_64, Syscall.CLONE.number(), threadFlags)).isEqualTo(ALLOW);
        assertThat(run(X86_64, Syscall.CLONE.number(), 17 /* SIGCHLD: fork */)).isEqualTo(EPERM);
        assertThat(run(X86_64, Syscall.CLONE.number(), 0x4111 /* VM|VFORK|SIGCHLD: posix_spawn */)).isEqualTo(EPERM);
        assertThat(run(X86_64, Syscall.CLONE3.number(), 0)).isEqualTo(ENOSYS);
        assertThat(run(X86_64, Syscall.FORK.number(), 0)).isEqualTo(EPERM);
        assertThat(run(X86_64, Syscall.VFORK.number(), 0)).isEqualTo(EPERM);
    }

    @Test
    void signalsReachOnlyTheChildItself() {
        for (Syscall s : new Syscall[] {Syscall.KILL, Syscall.TGKILL, Syscall.RT_SIGQUEUEINFO, Syscall.RT_TGSIGQUEUEINFO}) {
            assertThat(run(X86_64, s.number(), SELF)).as(s.name()).isEqualTo(ALLOW);
            assertThat(run(X86_64, s.number(), 1)).as(s.name()).isEqualTo(EPERM);
            assertThat(run(X86_64, s.number(), 0)).as(s.name() + " to the process group").isEqualTo(EPERM);
            assertThat(run(X86_64, s.number(), -1)).as(s.name() + " to everyone").isEqualTo(EPERM);
        }
        assertThat(run(X86_64, Syscall.TKILL.number(), SELF)).isEqualTo(EPERM);
    }

    @Test
    void x32AndOtherArchitecturesAreRefused() {
        assertThat(run(X86_64, 0x40000000 | 39, 0)).isEqualTo(EPERM);
        assertThat(run(X86_64, 0x40000000, 0)).isEqualTo(EPERM);
        assertThat(run(I386, 20 /* getpid on i386 */, 0)).isEqualTo(EPERM);
        assertThat(run(I386, 0, 0)).isEqualTo(EPERM);
    }

    @Test
    void theProgramFitsTheKernelLimits() {
        assertThat(program.length % SeccompFilter.INSTRUCTION_SIZE).isZero();
        assertThat(program.length / SeccompFilter.INSTRUCTION_SIZE).isBetween(10, SeccompFilter.MAX_INSTRUCTIONS);
    }

    @Test
    void syscallNumbersMatchTheKernelHeaders() throws IOException {
        Path header = Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h");
        assertThat(header).as("install linux-libc-dev (scripts/lib/packages.apt)").exists();
        Map<String, Integer> numbers = new HashMap<>();
        Matcher m = Pattern.compile("#define __NR_(\\w+) (\\d+)").matcher(Files.readString(header));
        while (m.find()) {
            numbers.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        int checked = 0;
        for (Syscall s : Syscall.values()) {
            Integer n = numbers.get(s.kernelName());
            if (n != null) {
                assertThat(s.number()).as(s.kernelName()).isEqualTo(n);
                checked++;
            } else {
                // newer than these headers (e.g. fchmodat2 in 6.6); must then be above their highest number
                assertThat(s.number()).as(s.kernelName()).isGreaterThan(numbers.values().stream().max(Integer::compare).orElseThrow());
            }
        }
        assertThat(checked).isGreaterThan(Syscall.values().length - 3);
    }

    /** Classic BPF interpreter for the instructions {@link SeccompFilter} emits. */
    private int run(int arch, int nr, long arg0) {
        ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(SeccompFilter.DATA_NR, nr);
        data.putInt(SeccompFilter.DATA_ARCH, arch);
        data.putLong(SeccompFilter.DATA_ARG0_LOW, arg0);
        ByteBuffer code = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
        int acc = 0;
        int pc = 0;
        for (int steps = 0; steps < 10_000; steps++) {
            int at = pc * SeccompFilter.INSTRUCTION_SIZE;
            int op = Short.toUnsignedInt(code.getShort(at));
            int jt = Byte.toUnsignedInt(code.get(at + 2));
            int jf = Byte.toUnsignedInt(code.get(at + 3));
            int k = code.getInt(at + 4);
            pc++;
            switch (op) {
                case SeccompFilter.LD_W_ABS -> acc = data.getInt(k);
                case SeccompFilter.JMP_JEQ_K -> pc += acc == k ? jt : jf;
                case SeccompFilter.JMP_JGE_K -> pc += Integer.compareUnsigned(acc, k) >= 0 ? jt : jf;
                case SeccompFilter.JMP_JSET_K -> pc += (acc & k) != 0 ? jt : jf;
                case SeccompFilter.RET_K -> {
                    return k;
                }
                default -> throw new AssertionError("unknown opcode " + op + " at " + (pc - 1));
            }
            if (pc * SeccompFilter.INSTRUCTION_SIZE >= program.length) {
                throw new AssertionError("ran off the end of the program");
            }
        }
        throw new AssertionError("program does not terminate");
    }
}
