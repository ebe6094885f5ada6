package org.dtprobed.proc;

import java.nio.file.Path;
import org.dtprobed.protocol.MappedFile;

/**
 * One line of {@code /proc/<pid>/maps}.
 *
 * @param start   first address (inclusive)
 * @param end     end address (exclusive)
 * @param perms   the four permission characters, e.g. {@code r-xp}
 * @param offset  file offset of {@code start}
 * @param dev     device in glibc {@code makedev} encoding (what {@code stat.st_dev} holds)
 * @param inode   inode number, 0 for anonymous mappings ({@link MappedFile#anonymous})
 * @param path    the path as the kernel prints it, without a {@code " (deleted)"} suffix; empty for
 *                anonymous mappings; pseudo paths such as {@code [stack]} kept as they are
 * @param deleted whether the kernel marked the file {@code (deleted)}
 */
public record Mapping(long start, long end, String perms, long offset, long dev, long inode, String path,
                      boolean deleted) implements MappedFile {
    public Mapping {
        if (Long.compareUnsigned(start, end) > 0) {
            throw new IllegalArgumentException("mapping start 0x" + Long.toHexString(start) + " above end 0x"
                    + Long.toHexString(end));
        }
    }

    public boolean contains(long address) {
        return Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0;
    }

    /**
     * This mapping's link in {@code PROC/PID/map_files}: the process's own view of the file, right
     * across mount namespaces and after the file was unlinked.
     *
     * @param proc where procfs is mounted ({@code /proc})
     */
    public Path mapFile(Path proc, int pid) {
        return proc.resolve(Integer.toString(pid)).resolve("map_files")
                .resolve(Long.toHexString(start) + "-" + Long.toHexString(end));
    }

    public boolean executable() {
        return perms.length() > 2 && perms.charAt(2) == 'x';
    }

    /** Whether {@code other} maps the same object (file): same dev, inode and path. */
    public boolean sameObject(Mapping other) {
        return dev == other.dev && inode == other.inode && path.equals(other.path);
    }

}
