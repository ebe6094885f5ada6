package org.dtprobed.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
        FuseSession session = new FuseSession("wd", device, stalling, 131072, 1, STUCK_AFTER);
        try (AFUNIXDatagramSocket systemd = AFUNIXDatagramSocket.newInstance();
             FuseMount mount = FuseMount.mount(device, mountpoint)) {
            systemd.bind(AFUNIXSocketAddress.of(notify));
            systemd.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
            session.start();
            try (Watchdog watchdog = Watchdog.start(PERIOD, () -> List.of(session.readerHeartbeat()),
                    new SystemdNotifier(notify.toString())::watchdog)) {
                assertThat(receive(systemd)).as("a ping while the reader turns").isEqualTo("WATCHDOG=1\n");

                CompletableFuture<Void> opener = CompletableFuture.runAsync(() -> {
                    try {
                        Files.newInputStream(mountpoint.resolve(HelperFileSystem.FILE_NAME)).close();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                assertThat(entered.await(30, TimeUnit.SECONDS)).as("the OPEN reached the reader").isTrue();
                awaitWithheld(watchdog);
                drain(systemd);
                systemd.setSoTimeout((int) PERIOD.multipliedBy(10).toMillis());
                assertThat(receiveOrNull(systemd)).as("no ping for ten periods while the reader is stuck").isNull();

                release.countDown();
                opener.get(30, TimeUnit.SECONDS);
                systemd.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
                assertThat(receive(systemd)).as("pings resume once the reader turns").isEqualTo("WATCHDOG=1\n");
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

    private static String receiveOrNull(AFUNIXDatagramSocket s) throws Exception {
        try {
            return receive(s);
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    private static void drain(AFUNIXDatagramSocket s) throws Exception {
        s.setSoTimeout(1);
        while (receiveOrNull(s) != null) {
            // pings sent before the watchdog saw the stuck reader
        }
    }
}
