package org.dtprobed.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.dtprobed.testkit.Await;
import org.junit.jupiter.api.Test;

class FairQueueTest {
    private final List<String> ran = new ArrayList<>();

    private Runnable job(String name) {
        return () -> ran.add(name);
    }

    private void drain(FairQueue q, int n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            q.next().run();
        }
    }

    /** A queue whose reader's role this thread holds, with no other thread: work waits for next(). */
    private static FairQueue reading(int maxPerUid) throws InterruptedException {
        FairQueue q = new FairQueue(maxPerUid);
        assertThat(q.next()).isSameAs(FairQueue.READ);
        return q;
    }

    private static boolean offer(FairQueue q, int uid, Runnable work) {
        Runnable r = q.offerFromReader(uid, work);
        assertThat(r).isIn(null, FairQueue.KEEP_READING);
        return r != null;
    }

    @Test
    void aStormOfOneUserCostsAnotherOneTurnPerRequest() throws InterruptedException {
        FairQueue q = reading(1000);
        for (int i = 0; i < 100; i++) {
            assertThat(offer(q, 65534, job("storm" + i))).isTrue();
        }
        offer(q, 1000, job("user-a"));
        offer(q, 1000, job("user-b"));
        drain(q, 5);
        assertThat(ran).containsExactly("storm0", "user-a", "storm1", "user-b", "storm2");
    }

    @Test
    void rootIsServedBeforeAnyUser() throws InterruptedException {
        FairQueue q = reading(1000);
        for (int i = 0; i < 10; i++) {
            offer(q, 65534, job("storm" + i));
        }
        offer(q, 0, job("root"));
        drain(q, 2);
        assertThat(ran).containsExactly("root", "storm0");
    }

    @Test
    void aUidBeyondItsShareIsRefusedAndRootNever() throws InterruptedException {
        FairQueue q = reading(2);
        assertThat(offer(q, 65534, job("a"))).isTrue();
        assertThat(offer(q, 65534, job("b"))).isTrue();
        assertThat(offer(q, 65534, job("c"))).isFalse();
        for (int i = 0; i < 10; i++) {
            assertThat(offer(q, 0, job("root" + i))).isTrue();
        }
        assertThat(q.inFlight(65534)).isEqualTo(2);
        // a finished request frees its place
        drain(q, 12);
        assertThat(q.inFlight(65534)).isZero();
        assertThat(offer(q, 65534, job("d"))).isTrue();
    }

    @Test
    void aFailedRequestFreesItsPlaceToo() throws InterruptedException {
        FairQueue q = reading(1);
        offer(q, 5, () -> {
            throw new IllegalStateException("boom");
        });
        try {
            q.next().run();
        } catch (IllegalStateException expected) {
            // the worker's own catch reports it
        }
        assertThat(q.inFlight(5)).isZero();
    }

    @Test
    void closeHandsOutWhatIsQueuedThenEnds() throws InterruptedException {
        FairQueue q = reading(4);
        offer(q, 7, job("left"));
        q.close();
        assertThat(offer(q, 7, job("late"))).isFalse();
        q.next().run();
        assertThat(q.next()).isNull();
        assertThat(ran).containsExactly("left");
    }

    /** What next() gives another session thread. */
    private static CompletableFuture<Runnable> nextOnAnotherThread(FairQueue q, List<Thread> started) {
        CompletableFuture<Runnable> got = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                got.complete(q.next());
            } catch (InterruptedException e) {
                got.completeExceptionally(e);
            }
        }, "fair-queue-test");
        t.setDaemon(true);
        t.start();
        started.add(t);
        return got;
    }

    /** Another session thread, idle in next() until the reader's role or work comes to it. */
    private static CompletableFuture<Runnable> idleThread(FairQueue q) throws InterruptedException {
        List<Thread> started = new ArrayList<>();
        CompletableFuture<Runnable> got = nextOnAnotherThread(q, started);
        Await.until("the other thread waits in next()", () -> started.get(0).getState() == Thread.State.WAITING);
        return got;
    }

    @Test
    void aSlowRequestReadWhileAThreadIsIdleIsRunByTheReaderWhichReadsOn() throws Exception {
        FairQueue q = reading(4);
        CompletableFuture<Runnable> other = idleThread(q);
        Runnable now = q.offerFromReader(1000, job("mine"));
        assertThat(now).isNotNull().isNotSameAs(FairQueue.KEEP_READING);
        now.run();
        assertThat(q.finishInline()).as("the reader keeps its role").isTrue();
        assertThat(ran).containsExactly("mine");
        assertThat(q.inFlight(1000)).isZero();
        assertThat(other).as("the idle thread was not handed anything").isNotDone();
    }

    @Test
    void aReaderBusyPastTheTakeoverTimeLosesItsRoleToTheIdleThread() throws Exception {
        FairQueue q = reading(4); // fresh: the idle thread waits without a timer until a request comes
        CompletableFuture<Runnable> other = idleThread(q);
        Runnable stalled = q.offerFromReader(1000, job("stalled"));
        assertThat(stalled).isNotNull().isNotSameAs(FairQueue.KEEP_READING);
        // the reader has not finished its request: the standby reads instead
        assertThat(other.get(Await.LIVENESS.toSeconds(), TimeUnit.SECONDS)).isSameAs(FairQueue.READ);
        stalled.run();
        assertThat(q.finishInline()).as("the old reader goes on as a worker").isFalse();
        assertThat(q.inFlight(1000)).isZero();
    }

    @Test
    void whileNoOtherThreadIsIdleTheReaderReadsOnAndTheNextFreeThreadTakesTheWork() throws Exception {
        FairQueue q = reading(4);
        assertThat(q.offerFromReader(1000, job("queued"))).isSameAs(FairQueue.KEEP_READING);
        assertThat(q.inFlight(1000)).isEqualTo(1);
        // a thread that finishes its work comes back: the role is held, so it takes the queued work
        CompletableFuture<Runnable> finished = nextOnAnotherThread(q, new ArrayList<>());
        finished.get(Await.LIVENESS.toSeconds(), TimeUnit.SECONDS).run();
        assertThat(ran).containsExactly("queued");
    }

    @Test
    void aRefusedRequestHandsNothingOn() throws Exception {
        FairQueue q = reading(1);
        assertThat(q.offerFromReader(1000, job("first"))).isSameAs(FairQueue.KEEP_READING);
        CompletableFuture<Runnable> other = nextOnAnotherThread(q, new ArrayList<>());
        // the other thread took the queued work instead of waiting, and runs it while the reader reads on
        Runnable running = other.get(Await.LIVENESS.toSeconds(), TimeUnit.SECONDS);
        CompletableFuture<Runnable> idle = idleThread(q);
        assertThat(q.offerFromReader(1000, job("second"))).as("beyond the uid's share").isNull();
        running.run();
        Runnable third = q.offerFromReader(1000, job("third"));
        assertThat(third).as("the share is free again").isNotNull().isNotSameAs(FairQueue.KEEP_READING);
        third.run();
        assertThat(q.finishInline()).isTrue();
        assertThat(ran).containsExactly("first", "third");
        assertThat(idle).as("no refusal or quick request hands anything to the idle thread").isNotDone();
    }

    @Test
    void onceTheConnectionEndedNobodyReadsAndCloseEndsTheWaiters() throws Exception {
        FairQueue q = reading(4);
        CompletableFuture<Runnable> other = idleThread(q);
        q.endReading();
        Thread.sleep(50);
        assertThat(other).as("no thread reads an ended connection").isNotDone();
        q.close();
        assertThat(other.get(Await.LIVENESS.toSeconds(), TimeUnit.SECONDS)).isNull();
    }
}
