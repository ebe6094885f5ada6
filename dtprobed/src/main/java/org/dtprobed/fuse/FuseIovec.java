package org.dtprobed.fuse;

/** {@code fuse_ioctl_iovec}: a range of the caller's memory a RETRY asks the kernel to copy in. */
public record FuseIovec(long base, long length) {
    public FuseIovec {
        if (length < 0) {
            throw new IllegalArgumentException("iovec length " + length);
        }
    }
}
