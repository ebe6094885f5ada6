package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDirLockTest {
    @TempDir
    Path dir;

    @Test
    void aSecondHolderIsRefusedWithTheOwnersPid() throws Exception {
        try (StateDirLock first = StateDirLock.acquire(dir)) {
            assertThatThrownBy(() -> StateDirLock.acquire(dir))
                    .isInstanceOf(StateDirLock.HeldException.class)
                    .hasMessageContaining("pid " + ProcessHandle.current().pid())
                    .hasMessageContaining(dir.toString());
        }
        StateDirLock.acquire(dir).close();
    }

    /** The lock dies with its holder, even on SIGKILL: no stale lock after a crash. */
    @Test
    void aKilledHolderLeavesNoStaleLock() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process holder = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                HoldLock.class.getName(), dir.toString()).redirectErrorStream(true).start();
        assertThat(holder.getInputStream().read()).as("holder reports it holds the lock").isEqualTo('L');
        assertThatThrownBy(() -> StateDirLock.acquire(dir)).isInstanceOf(StateDirLock.HeldException.class)
                .hasMessageContaining("pid " + holder.pid());
        holder.destroyForcibly();
        assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
        StateDirLock.acquire(dir).close();
    }

    /** Child main: takes the lock, says so, and waits to be killed. */
    public static final class HoldLock {
        public static void main(String[] args) throws Exception {
            StateDirLock lock = StateDirLock.acquire(Path.of(args[0]));
            System.out.print('L');
            System.out.flush();
            Thread.sleep(600_000);
            lock.close();
        }
    }
}
