package org.dtprobed.helper;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofLimits;
import org.dtprobed.linux.Errno;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.testkit.Corpus;
import org.junit.jupiter.api.Test;

/** Budget and sweeping of the per-thread conversations, with rounds given directly. */
class CuseConversationsTest {
    static final long DOF_AT = 0x5000;
    final int tid = (int) ProcessHandle.current().pid();
    final AtomicLong clock = new AtomicLong();
    final InMemoryHelperRequests requests = new InMemoryHelperRequests();

    CuseConversations conversations(long budget) {
        return new CuseConversations(requests, DofLimits.DEFAULT, new CallerResolver(ProcFs.SYSTEM), budget,
                Duration.ofSeconds(60), clock::get);
    }

    static byte[] header(long loadsz) throws Exception {
        byte[] h = java.util.Arrays.copyOf(Corpus.read("libusdt-1.dof"), 64);
        ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).putLong(40, loadsz).putLong(48, loadsz);
        return h;
    }

    IoctlReply round(CuseConversations c, int tid, byte[] in) {
        return c.handle(new IoctlRequest(tid, 0, 0, HelperIoctl.ADDDOF_CMD, 0x1000, in));
    }

    /** Drives one thread up to the point where its DOF buffer is allocated. */
    IoctlReply upToTheDof(CuseConversations c, int tid, long loadsz) throws Exception {
        assertThat(round(c, tid, new byte[0])).isInstanceOf(IoctlReply.Retry.class);
        assertThat(round(c, tid, new DofHelper("m", 0, DOF_AT).encode())).isInstanceOf(IoctlReply.Retry.class);
        return round(c, tid, header(loadsz));
    }

    @Test
    void inFlightBytesAreBudgeted() throws Exception {
        CuseConversations c = conversations(100_000);
        assertThat(upToTheDof(c, tid, 80_000)).isEqualTo(IoctlReply.Retry.of(DOF_AT, 65_536));
        assertThat(c.bufferedBytes()).isEqualTo(80_000);
        IoctlReply second = upToTheDof(c, tid + 1_000_000, 80_000);
        assertThat(second).isInstanceOf(IoctlReply.Failure.class);
        assertThat(((IoctlReply.Failure) second).errno()).isEqualTo(Errno.ENOMEM);
        assertThat(((IoctlReply.Failure) second).reason())
                .isEqualTo("DOF of tid " + (tid + 1_000_000) + " (80000 bytes) exceeds the in-flight budget of 100000 bytes");
        // a fresh request of the first thread frees its buffer
        assertThat(round(c, tid, new byte[0])).isInstanceOf(IoctlReply.Retry.class);
        assertThat(c.bufferedBytes()).isZero();
    }

    @Test
    void idleConversationsAreSweptOnTheNextFreshRequest() throws Exception {
        CuseConversations c = conversations(1 << 30);
        upToTheDof(c, tid + 2_000_000, 70_000);
        assertThat(c.inProgress()).isEqualTo(1);
        clock.addAndGet(Duration.ofSeconds(61).toNanos());
        assertThat(round(c, tid, new byte[0])).isInstanceOf(IoctlReply.Retry.class);
        assertThat(c.inProgress()).isEqualTo(1); // only the new one
        assertThat(c.bufferedBytes()).isZero();
    }

    @Test
    void callerOutsideThePidNamespaceIsRefused() {
        CuseConversations c = conversations(1 << 30);
        IoctlReply r = c.handle(new IoctlRequest(0, 0, 0, HelperIoctl.REMOVE_CMD, 3, new byte[0]));
        assertThat(r).isEqualTo(new IoctlReply.Failure(Errno.EINVAL,
                "caller's thread id 0 is not visible in this pid namespace"));
    }
}
