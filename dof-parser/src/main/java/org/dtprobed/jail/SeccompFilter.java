package org.dtprobed.jail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.dtprobed.linux.Errno;

/**
 * Builds the child's classic-BPF seccomp program (kernel-and-jail-facts §D): anything that is not
 * x86-64 or is x32 is refused, every {@link Syscall} gets its {@link Syscall.Rule}, everything else
 * is allowed (the JVM needs mmap, futex, clone for threads and more, which an allow list would
 * have to track across JDK versions).
 *
 * <p>Layout of one {@code struct sock_filter}: u16 code, u8 jt, u8 jf, u32 k (8 bytes, little
 * endian). {@code struct seccomp_data}: i32 nr @0, u32 arch @4, u64 ip @8, u64 args[6] @16.
 */
final class SeccompFilter {
    static final int INSTRUCTION_SIZE = 8;

    static final int DATA_NR = 0;
    static final int DATA_ARCH = 4;
    /** Low 32 bits of args[0]; pids and clone flags are ints the kernel truncates to 32 bits. */
    static final int DATA_ARG0_LOW = 16;

    static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    static final int X32_SYSCALL_BIT = 0x40000000;
    static final int CLONE_THREAD = 0x00010000;

    static final int RET_ALLOW = 0x7FFF0000;
    static final int RET_ERRNO = 0x00050000;

    // classic BPF opcodes
    static final int LD_W_ABS = 0x20;
    static final int JMP_JEQ_K = 0x15;
    static final int JMP_JGE_K = 0x35;
    static final int JMP_JSET_K = 0x45;
    static final int RET_K = 0x06;

    /** Longest program the kernel accepts (BPF_MAXINSNS). */
    static final int MAX_INSTRUCTIONS = 4096;

    private SeccompFilter() {
    }

    /**
     * The program for a child whose pid is {@code selfPid}, as the bytes of a
     * {@code sock_filter} array.
     */
    static byte[] program(int selfPid) {
        Assembler a = new Assembler();
        a.load(DATA_ARCH);
        a.jumpIf(JMP_JEQ_K, AUDIT_ARCH_X86_64, Label.NEXT, Label.DENY);
        a.load(DATA_NR);
        a.jumpIf(JMP_JGE_K, X32_SYSCALL_BIT, Label.DENY, Label.NEXT);
        for (Syscall s : Syscall.values()) {
            a.jumpIf(JMP_JEQ_K, s.number(), target(s.rule()), Label.NEXT);
        }
        a.ret(RET_ALLOW);
        a.mark(Label.THREADS_ONLY);
        a.load(DATA_ARG0_LOW);
        a.jumpIf(JMP_JSET_K, CLONE_THREAD, Label.ALLOW, Label.DENY);
        a.mark(Label.OWN_PROCESS);
        a.load(DATA_ARG0_LOW);
        a.jumpIf(JMP_JEQ_K, selfPid, Label.ALLOW, Label.DENY);
        a.mark(Label.ALLOW);
        a.ret(RET_ALLOW);
        a.mark(Label.DENY);
        a.ret(RET_ERRNO | Errno.EPERM);
        a.mark(Label.NOT_IMPLEMENTED);
        a.ret(RET_ERRNO | Errno.ENOSYS);
        return a.assemble();
    }

    private static Label target(Syscall.Rule rule) {
        switch (rule) {
            case DENY:
                return Label.DENY;
            case NOT_IMPLEMENTED:
                return Label.NOT_IMPLEMENTED;
            case THREADS_ONLY:
                return Label.THREADS_ONLY;
            case OWN_PROCESS:
                return Label.OWN_PROCESS;
            default:
                throw new IllegalArgumentException(rule.toString());
        }
    }

    /** Jump targets; NEXT is the following instruction. */
    private enum Label { NEXT, ALLOW, DENY, NOT_IMPLEMENTED, THREADS_ONLY, OWN_PROCESS }

    /** Collects instructions with symbolic forward jumps and resolves them at the end. */
    private static final class Assembler {
        private final List<int[]> code = new ArrayList<>();
        private final List<Label[]> jumps = new ArrayList<>();
        private final int[] marks = new int[Label.values().length];

        Assembler() {
            java.util.Arrays.fill(marks, -1);
        }

        void load(int offset) {
            add(LD_W_ABS, offset, null, null);
        }

        void jumpIf(int op, int k, Label ifTrue, Label ifFalse) {
            add(op, k, ifTrue, ifFalse);
        }

        void ret(int value) {
            add(RET_K, value, null, null);
        }

        void mark(Label label) {
            marks[label.ordinal()] = code.size();
        }

        private void add(int op, int k, Label jt, Label jf) {
            code.add(new int[] {op, k});
            jumps.add(new Label[] {jt, jf});
        }

        byte[] assemble() {
            if (code.size() > MAX_INSTRUCTIONS) {
                throw new IllegalStateException("seccomp program has " + code.size() + " instructions");
            }
            ByteBuffer b = ByteBuffer.allocate(code.size() * INSTRUCTION_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < code.size(); i++) {
                Label[] j = jumps.get(i);
                b.putShort((short) code.get(i)[0]);
                b.put((byte) (j[0] == null ? 0 : offset(i, j[0])));
                b.put((byte) (j[1] == null ? 0 : offset(i, j[1])));
                b.putInt(code.get(i)[1]);
            }
            return b.array();
        }

        /** BPF jumps are relative to the next instruction, forward only, at most 255. */
        private int offset(int from, Label to) {
            if (to == Label.NEXT) {
                return 0;
            }
            int target = marks[to.ordinal()];
            int delta = target - from - 1;
            if (target < 0 || delta < 0 || delta > 255) {
                throw new IllegalStateException("jump from " + from + " to " + to + " cannot be encoded");
            }
            return delta;
        }
    }
}
