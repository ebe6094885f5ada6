package org.dtprobed.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.dtprobed.health.Heartbeat;
import org.dtprobed.helper.CallerResolver;
import org.dtprobed.helper.CuseConversations;
import org.dtprobed.helper.HelperRequests;
import org.dtprobed.proc.ProcFs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CUSE transport, as dtprobed serves the device: {@code /dev/cuse} is opened, CUSE_INIT
 * answered with {@code DEVNAME=<device>} and unrestricted ioctls, and every ADDDOF is fetched with
 * RETRY rounds. The kernel creates the node 0600; it is made 0666 here (what dtprobed's udev rule
 * does) so that every user can register. Closing the fd removes the node.
 */
public final class CuseTransport implements HelperTransport {
    private static final Logger LOG = LoggerFactory.getLogger(CuseTransport.class);
    private static final Duration NODE_TIMEOUT = Duration.ofSeconds(10);

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final FuseSession session;
    private final Path node;
    private final CuseConversations conversations;

    private CuseTransport(FuseSession session, Path node, CuseConversations conversations) {
        this.session = session;
        this.node = node;
        this.conversations = conversations;
    }

    public static boolean available() {
        return Files.exists(Path.of("/dev/cuse"));
    }

    public static CuseTransport start(TransportConfig config, HelperRequests requests) throws IOException {
        CuseConversations conversations = new CuseConversations(requests, config.limits(),
                new CallerResolver(ProcFs.SYSTEM));
        FuseDevice device = FuseDevice.open(Path.of("/dev/cuse"));
        CuseHelperDevice handler = new CuseHelperDevice(config.deviceName(), config.maxWrite(), conversations::handle);
        FuseSession session = new FuseSession("cuse", device, handler, config.maxWrite(), config.workers(),
                config.maxInFlightPerUid());
        session.start();
        Path node = config.devicePath();
        try {
            if (!handler.initialised().await(NODE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("no CUSE_INIT from the kernel within " + NODE_TIMEOUT.toSeconds() + " s");
            }
            waitForNode(node);
            Files.setPosixFilePermissions(node, PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (IOException | RuntimeException e) {
            session.close();
            throw e;
        } catch (InterruptedException e) {
            session.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + node, e);
        }
        LOG.info("serving {} (CUSE, {} workers)", node, config.workers());
        return new CuseTransport(session, node, conversations);
    }

    private static void waitForNode(Path node) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + NODE_TIMEOUT.toNanos();
        while (!Files.exists(node)) {
            if (System.nanoTime() > deadline) {
                throw new IOException(node + " did not appear within " + NODE_TIMEOUT.toSeconds() + " s of CUSE_INIT");
            }
            Thread.sleep(5);
        }
    }

    @Override
    public Path devicePath() {
        return node;
    }

    @Override
    public String kind() {
        return "cuse";
    }

    @Override
    public Heartbeat heartbeat() {
        return session.readerHeartbeat();
    }

    @Override
    public boolean serving() {
        return !session.ended();
    }

    /** Requests part-way through their RETRY rounds. */
    public int inProgress() {
        return conversations.inProgress();
    }

    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        session.close();
        LOG.info("stopped serving {}", node);
    }
}
