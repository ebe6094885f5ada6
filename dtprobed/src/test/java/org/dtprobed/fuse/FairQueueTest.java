package org.dtprobed.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FairQueueTest {
    private final List<String> ran = new ArrayList<>();

    private Runnable job(String name) {
        return () -> ran.add(name);
    }

    private void drain(FairQueue q, int n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            q.take().run();
        }
    }

    @Test
    void aStormOfOneUserCostsAnotherOneTurnPerRequest() throws InterruptedException {
        FairQueue q = new FairQueue(1000);
        for (int i = 0; i < 100; i++) {
            assertThat(q.offer(65534, job("storm" + i))).isTrue();
        }
        q.offer(1000, job("user-a"));
        q.offer(1000, job("user-b"));
        drain(q, 5);
        assertThat(ran).containsExactly("storm0", "user-a", "storm1", "user-b", "storm2");
    }

    @Test
    void rootIsServedBeforeAnyUser() throws InterruptedException {
        FairQueue q = new FairQueue(1000);
        for (int i = 0; i < 10; i++) {
            q.offer(65534, job("storm" + i));
        }
        q.offer(0, job("root"));
        drain(q, 2);
        assertThat(ran).containsExactly("root", "storm0");
    }

    @Test
    void aUidBeyondItsShareIsRefusedAndRootNever() throws InterruptedException {
        FairQueue q = new FairQueue(2);
        assertThat(q.offer(65534, job("a"))).isTrue();
        assertThat(q.offer(65534, job("b"))).isTrue();
        assertThat(q.offer(65534, job("c"))).isFalse();
        for (int i = 0; i < 10; i++) {
            assertThat(q.offer(0, job("root" + i))).isTrue();
        }
        assertThat(q.inFlight(65534)).isEqualTo(2);
        // a finished request frees its place
        drain(q, 12);
        assertThat(q.inFlight(65534)).isZero();
        assertThat(q.offer(65534, job("d"))).isTrue();
    }

    @Test
    void aFailedRequestFreesItsPlaceToo() throws InterruptedException {
        FairQueue q = new FairQueue(1);
        q.offer(5, () -> {
            throw new IllegalStateException("boom");
        });
        try {
            q.take().run();
        } catch (IllegalStateException expected) {
            // the worker's own catch reports it
        }
        assertThat(q.inFlight(5)).isZero();
    }

    @Test
    void closeHandsOutWhatIsQueuedThenEnds() throws InterruptedException {
        FairQueue q = new FairQueue(4);
        q.offer(7, job("left"));
        q.close();
        assertThat(q.offer(7, job("late"))).isFalse();
        q.take().run();
        assertThat(q.take()).isNull();
        assertThat(ran).containsExactly("left");
    }
}
