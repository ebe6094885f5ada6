package org.dtprobed.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The one libc binding: bound once per JVM, and errno is the failed call's, on its own thread. */
class NativeTest {
    @Test
    void everyCallerSharesOneBinding() {
        assertThat(Native.load()).isSameAs(Native.load());
        assertThat(Native.load().libc().getpid()).isEqualTo((int) ProcessHandle.current().pid());
    }

    @Test
    void errnoIsTheFailedCallsOnItsThread() throws Exception {
        Native nat = Native.load();
        assertThat(nat.libc().open("/nonexistent/dtprobed-native-test", 0)).isEqualTo(-1);
        assertThat(nat.errno()).isEqualTo(Errno.ENOENT);
        int[] other = new int[1];
        Thread t = new Thread(() -> {
            nat.libc().umount2("", 0);
            other[0] = nat.errno();
        });
        t.start();
        t.join();
        assertThat(other[0]).as("umount2(\"\") on another thread").isIn(Errno.ENOENT, Errno.EPERM, Errno.EINVAL);
        assertThat(nat.errno()).as("this thread's errno is still open's").isEqualTo(Errno.ENOENT);
    }

    @Test
    void allocatedMemoryIsZeroed() {
        assertThat(Native.load().allocate(64).getLong(56)).isZero();
    }
}
