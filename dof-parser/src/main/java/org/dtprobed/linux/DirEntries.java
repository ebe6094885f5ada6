package org.dtprobed.linux;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * The names in a directory read from its open descriptor with {@code getdents64(2)}: one or two
 * calls for a small directory, where {@code java.nio}'s directory stream costs a stat, a
 * {@code dup}, {@code fcntl}s and two closes around the same reads.
 */
public final class DirEntries {
    /** {@code struct linux_dirent64}: u64 d_ino, s64 d_off, then the record's length, a u16 in native (little-endian) order. */
    static final int D_RECLEN = 16;
    /** Then u8 d_type, then the NUL-terminated name. */
    static final int D_NAME = 19;
    /** Enough for some hundred entries per call; a larger directory takes more calls. */
    public static final int BUFFER = 8192;

    private DirEntries() {
    }

    /**
     * The names in the directory open at {@code fd} ("." and ".." left out), read from its current
     * position with {@code buffer} ({@link #BUFFER} bytes or more); null when a read failed.
     */
    public static Set<String> names(LibC libc, int fd, byte[] buffer) {
        Set<String> names = new HashSet<>();
        for (long n; (n = libc.getdents64(fd, buffer, buffer.length)) != 0; ) {
            if (n < 0) {
                return null;
            }
            for (int at = 0; at < n; ) {
                int length = (buffer[at + D_RECLEN] & 0xff) | (buffer[at + D_RECLEN + 1] & 0xff) << 8;
                int end = at + D_NAME;
                while (end < at + length && buffer[end] != 0) {
                    end++;
                }
                String name = new String(buffer, at + D_NAME, end - at - D_NAME, StandardCharsets.UTF_8);
                if (!name.equals(".") && !name.equals("..")) {
                    names.add(name);
                }
                at += length;
            }
        }
        return names;
    }
}
