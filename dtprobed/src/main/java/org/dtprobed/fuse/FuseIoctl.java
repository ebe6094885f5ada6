package org.dtprobed.fuse;

/**
 * {@code FUSE_IOCTL} with {@code fuse_ioctl_in} and the {@code in_size} bytes the kernel copied
 * from the caller: in restricted mode (a FUSE file) {@code _IOC_SIZE(cmd)} bytes at {@code arg};
 * in unrestricted mode (CUSE) nothing on the first round, then what the last RETRY asked for.
 */
public record FuseIoctl(FuseInHeader header, long fh, int flags, int cmd, long arg, int outSize, byte[] in)
        implements FuseRequest {
    public boolean unrestricted() {
        return (flags & FuseLayout.IOCTL_UNRESTRICTED) != 0;
    }

    public int inSize() {
        return in.length;
    }
}
