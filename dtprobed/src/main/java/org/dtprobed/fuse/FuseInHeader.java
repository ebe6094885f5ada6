package org.dtprobed.fuse;

/**
 * {@code fuse_in_header}: the 40 bytes in front of every request.
 *
 * @param length      whole message length including this header
 * @param opcode      raw opcode (see {@link FuseOpcode#of})
 * @param unique      request id; the reply carries it back
 * @param nodeId      inode the request is about (FUSE), 0 for CUSE
 * @param uid         caller's fsuid
 * @param gid         caller's fsgid
 * @param pid         caller's <em>thread</em> id in the daemon's pid namespace (0 if not visible)
 * @param extLength   bytes of request extensions after the body (7.38 {@code total_extlen} × 8)
 */
public record FuseInHeader(int length, int opcode, long unique, long nodeId, int uid, int gid, int pid,
                           int extLength) {
}
