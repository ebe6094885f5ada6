package org.dtprobed.protocol;

/**
 * What backs a range of a process's memory, as {@code /proc/PID/maps} names it: a file (its
 * device, inode and path) or none. Every view of a mapping the daemon, dtprobe and stash-dump hold
 * — a maps line, the mapping a registration's DOF lies in, the object a probe's sites are in —
 * implements this, so that "anonymous" means one thing everywhere.
 */
public interface MappedFile {
    /** {@code st_dev} of the file in glibc's {@code makedev} encoding ({@link Numbers#makedev}); 0 for none. */
    long dev();

    /** The file's inode number; 0 for none. */
    long inode();

    /** The name the kernel prints: a path for a file, a pseudo-name such as {@code [heap]}, or empty. */
    String path();

    /**
     * No file backs the memory. The kernel prints inode 0 for a mapping without a file, named by a
     * pseudo-name ({@code [heap]}, {@code [stack]}, {@code [anon:NAME]}) or nothing, never by a path;
     * a name that is a path is a file's even with inode 0. A deleted file, a memfd
     * ({@code /memfd:NAME (deleted)}) or shared anonymous memory ({@code /dev/zero (deleted)}) has a
     * file and its inode: not anonymous.
     */
    default boolean anonymous() {
        return inode() == 0 && !path().startsWith("/");
    }
}
