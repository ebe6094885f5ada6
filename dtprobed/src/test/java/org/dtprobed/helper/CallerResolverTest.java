package org.dtprobed.helper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.dtprobed.linux.Errno;
import org.dtprobed.proc.ProcFs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tid → process answer is remembered per thread life, never across a reused thread id. */
class CallerResolverTest {
    @Test
    void aThreadOfThisJvmResolvesToThisProcessAndIsRememberedOnce() throws Exception {
        int pid = (int) ProcessHandle.current().pid();
        CallerResolver resolver = new CallerResolver(ProcFs.SYSTEM);
        AtomicInteger tid = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            tid.set(readTid());
            started.countDown();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        try {
            started.await();
            Caller first = resolver.resolve(tid.get(), 0, 0);
            Caller again = resolver.resolve(tid.get(), 0, 0);
            assertThat(first.pid()).isEqualTo(pid);
            assertThat(again).isEqualTo(first);
            assertThat(first.threadStart()).isEqualTo(ProcFs.SYSTEM.startTime(tid.get()));
            assertThat(first.processStart()).as("not the main thread").isEqualTo(Caller.UNKNOWN_START);
            assertThat(resolver.remembered()).isEqualTo(1);
            Caller main = resolver.resolve(pid, 0, 0);
            assertThat(main.processStart()).isEqualTo(ProcFs.SYSTEM.startTime(pid));
        } finally {
            done.countDown();
            t.join();
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

    private static int readTid() {
        try {
            return Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
