package org.dtprobed.linux;

/**
 * The {@code open(2)} and {@code *at(2)} flag values of Linux on x86-64 and aarch64 (the
 * generic numbering both share), in one place for every caller of {@link LibC}.
 */
public final class OpenFlags {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_TRUNC = 01000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_CLOEXEC = 02000000;
    /** {@code unlinkat}: remove a directory (which must be empty) rather than a file. */
    public static final int AT_REMOVEDIR = 0x200;
    /** {@code renameat2}: fail with EEXIST rather than replace the new name. */
    public static final int RENAME_NOREPLACE = 1;

    private OpenFlags() {
    }
}
