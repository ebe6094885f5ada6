package org.dtprobed.fuse;

import static org.dtprobed.fuse.FuseLayout.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes replies: each is one byte array, out-header included, written to the device with a
 * single {@code write(2)} (the kernel takes a reply only whole).
 */
public final class FuseReplies {
    private FuseReplies() {
    }

    /** An error reply; {@code errno} positive (the header carries it negated). */
    public static byte[] error(long unique, int errno) {
        if (errno <= 0) {
            throw new IllegalArgumentException("errno " + errno);
        }
        ByteBuffer b = reply(unique, 0);
        b.putInt(OUT_ERROR, -errno);
        return b.array();
    }

    /** A success reply with no body (RELEASE, FLUSH, ACCESS, DESTROY, ...). */
    public static byte[] empty(long unique) {
        return reply(unique, 0).array();
    }

    public static byte[] entry(long unique, long nodeId, FuseAttr attr, long validSeconds) {
        ByteBuffer b = reply(unique, ENTRY_OUT_SIZE);
        int o = OUT_HEADER_SIZE;
        b.putLong(o + ENTRY_NODEID, nodeId);
        b.putLong(o + ENTRY_GENERATION, 1);
        b.putLong(o + ENTRY_VALID, validSeconds);
        b.putLong(o + ENTRY_ATTR_VALID, validSeconds);
        putAttr(b, o + ENTRY_ATTR, attr);
        return b.array();
    }

    public static byte[] attr(long unique, FuseAttr attr, long validSeconds) {
        ByteBuffer b = reply(unique, ATTR_OUT_SIZE);
        b.putLong(OUT_HEADER_SIZE + ATTR_OUT_VALID, validSeconds);
        putAttr(b, OUT_HEADER_SIZE + ATTR_OUT_ATTR, attr);
        return b.array();
    }

    public static byte[] open(long unique, long fh, int openFlags) {
        ByteBuffer b = reply(unique, OPEN_OUT_SIZE);
        b.putLong(OUT_HEADER_SIZE + OPEN_OUT_FH, fh);
        b.putInt(OUT_HEADER_SIZE + OPEN_OUT_FLAGS, openFlags);
        return b.array();
    }

    public static byte[] statfs(long unique, int blockSize, int nameMax) {
        ByteBuffer b = reply(unique, STATFS_OUT_SIZE);
        b.putInt(OUT_HEADER_SIZE + STATFS_BSIZE, blockSize);
        b.putInt(OUT_HEADER_SIZE + STATFS_NAMELEN, nameMax);
        b.putInt(OUT_HEADER_SIZE + STATFS_FRSIZE, blockSize);
        return b.array();
    }

    /** The final answer to an ioctl: {@code result} becomes the caller's {@code ioctl()} return value. */
    public static byte[] ioctl(long unique, int result) {
        ByteBuffer b = reply(unique, IOCTL_OUT_SIZE);
        b.putInt(OUT_HEADER_SIZE + IOCTL_OUT_RESULT, result);
        return b.array();
    }

    /** Asks the kernel to copy these ranges of the caller's memory in and re-issue the ioctl (CUSE only). */
    public static byte[] ioctlRetry(long unique, List<FuseIovec> in) {
        if (in.isEmpty() || in.size() > IOCTL_MAX_IOV) {
            throw new IllegalArgumentException(in.size() + " iovecs; 1 to " + IOCTL_MAX_IOV + " allowed");
        }
        ByteBuffer b = reply(unique, IOCTL_OUT_SIZE + in.size() * IOVEC_SIZE);
        int o = OUT_HEADER_SIZE;
        b.putInt(o + IOCTL_OUT_FLAGS, IOCTL_RETRY);
        b.putInt(o + IOCTL_OUT_IN_IOVS, in.size());
        b.putInt(o + IOCTL_OUT_OUT_IOVS, 0);
        int p = o + IOCTL_OUT_SIZE;
        for (FuseIovec v : in) {
            b.putLong(p, v.base());
            b.putLong(p + 8, v.length());
            p += IOVEC_SIZE;
        }
        return b.array();
    }

    /** {@code fuse_init_out} in the size the negotiated minor expects. */
    static byte[] init(long unique, int minor, int maxReadahead, int maxWrite) {
        int size = minor < MINOR_FULL_INIT_OUT ? INIT_OUT_COMPAT22_SIZE : INIT_OUT_SIZE;
        ByteBuffer b = reply(unique, size);
        int o = OUT_HEADER_SIZE;
        b.putInt(o + INIT_OUT_MAJOR, KERNEL_MAJOR);
        b.putInt(o + INIT_OUT_MINOR, minor);
        b.putInt(o + INIT_OUT_MAX_READAHEAD, maxReadahead);
        b.putInt(o + INIT_OUT_FLAGS, 0);
        b.putShort(o + INIT_OUT_MAX_BACKGROUND, (short) 16);
        b.putShort(o + INIT_OUT_CONGESTION_THRESHOLD, (short) 12);
        b.putInt(o + INIT_OUT_MAX_WRITE, maxWrite);
        if (size == INIT_OUT_SIZE) {
            b.putInt(o + INIT_OUT_TIME_GRAN, 1);
        }
        return b.array();
    }

    /** The bare "I speak major 7" answer to a kernel that offered a newer major. */
    static byte[] initMajorOnly(long unique) {
        ByteBuffer b = reply(unique, INIT_OUT_MAJOR_ONLY_SIZE);
        b.putInt(OUT_HEADER_SIZE + INIT_OUT_MAJOR, KERNEL_MAJOR);
        return b.array();
    }

    /** {@code cuse_init_out} plus the NUL-terminated {@code DEVNAME=...} device info. */
    static byte[] cuseInit(long unique, int minor, int maxRead, int maxWrite, String deviceName) {
        byte[] info = ("DEVNAME=" + deviceName + "\0").getBytes(StandardCharsets.UTF_8);
        if (info.length > CUSE_INIT_INFO_MAX) {
            throw new IllegalArgumentException("device info of " + info.length + " bytes exceeds " + CUSE_INIT_INFO_MAX);
        }
        ByteBuffer b = reply(unique, CUSE_INIT_OUT_SIZE + info.length);
        int o = OUT_HEADER_SIZE;
        b.putInt(o + CUSE_INIT_OUT_MAJOR, KERNEL_MAJOR);
        b.putInt(o + CUSE_INIT_OUT_MINOR, minor);
        b.putInt(o + CUSE_INIT_OUT_FLAGS, CUSE_UNRESTRICTED_IOCTL);
        b.putInt(o + CUSE_INIT_OUT_MAX_READ, maxRead);
        b.putInt(o + CUSE_INIT_OUT_MAX_WRITE, maxWrite);
        b.putInt(o + CUSE_INIT_OUT_DEV_MAJOR, 0); // 0/0: the kernel picks a dynamic number
        b.putInt(o + CUSE_INIT_OUT_DEV_MINOR, 0);
        b.put(o + CUSE_INIT_OUT_SIZE, info);
        return b.array();
    }

    /** One directory page: {@code names[i]} at offset {@code i+1}, starting after {@code fromOffset}. */
    static byte[] readdir(long unique, List<DirEntry> entries, long fromOffset, int maxBytes) {
        ByteBuffer body = ByteBuffer.allocate(Math.max(0, maxBytes)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = (int) Math.max(0, fromOffset); i < entries.size(); i++) {
            DirEntry e = entries.get(i);
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            int recLen = (DIRENT_HEADER_SIZE + name.length + 7) & ~7;
            if (body.remaining() < recLen) {
                break;
            }
            int p = body.position();
            body.putLong(e.ino()).putLong(i + 1).putInt(name.length).putInt(e.type()).put(name);
            body.position(p + recLen);
        }
        ByteBuffer b = reply(unique, body.position());
        b.put(OUT_HEADER_SIZE, body.array(), 0, body.position());
        return b.array();
    }

    /** A directory entry; {@code type} is the {@code DT_*} value. */
    record DirEntry(long ino, String name, int type) {
        static final int DT_DIR = 4;
        static final int DT_REG = 8;
    }

    private static ByteBuffer reply(long unique, int bodySize) {
        ByteBuffer b = ByteBuffer.allocate(OUT_HEADER_SIZE + bodySize).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(OUT_LEN, OUT_HEADER_SIZE + bodySize);
        b.putLong(OUT_UNIQUE, unique);
        return b;
    }

    private static void putAttr(ByteBuffer b, int o, FuseAttr a) {
        b.putLong(o + ATTR_INO, a.ino());
        b.putLong(o + ATTR_SIZE_FIELD, a.size());
        b.putLong(o + ATTR_BLOCKS, 0);
        b.putLong(o + ATTR_ATIME, a.time());
        b.putLong(o + ATTR_MTIME, a.time());
        b.putLong(o + ATTR_CTIME, a.time());
        b.putInt(o + ATTR_MODE, a.mode());
        b.putInt(o + ATTR_NLINK, a.nlink());
        b.putInt(o + ATTR_UID, a.uid());
        b.putInt(o + ATTR_GID, a.gid());
        b.putInt(o + ATTR_BLKSIZE, 4096);
    }
}
