package org.dtprobed.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.dtprobed.testkit.Await;
import org.junit.jupiter.api.Test;

class SharedParsesTest {
    private static final long LIVENESS_SECONDS = 60;

    @Test
    void waitersThatJoinedBeforeTheEndShareOneRun() throws Exception {
        SharedParses<String, Integer> shared = new SharedParses<>();
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch joined = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<SharedParses.Result<Integer>> first = pool.submit(() -> shared.run("k", () -> {
                runs.incrementAndGet();
                await(joined); // finishes only once the second caller is waiting on it
                return 42;
            }));
            Await.until("the first run is in flight", () -> shared.inFlight() == 1);
            AtomicReference<Thread> secondThread = new AtomicReference<>();
            Future<SharedParses.Result<Integer>> second = pool.submit(() -> {
                secondThread.set(Thread.currentThread());
                return shared.run("k", () -> {
                    runs.incrementAndGet();
                    return -1;
                });
            });
            Await.until("the second caller waits for the first run",
                    () -> secondThread.get() != null && waitingOnAFuture(secondThread.get()));
            joined.countDown();
            assertThat(second.get(LIVENESS_SECONDS, TimeUnit.SECONDS)).isEqualTo(new SharedParses.Result<>(42, true));
            assertThat(first.get(LIVENESS_SECONDS, TimeUnit.SECONDS).value()).isEqualTo(42);
            assertThat(runs.get()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailedRunFailsItsWaitersAndLeavesNothingInFlight() {
        SharedParses<String, String> shared = new SharedParses<>();
        assertThrows(IllegalStateException.class, () -> shared.run("k", () -> {
            throw new IllegalStateException("boom");
        }));
        assertThat(shared.inFlight()).isZero();
        assertThat(shared.run("k", () -> "ok")).isEqualTo(new SharedParses.Result<>("ok", false));
    }

    /** Whether the thread is parked inside a CompletableFuture (the waiter's state). */
    private static boolean waitingOnAFuture(Thread t) {
        if (t.getState() != Thread.State.WAITING) {
            return false;
        }
        for (StackTraceElement f : t.getStackTrace()) {
            if (f.getClassName().equals(java.util.concurrent.CompletableFuture.class.getName())) {
                return true;
            }
        }
        return false;
    }

    private static void await(CountDownLatch l) {
        try {
            if (!l.await(LIVENESS_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("not released within the liveness bound");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
