package org.dtprobed.stash;

/**
 * The mapping of the registering process that holds the DOF, from {@code /proc/<pid>/maps}.
 * Anonymous memory is legal (runtime providers such as libusdt put DOF on the heap): then dev and
 * inode are 0 and the path is empty or a pseudo-name such as {@code [heap]}.
 *
 * @param dev   device in glibc {@code makedev} encoding
 * @param inode inode number
 * @param start start address of the mapping
 * @param path  path as {@code /proc} shows it; stored as data, never used as a file name
 */
public record Mapping(long dev, long inode, long start, String path) {
    public Mapping {
        if (path == null) {
            throw new NullPointerException("path");
        }
    }

    public boolean anonymous() {
        return dev == 0 && inode == 0;
    }
}
