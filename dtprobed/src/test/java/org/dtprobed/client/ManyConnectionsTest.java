package org.dtprobed.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.dtprobed.query.ProbeIndex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * 1,000 idle connections and a client sending garbage as fast as it can do not stop {@code list}
 * from being answered. The latency is printed, not asserted.
 */
class ManyConnectionsTest {
    @TempDir
    Path tmp;

    @Test
    void listAnswersDespiteIdleConnectionsAndGarbage() throws Exception {
        ProbeIndex ix = new ProbeIndex();
        for (int pid = 1; pid <= 100; pid++) {
            ix.add(ServerFixture.registration(pid, 0, 1, "load:f:a", "load:f:b"));
        }
        List<AFUNIXSocket> idle = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        long seed = 0xdeadbeefL;
        try (ServerFixture f = new ServerFixture(tmp, ix, Duration.ofSeconds(15))) {
            for (int i = 0; i < 1000; i++) {
                idle.add(AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(f.socket)));
            }
            Thread garbage = new Thread(() -> sendGarbage(f.socket, seed, stop));
            garbage.start();
            long worst = 0;
            for (int round = 0; round < 5; round++) {
                long t0 = System.nanoTime();
                try (DtprobedClient c = DtprobedClient.connect(f.socket)) {
                    assertThat(c.list("load:::a", OptionalInt.empty())).hasSize(100);
                }
                worst = Math.max(worst, System.nanoTime() - t0);
            }
            System.out.printf("list with 1000 idle connections and a garbage sender: worst of 5 = %.1f ms%n",
                    worst / 1e6);
            assertThat(f.server.connectionCount()).isGreaterThanOrEqualTo(1000);
            stop.set(true);
            garbage.join(60_000);
        } finally {
            for (AFUNIXSocket s : idle) {
                s.close();
            }
        }
    }

    /** Random bytes, with and without newlines, reconnecting whenever the server closes on it (seed in the name). */
    private static void sendGarbage(Path socket, long seed, AtomicBoolean stop) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] buf = new byte[4096];
        while (!stop.get()) {
            try (AFUNIXSocket s = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(socket))) {
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                for (int i = 0; i < 200 && !stop.get(); i++) {
                    r.nextBytes(buf);
                    out.write(buf, 0, 1 + r.nextInt(buf.length));
                    out.flush();
                    while (in.available() > 0 && in.read(buf) > 0) {
                        // drain the error answers so the server never blocks writing to us
                    }
                }
            } catch (IOException e) {
                // the server closed the connection on an overlong line: connect again
            }
        }
    }
}
