package org.dtprobed.helper;

/**
 * One helper ioctl round as the transport received it.
 *
 * @param tid thread id from the request header
 * @param uid caller's fsuid
 * @param gid caller's fsgid
 * @param cmd ioctl command
 * @param arg the ioctl argument as the caller passed it (a pointer, or REMOVE's generation)
 * @param in  the bytes the kernel copied in for this round (owned by the receiver)
 */
public record IoctlRequest(int tid, int uid, int gid, int cmd, long arg, byte[] in) {
}
