package org.dtprobed.proc;

/**
 * The identity of a process's executable: the device and inode of its primary text mapping, the
 * pair dtprobed keeps as {@code exec-mapping} to notice an {@code exec()} (reference §5.6).
 */
public record ExecutableId(long dev, long inode, String path) {
}
