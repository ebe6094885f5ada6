package org.dtprobed.fuse;

import java.io.IOException;
import java.nio.file.Path;
import org.dtprobed.health.Heartbeat;
import org.dtprobed.helper.CallerResolver;
import org.dtprobed.helper.HelperRequests;
import org.dtprobed.helper.RestrictedHelperIoctls;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.proc.ProcessMemory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FUSE-file fallback for kernels without CUSE: {@code /dev/fuse} is opened, a one-file
 * filesystem is mounted at {@link TransportConfig#mountpoint()}, {@code /dev/<device>} is made a
 * symlink to its {@code helper} file, and ioctls on it are served in restricted mode with the DOF
 * read from the caller's memory. {@link #close()} undoes all of it in reverse order.
 */
public final class FuseFileTransport implements HelperTransport {
    private static final Logger LOG = LoggerFactory.getLogger(FuseFileTransport.class);

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final FuseSession session;
    private final FuseMount mount;
    private final DeviceLink link;

    private FuseFileTransport(FuseSession session, FuseMount mount, DeviceLink link) {
        this.session = session;
        this.mount = mount;
        this.link = link;
    }

    public static FuseFileTransport start(TransportConfig config, HelperRequests requests) throws IOException {
        return start(config, requests, OpenWatch.NONE);
    }

    /** As {@link #start(TransportConfig, HelperRequests)}, telling {@code opens} of opens and releases without an ioctl. */
    public static FuseFileTransport start(TransportConfig config, HelperRequests requests,
                                          OpenWatch opens) throws IOException {
        RestrictedHelperIoctls ioctls = new RestrictedHelperIoctls(requests, config.limits(), ProcessMemory.system(),
                new CallerResolver(ProcFs.SYSTEM));
        FuseDevice device = FuseDevice.open(Path.of("/dev/fuse"));
        FuseSession session = null;
        FuseMount mount = null;
        try {
            HelperFileSystem fs = new HelperFileSystem("helperfs", config.maxWrite(), ioctls::handle, opens);
            session = new FuseSession("helperfs", device, fs, config.maxWrite(), config.workers(),
                    config.maxInFlightPerUid());
            mount = FuseMount.mount(device, config.mountpoint());
            session.start();
            Path file = config.mountpoint().resolve(HelperFileSystem.FILE_NAME);
            DeviceLink link = DeviceLink.create(config.devicePath(), file);
            LOG.info("serving {} -> {} (FUSE file, {} workers)", link.path(), file, config.workers());
            return new FuseFileTransport(session, mount, link);
        } catch (IOException | RuntimeException e) {
            if (mount != null) {
                mount.close();
            }
            if (session != null) {
                session.close();
            } else {
                device.close();
            }
            throw e;
        }
    }

    @Override
    public Path devicePath() {
        return link.path();
    }

    public Path helperFile() {
        return mount.mountpoint().resolve(HelperFileSystem.FILE_NAME);
    }

    @Override
    public String kind() {
        return "fuse-file";
    }

    @Override
    public Heartbeat heartbeat() {
        return session.readerHeartbeat();
    }

    @Override
    public boolean serving() {
        return !session.ended();
    }

    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        link.close();
        mount.close();
        session.close();
        LOG.info("stopped serving {}", link.path());
    }
}
