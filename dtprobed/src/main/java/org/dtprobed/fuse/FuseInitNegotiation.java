package org.dtprobed.fuse;

import org.dtprobed.linux.Errno;

import static org.dtprobed.fuse.FuseLayout.*;

/**
 * Protocol version negotiation for {@code FUSE_INIT} and {@code CUSE_INIT}: answer with major 7
 * and the smaller of the kernel's minor and {@link FuseLayout#MAX_MINOR}, in the reply size that
 * minor expects. A kernel offering a newer major gets "major 7" alone and sends INIT again; an
 * older major or a minor older than we can describe gets Errno.EPROTO.
 *
 * @param reply       the bytes to write
 * @param established whether the connection is up after this reply
 * @param minor       the negotiated minor (0 when not established)
 */
public record FuseInitNegotiation(byte[] reply, boolean established, int minor) {

    public static FuseInitNegotiation fuse(FuseInit init, int maxWrite) {
        if (init.major() > KERNEL_MAJOR) {
            return new FuseInitNegotiation(FuseReplies.initMajorOnly(init.unique()), false, 0);
        }
        if (init.major() < KERNEL_MAJOR || init.minor() < MIN_MINOR) {
            return new FuseInitNegotiation(FuseReplies.error(init.unique(), Errno.EPROTO), false, 0);
        }
        int minor = Math.min(init.minor(), MAX_MINOR);
        return new FuseInitNegotiation(FuseReplies.init(init.unique(), minor, init.maxReadahead(), maxWrite), true,
                minor);
    }

    public static FuseInitNegotiation cuse(CuseInit init, int maxRead, int maxWrite, String deviceName) {
        // the CUSE kernel side refuses any major but 7 and minors below 11
        if (init.major() != KERNEL_MAJOR || init.minor() < MIN_MINOR) {
            return new FuseInitNegotiation(FuseReplies.error(init.unique(), Errno.EPROTO), false, 0);
        }
        int minor = Math.min(init.minor(), MAX_MINOR);
        return new FuseInitNegotiation(FuseReplies.cuseInit(init.unique(), minor, maxRead, maxWrite, deviceName),
                true, minor);
    }
}
