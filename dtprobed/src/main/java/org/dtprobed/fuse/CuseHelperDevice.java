package org.dtprobed.fuse;

import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.dtprobed.helper.IoctlReply;
import org.dtprobed.helper.IoctlRequest;
import org.dtprobed.linux.Errno;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CUSE character device {@code /dev/<name>}: CUSE_INIT with {@code DEVNAME} and unrestricted
 * ioctls, OPEN/RELEASE/FLUSH with no per-open state (as dtprobed), IOCTL to the RETRY
 * conversation, Errno.ENOSYS for the rest (kernel facts §A.4).
 */
final class CuseHelperDevice implements FuseHandler {
    private static final Logger LOG = LoggerFactory.getLogger(CuseHelperDevice.class);

    private final String deviceName;
    private final int maxWrite;
    private final Function<IoctlRequest, IoctlReply> ioctls;
    private final CountDownLatch initialised = new CountDownLatch(1);

    CuseHelperDevice(String deviceName, int maxWrite, Function<IoctlRequest, IoctlReply> ioctls) {
        this.deviceName = deviceName;
        this.maxWrite = maxWrite;
        this.ioctls = ioctls;
    }

    CountDownLatch initialised() {
        return initialised;
    }

    @Override
    public byte[] handle(FuseRequest r) {
        long u = r.unique();
        if (r instanceof CuseInit) {
            CuseInit init = (CuseInit) r;
            FuseInitNegotiation n = FuseInitNegotiation.cuse(init, maxWrite, maxWrite, deviceName);
            LOG.info("CUSE_INIT kernel {}.{} flags 0x{}: {}", init.major(), init.minor(), Integer.toHexString(init.flags()),
                    n.established() ? "creating /dev/" + deviceName + " (7." + n.minor() + ")" : "refused");
            if (n.established()) {
                initialised.countDown();
            }
            return n.reply();
        }
        if (r instanceof FuseIoctl) {
            return IoctlReplies.encode(u, ioctls.apply(IoctlReplies.request((FuseIoctl) r)));
        }
        if (r instanceof FuseOpen) {
            return FuseReplies.open(u, 0, 0);
        }
        if (r instanceof FuseRelease || r instanceof FuseFlush || r instanceof FuseDestroy) {
            return FuseReplies.empty(u);
        }
        if (r instanceof FuseInterrupt || r instanceof FuseForget || r instanceof FuseBatchForget) {
            return null;
        }
        return FuseReplies.error(u, Errno.ENOSYS);
    }
}
