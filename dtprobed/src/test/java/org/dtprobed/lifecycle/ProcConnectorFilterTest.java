package org.dtprobed.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The connector's socket filters, run on events laid out as the kernel sends them by a classic-BPF
 * interpreter of the few instructions they use (the kernel's semantics: big-endian word loads,
 * forward jumps relative to the next instruction, a non-zero return accepts).
 */
class ProcConnectorFilterTest {
    private static final int FORK = 0x00000001;
    private static final int UID = 0x00000004;

    static byte[] event(int what, int pid, int tgid) {
        ByteBuffer b = ByteBuffer.allocate(ProcConnector.EVENT_MIN_SIZE + 8).order(ByteOrder.nativeOrder());
        b.putInt(ProcConnector.EVENT_OFF_WHAT, what).putInt(ProcConnector.EVENT_OFF_PID, pid)
                .putInt(ProcConnector.EVENT_OFF_TGID, tgid);
        return b.array();
    }

    /** Runs a program on a packet; true when it accepts. */
    static boolean accepts(int[][] prog, byte[] packet) {
        assertThat(prog.length).isLessThanOrEqualTo(4096);
        ByteBuffer p = ByteBuffer.wrap(packet).order(ByteOrder.BIG_ENDIAN);
        int a = 0;
        int x = 0;
        int[] mem = new int[16];
        for (int pc = 0; pc < prog.length; pc++) {
            int[] i = prog[pc];
            switch (i[0]) {
                case 0x20 -> a = p.getInt(i[3]);
                case 0x02 -> mem[i[3]] = a;
                case 0x61 -> x = mem[i[3]];
                case 0x15 -> pc += a == i[3] ? i[1] : i[2];
                case 0x1d -> pc += a == x ? i[1] : i[2];
                case 0x06 -> {
                    return i[3] != 0;
                }
                default -> throw new AssertionError("opcode 0x" + Integer.toHexString(i[0]) + " at " + pc);
            }
            assertThat(i[1]).isBetween(0, 255);
            assertThat(i[2]).isBetween(0, 255);
        }
        throw new AssertionError("the program ran off its end");
    }

    @Test
    void theOpenFilterPassesEveryExecAndMainThreadExitOnly() {
        int[][] prog = ProcConnector.filterProgram();
        assertThat(accepts(prog, event(ProcConnector.PROC_EVENT_EXEC, 7, 7))).isTrue();
        assertThat(accepts(prog, event(ProcConnector.PROC_EVENT_EXIT, 7, 7))).isTrue();
        assertThat(accepts(prog, event(ProcConnector.PROC_EVENT_EXIT, 8, 7))).isFalse();
        assertThat(accepts(prog, event(FORK, 7, 7))).isFalse();
        assertThat(accepts(prog, event(UID, 7, 7))).isFalse();
    }

    @Test
    void thePidFilterPassesTheExecsAndMainThreadExitsOfItsPidsOnly() {
        int[] pids = {100, 4_194_303, 1, 0x01020304};
        int[][] prog = ProcConnector.filterProgram(pids);
        for (int pid : pids) {
            assertThat(accepts(prog, event(ProcConnector.PROC_EVENT_EXEC, pid, pid))).as("exec %d", pid).isTrue();
            assertThat(accepts(prog, event(ProcConnector.PROC_EVENT_EXEC, pid + 1, pid))).as("exec by a thread").isTrue();
            assertThat(accepts(prog, event(ProcConnector.PROC_EVENT_EXIT, pid, pid))).as("exit %d", pid).isTrue();
            assertThat(accepts(prog, event(ProcConnector.PROC_EVENT_EXIT, pid + 1, pid))).as("thread exit").isFalse();
            assertThat(accepts(prog, event(FORK, pid, pid))).isFalse();
        }
        for (int other : new int[] {0, 2, 99, 101, 0x04030201, -1}) {
            assertThat(accepts(prog, event(ProcConnector.PROC_EVENT_EXEC, other, other))).as("exec %d", other).isFalse();
            assertThat(accepts(prog, event(ProcConnector.PROC_EVENT_EXIT, other, other))).as("exit %d", other).isFalse();
        }
        assertThat(accepts(ProcConnector.filterProgram(new int[0]), event(ProcConnector.PROC_EVENT_EXEC, 5, 5))).isFalse();
    }

    @Test
    void theLargestPidFilterFitsAndALargerOneIsRefused() {
        int[] pids = IntStream.rangeClosed(1, ProcConnector.MAX_FILTER_PIDS).map(i -> i * 3).toArray();
        int[][] prog = ProcConnector.filterProgram(pids);
        assertThat(prog.length).isLessThanOrEqualTo(4096);
        assertThat(accepts(prog, event(ProcConnector.PROC_EVENT_EXIT, 3 * ProcConnector.MAX_FILTER_PIDS,
                3 * ProcConnector.MAX_FILTER_PIDS))).isTrue();
        assertThat(accepts(prog, event(ProcConnector.PROC_EVENT_EXIT, 4, 4))).isFalse();
        assertThatThrownBy(() -> ProcConnector.filterProgram(new int[ProcConnector.MAX_FILTER_PIDS + 1]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
