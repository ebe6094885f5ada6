package org.dtprobed.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.dtprobed.daemon.SystemdNotifier;
import org.dtprobed.health.Watchdog;
import org.dtprobed.helper.IoctlReply;
import org.dtprobed.testkit.Await;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * The systemd watchdog stops pinging when the FUSE reader is stuck, and pings again once it turns.
 * A real kernel FUSE mount and a real reader thread; the stuck reader is simulated by an OPEN
 * (answered inline by the reader) that blocks until the test releases it. The pings are read
 * from a real datagram socket named by the notifier, as systemd's NOTIFY_SOCKET. Needs root.
 */
@Requires({Capability.ROOT, Capability.FUSE})
class WatchdogIT {
    private static final Duration PERIOD = Duration.ofMillis(100);
    private static final Duration STUCK_AFTER = Duration.ofSeconds(1);

    @TempDir
    Path tmp;

    @Test
    void pingsStopWhileTheReaderIsStuckAndResumeAfter() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HelperFileSystem fs = new HelperFileSystem("wd", 131072, r -> new IoctlReply.Result(0));
        FuseHandler stalling = request -> {
            if (request instanceof FuseOpen) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return fs.handle(request);
        };
        Path mountpoint = Files.createDirectories(tmp.resolve("mnt"));
        Path notify = tmp.resolve("notify.sock");
        FuseDevice device = FuseDevice.open(Path.of("/dev/fuse"));
        FuseSession session = new FuseSession("wd", device, stalling, 131072, 1, 64, STUCK_AFTER);
        try (AFUNIXDatagramSocket systemd = AFUNIXDatagramSocket.newInstance();
             FuseMount mount = FuseMount.mount(device, mountpoint)) {
            systemd.bind(AFUNIXSocketAddress.of(notify));
            // drained all the time, as systemd does: the kernel queues only 10 datagrams
            // (net.unix.max_dgram_qlen), after which the watchdog's send would block
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            Thread receiver = new Thread(() -> {
                try {
                    while (true) {
                        received.add(receive(systemd));
                    }
                } catch (Exception closed) {
                    // the socket closed at the end of the test
                }
            }, "test-systemd");
            receiver.setDaemon(true);
            receiver.start();
            session.start();
            SystemdNotifier notifier = new SystemdNotifier(notify.toString());
            AtomicLong pings = new AtomicLong();
            Runnable ping = () -> {
                pings.incrementAndGet();
                notifier.watchdog();
            };
            try (Watchdog watchdog = Watchdog.start(PERIOD, () -> List.of(session.readerHeartbeat()), ping)) {
                assertThat(received.poll(Await.LIVENESS.toSeconds(), TimeUnit.SECONDS)).as("a ping while the reader turns")
                        .isEqualTo("WATCHDOG=1\n");

                CompletableFuture<Void> opener = CompletableFuture.runAsync(() -> {
                    try {
                        Files.newInputStream(mountpoint.resolve(HelperFileSystem.FILE_NAME)).close();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                assertThat(entered.await(Await.LIVENESS.toSeconds(), TimeUnit.SECONDS)).as("the OPEN reached the reader")
                        .isTrue();
                awaitWithheld(watchdog);
                // withheld is set by the watchdog's thread before it skips the ping: none may follow
                long before = pings.get();
                Thread.sleep(PERIOD.multipliedBy(10).toMillis()); // ten periods in which nothing may happen
                assertThat(pings.get()).as("no ping for ten periods while the reader is stuck").isEqualTo(before);
                assertThat(watchdog.withheld()).isTrue();

                release.countDown();
                opener.get(Await.LIVENESS.toSeconds(), TimeUnit.SECONDS);
                received.clear();
                assertThat(received.poll(Await.LIVENESS.toSeconds(), TimeUnit.SECONDS))
                        .as("pings resume once the reader turns").isEqualTo("WATCHDOG=1\n");
                assertThat(watchdog.withheld()).isFalse();
            }
        } finally {
            release.countDown();
            session.close();
        }
    }

    /** Waits for the watchdog's own decision, not for a time. */
    private static void awaitWithheld(Watchdog watchdog) throws InterruptedException {
        Await.until("the watchdog notices the stuck reader", watchdog::withheld);
    }

    private static String receive(AFUNIXDatagramSocket s) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[256], 256);
        s.receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    }
}
