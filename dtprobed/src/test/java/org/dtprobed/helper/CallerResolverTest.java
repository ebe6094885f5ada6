package org.dtprobed.helper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.dtprobed.linux.Errno;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.testkit.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tid → process answer is remembered per thread life, never across a reused thread id. */
class CallerResolverTest {
    @Test
    void aThreadOfThisJvmResolvesToThisProcessAndIsRememberedOnce() throws Exception {
        int pid = (int) ProcessHandle.current().pid();
        CallerResolver resolver = new CallerResolver(ProcFs.SYSTEM);
        try (Parked t = new Parked(1)) {
            Caller first = resolver.resolve(t.tids[0], 0, 0);
            Caller again = resolver.resolve(t.tids[0], 0, 0);
            assertThat(first.pid()).isEqualTo(pid);
            assertThat(again).isEqualTo(first);
            assertThat(first.threadStart()).isEqualTo(ProcFs.SYSTEM.startTime(t.tids[0]));
            assertThat(first.processStart()).as("not the main thread").isEqualTo(Caller.UNKNOWN_START);
            assertThat(resolver.remembered()).isEqualTo(1);
            Caller main = resolver.resolve(pid, 0, 0);
            assertThat(main.processStart()).isEqualTo(ProcFs.SYSTEM.startTime(pid));
        }
    }

    /**
     * The kernel's /proc: a thread's stat file stays open for its next request, and a thread that
     * has exited is refused (ESRCH) and its file let go, never read as another thread's.
     */
    @Test
    void aLiveThreadKeepsItsStatFileOpenAndAnExitedOneIsForgotten() throws Exception {
        int pid = (int) ProcessHandle.current().pid();
        try (CallerResolver resolver = new CallerResolver(ProcFs.SYSTEM)) {
            int tid;
            try (Parked t = new Parked(1)) {
                tid = t.tids[0];
                Caller first = resolver.resolve(tid, 0, 0);
                assertThat(resolver.open()).isEqualTo(1);
                Caller again = resolver.resolve(tid, 3, 4);
                assertThat(again).isEqualTo(new Caller(tid, pid, 3, 4, first.threadStart(), first.codeStart()));
                assertThat(again.codeStart()).isEqualTo(ProcFs.SYSTEM.stat(pid).codeStart());
                assertThat(resolver.open()).isEqualTo(1);
            }
            // join returns when the Java thread has ended; the kernel's thread ends a moment later
            Await.until("thread " + tid + " is gone", () -> !Files.exists(Path.of("/proc", Integer.toString(pid),
                    "task", Integer.toString(tid))));
            assertThatThrownBy(() -> resolver.resolve(tid, 0, 0)).isInstanceOf(HelperException.class)
                    .extracting(e -> ((HelperException) e).errno()).isEqualTo(Errno.ESRCH);
            assertThat(resolver.open()).as("the exited thread's file is closed").isZero();
        }
    }

    /** An exec keeps the process's id and start time; its open stat file then shows the new image's code. */
    @Test
    void anExecIsSeenThroughTheOpenStatFile() throws Exception {
        Process p = new ProcessBuilder("/bin/bash", "-c", "read line; exec /bin/sleep 60").start();
        try (CallerResolver resolver = new CallerResolver(ProcFs.SYSTEM)) {
            int pid = (int) p.pid();
            awaitAsleepIn(pid, "bash");
            Caller before = resolver.resolve(pid, 0, 0);
            assertThat(before.pid()).isEqualTo(pid);
            p.getOutputStream().write('\n');
            p.getOutputStream().flush();
            awaitAsleepIn(pid, "sleep");
            Caller after = resolver.resolve(pid, 0, 0);
            assertThat(resolver.open()).isEqualTo(1);
            assertThat(after.processStart()).isEqualTo(before.processStart());
            assertThat(after.codeStart()).isEqualTo(ProcFs.SYSTEM.stat(pid).codeStart()).isNotEqualTo(before.codeStart());
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    /** Waits until the process runs {@code program} and sleeps (in bash's read, in sleep's nanosleep): its exec is done. */
    private static void awaitAsleepIn(int pid, String program) throws InterruptedException {
        Path proc = Path.of("/proc", Integer.toString(pid));
        Await.until(pid + " asleep in " + program, () -> {
            try {
                String stat = Files.readString(proc.resolve("stat"));
                return Files.readSymbolicLink(proc.resolve("exe")).toString().endsWith("/" + program)
                        && stat.substring(stat.lastIndexOf(')') + 2).startsWith("S");
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }

    @Test
    void openStatFilesAreBounded() throws Exception {
        try (Parked t = new Parked(CallerResolver.OPEN_STAT_FILES + 8);
             CallerResolver resolver = new CallerResolver(ProcFs.SYSTEM)) {
            for (int tid : t.tids) {
                resolver.resolve(tid, 0, 0);
            }
            assertThat(resolver.open()).isEqualTo(CallerResolver.OPEN_STAT_FILES);
            for (int tid : t.tids) {
                assertThat(resolver.resolve(tid, 0, 0).pid()).isEqualTo((int) ProcessHandle.current().pid());
            }
            assertThat(resolver.open()).isEqualTo(CallerResolver.OPEN_STAT_FILES);
            resolver.close();
            assertThat(resolver.open()).isZero();
        }
    }

    @Test
    void aReusedThreadIdIsReadAgainAndTheSameLifeIsNot(@TempDir Path root) throws Exception {
        Path p = Files.createDirectories(root.resolve("77"));
        CallerResolver resolver = new CallerResolver(new ProcFs(root));
        writeThread(p, 1000, 10);
        assertThat(resolver.resolve(77, 0, 0).pid()).isEqualTo(10);
        // same start time: the same thread, whose process cannot have changed; status is not read
        Files.writeString(p.resolve("status"), "Name:\tx\nTgid:\t99\n");
        assertThat(resolver.resolve(77, 0, 0).pid()).isEqualTo(10);
        // another start time: the id was reused by a thread of another process
        writeThread(p, 2000, 20);
        Caller reused = resolver.resolve(77, 5, 6);
        assertThat(reused).isEqualTo(new Caller(77, 20, 5, 6, 2000));
    }

    @Test
    void hostileOrVanishedThreadsGetAnErrno(@TempDir Path root) throws Exception {
        Path p = Files.createDirectories(root.resolve("78"));
        CallerResolver resolver = new CallerResolver(new ProcFs(root));
        assertThatThrownBy(() -> resolver.resolve(0, 0, 0)).isInstanceOf(HelperException.class)
                .extracting(e -> ((HelperException) e).errno()).isEqualTo(Errno.EINVAL);
        assertThatThrownBy(() -> resolver.resolve(78, 0, 0)).isInstanceOf(HelperException.class)
                .extracting(e -> ((HelperException) e).errno()).isEqualTo(Errno.ESRCH);
        writeThread(p, 1000, 10);
        Files.writeString(p.resolve("status"), "Name:\tx\nTgid:\tnot-a-number\n");
        assertThatThrownBy(() -> resolver.resolve(78, 0, 0)).isInstanceOf(HelperException.class)
                .hasMessageContaining("Tgid 'not-a-number' is not a positive number")
                .extracting(e -> ((HelperException) e).errno()).isEqualTo(Errno.EINVAL);
        assertThat(resolver.remembered()).as("nothing remembered from a refusal").isZero();
    }

    @Test
    void rememberedLivesAreBounded(@TempDir Path root) throws Exception {
        CallerResolver resolver = new CallerResolver(new ProcFs(root));
        for (int tid = 1; tid <= CallerResolver.REMEMBERED_THREADS + 100; tid++) {
            writeThread(Files.createDirectories(root.resolve(Integer.toString(tid))), 500 + tid, tid);
            assertThat(resolver.resolve(tid, 0, 0).pid()).isEqualTo(tid);
        }
        assertThat(resolver.remembered()).isEqualTo(CallerResolver.REMEMBERED_THREADS);
    }

    private static void writeThread(Path dir, long start, int tgid) throws Exception {
        StringBuilder stat = new StringBuilder(dir.getFileName() + " (t) S");
        for (int field = 4; field <= 52; field++) {
            stat.append(' ').append(field == 22 ? Long.toString(start) : "0");
        }
        Files.writeString(dir.resolve("stat"), stat + "\n");
        Files.writeString(dir.resolve("status"), "Name:\tt\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t" + tgid + "\n");
    }

    /** Threads of this JVM that wait until closed, with their thread ids. */
    private static final class Parked implements AutoCloseable {
        final int[] tids;
        private final Thread[] threads;
        private final CountDownLatch done = new CountDownLatch(1);

        Parked(int count) throws InterruptedException {
            tids = new int[count];
            threads = new Thread[count];
            CountDownLatch started = new CountDownLatch(count);
            for (int i = 0; i < count; i++) {
                int at = i;
                threads[i] = new Thread(() -> {
                    tids[at] = readTid();
                    started.countDown();
                    try {
                        done.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                threads[i].start();
            }
            started.await();
        }

        @Override
        public void close() throws InterruptedException {
            done.countDown();
            for (Thread t : threads) {
                t.join();
            }
        }
    }

    private static int readTid() {
        try {
            return Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
