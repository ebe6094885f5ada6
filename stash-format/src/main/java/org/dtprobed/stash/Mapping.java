package org.dtprobed.stash;

import org.dtprobed.protocol.MappedFile;

/**
 * The mapping of the registering process that holds the DOF, from {@code /proc/<pid>/maps}.
 * Anonymous memory ({@link MappedFile#anonymous}) is legal: runtime providers such as libusdt put
 * DOF on the heap.
 *
 * @param dev   device in glibc {@code makedev} encoding
 * @param inode inode number
 * @param start start address of the mapping
 * @param path  path as {@code /proc} shows it; stored as data, never used as a file name
 */
public record Mapping(long dev, long inode, long start, String path) implements MappedFile {
    public Mapping {
        if (path == null) {
            throw new NullPointerException("path");
        }
    }
}
