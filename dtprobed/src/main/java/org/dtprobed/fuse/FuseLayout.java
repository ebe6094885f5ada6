package org.dtprobed.fuse;

/**
 * Every byte layout of the FUSE/CUSE wire protocol this package speaks, as offsets into each
 * structure (linux {@code include/uapi/linux/fuse.h}, protocol 7.38; all fields little-endian on
 * the platforms this daemon runs on). Message bodies follow the 40-byte in-header; replies
 * follow the 16-byte out-header.
 */
final class FuseLayout {
    private FuseLayout() {
    }

    static final int KERNEL_MAJOR = 7;
    /** The newest minor whose structures this codec writes; a newer kernel is answered with it. */
    static final int MAX_MINOR = 38;
    /** Below this minor fuse_init_out is the 24-byte FUSE_COMPAT_22_INIT_OUT_SIZE form. */
    static final int MINOR_FULL_INIT_OUT = 23;
    /** From this minor the kernel sends the 64-byte fuse_init_in with flags2. */
    static final int MINOR_INIT_IN_FLAGS2 = 36;
    /** Oldest minor we talk to: earlier kernels had different attr/entry sizes. */
    static final int MIN_MINOR = 12;

    static final int FUSE_ROOT_ID = 1;
    /** The read buffer must be at least this large whatever max_write is (FUSE_MIN_READ_BUFFER). */
    static final int MIN_READ_BUFFER = 8192;

    // fuse_in_header (40 bytes)
    static final int IN_HEADER_SIZE = 40;
    static final int IN_LEN = 0;
    static final int IN_OPCODE = 4;
    static final int IN_UNIQUE = 8;
    static final int IN_NODEID = 16;
    static final int IN_UID = 24;
    static final int IN_GID = 28;
    static final int IN_PID = 32;
    static final int IN_TOTAL_EXTLEN = 36;
    static final int EXTLEN_UNIT = 8;

    // fuse_out_header (16 bytes)
    static final int OUT_HEADER_SIZE = 16;
    static final int OUT_LEN = 0;
    static final int OUT_ERROR = 4;
    static final int OUT_UNIQUE = 8;

    // fuse_init_in (16 bytes before 7.36, 64 since)
    static final int INIT_IN_MIN_SIZE = 16;
    static final int INIT_IN_MAJOR = 0;
    static final int INIT_IN_MINOR = 4;
    static final int INIT_IN_MAX_READAHEAD = 8;
    static final int INIT_IN_FLAGS = 12;
    static final int INIT_IN_FLAGS2 = 16;
    static final int INIT_IN_FULL_SIZE = 64;

    // fuse_init_out (64 bytes; 24 before 7.23; 8 for the bare major reply)
    static final int INIT_OUT_SIZE = 64;
    static final int INIT_OUT_COMPAT22_SIZE = 24;
    static final int INIT_OUT_MAJOR_ONLY_SIZE = 8;
    static final int INIT_OUT_MAJOR = 0;
    static final int INIT_OUT_MINOR = 4;
    static final int INIT_OUT_MAX_READAHEAD = 8;
    static final int INIT_OUT_FLAGS = 12;
    static final int INIT_OUT_MAX_BACKGROUND = 16;
    static final int INIT_OUT_CONGESTION_THRESHOLD = 18;
    static final int INIT_OUT_MAX_WRITE = 20;
    static final int INIT_OUT_TIME_GRAN = 24;
    static final int INIT_OUT_MAX_PAGES = 28;
    static final int INIT_OUT_FLAGS2 = 32;

    // cuse_init_in (16 bytes) / cuse_init_out (80 bytes + dev info strings)
    static final int CUSE_INIT_IN_SIZE = 16;
    static final int CUSE_INIT_IN_MAJOR = 0;
    static final int CUSE_INIT_IN_MINOR = 4;
    static final int CUSE_INIT_IN_FLAGS = 12;
    static final int CUSE_INIT_OUT_SIZE = 80;
    static final int CUSE_INIT_OUT_MAJOR = 0;
    static final int CUSE_INIT_OUT_MINOR = 4;
    static final int CUSE_INIT_OUT_FLAGS = 12;
    static final int CUSE_INIT_OUT_MAX_READ = 16;
    static final int CUSE_INIT_OUT_MAX_WRITE = 20;
    static final int CUSE_INIT_OUT_DEV_MAJOR = 24;
    static final int CUSE_INIT_OUT_DEV_MINOR = 28;
    static final int CUSE_INIT_INFO_MAX = 4096;
    static final int CUSE_UNRESTRICTED_IOCTL = 1;

    // fuse_attr (88 bytes)
    static final int ATTR_SIZE = 88;
    static final int ATTR_INO = 0;
    static final int ATTR_SIZE_FIELD = 8;
    static final int ATTR_BLOCKS = 16;
    static final int ATTR_ATIME = 24;
    static final int ATTR_MTIME = 32;
    static final int ATTR_CTIME = 40;
    static final int ATTR_MODE = 60;
    static final int ATTR_NLINK = 64;
    static final int ATTR_UID = 68;
    static final int ATTR_GID = 72;
    static final int ATTR_BLKSIZE = 80;

    // fuse_entry_out (40 + attr) and fuse_attr_out (16 + attr)
    static final int ENTRY_OUT_SIZE = 40 + ATTR_SIZE;
    static final int ENTRY_NODEID = 0;
    static final int ENTRY_GENERATION = 8;
    static final int ENTRY_VALID = 16;
    static final int ENTRY_ATTR_VALID = 24;
    static final int ENTRY_ATTR = 40;
    static final int ATTR_OUT_SIZE = 16 + ATTR_SIZE;
    static final int ATTR_OUT_VALID = 0;
    static final int ATTR_OUT_ATTR = 16;

    // fuse_open_in (8) / fuse_open_out (16)
    static final int OPEN_IN_SIZE = 8;
    static final int OPEN_IN_FLAGS = 0;
    static final int OPEN_OUT_SIZE = 16;
    static final int OPEN_OUT_FH = 0;
    static final int OPEN_OUT_FLAGS = 8;

    // fuse_release_in (24) / fuse_flush_in (24): fh first
    static final int RELEASE_IN_SIZE = 24;
    static final int FLUSH_IN_SIZE = 24;
    static final int FH = 0;

    // fuse_read_in (40) for READDIR
    static final int READ_IN_SIZE = 40;
    static final int READ_IN_OFFSET = 8;
    static final int READ_IN_SIZE_FIELD = 16;

    // fuse_dirent: ino u64, off u64, namelen u32, type u32, name padded to 8
    static final int DIRENT_HEADER_SIZE = 24;

    // fuse_forget_in (8), fuse_batch_forget_in (8), fuse_interrupt_in (8), fuse_access_in (8)
    static final int FORGET_IN_SIZE = 8;
    static final int BATCH_FORGET_IN_SIZE = 8;
    static final int INTERRUPT_IN_SIZE = 8;
    static final int ACCESS_IN_SIZE = 8;

    // fuse_kstatfs inside fuse_statfs_out (80 bytes)
    static final int STATFS_OUT_SIZE = 80;
    static final int STATFS_BSIZE = 40;
    static final int STATFS_NAMELEN = 44;
    static final int STATFS_FRSIZE = 48;

    // fuse_ioctl_in (32 bytes, then in_size bytes)
    static final int IOCTL_IN_SIZE = 32;
    static final int IOCTL_IN_FH = 0;
    static final int IOCTL_IN_FLAGS = 8;
    static final int IOCTL_IN_CMD = 12;
    static final int IOCTL_IN_ARG = 16;
    static final int IOCTL_IN_IN_SIZE = 24;
    static final int IOCTL_IN_OUT_SIZE = 28;

    // fuse_ioctl_out (16 bytes, then iovecs)
    static final int IOCTL_OUT_SIZE = 16;
    static final int IOCTL_OUT_RESULT = 0;
    static final int IOCTL_OUT_FLAGS = 4;
    static final int IOCTL_OUT_IN_IOVS = 8;
    static final int IOCTL_OUT_OUT_IOVS = 12;
    static final int IOVEC_SIZE = 16;
    static final int IOCTL_MAX_IOV = 256;

    static final int IOCTL_COMPAT = 1;
    static final int IOCTL_UNRESTRICTED = 1 << 1;
    static final int IOCTL_RETRY = 1 << 2;
}
