package org.dtprobed.fuse;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The opcodes of {@code fuse_in_header.opcode}, with their wire values. */
public enum FuseOpcode {
    LOOKUP(1), FORGET(2), GETATTR(3), SETATTR(4), READLINK(5), SYMLINK(6), MKNOD(8), MKDIR(9),
    UNLINK(10), RMDIR(11), RENAME(12), LINK(13), OPEN(14), READ(15), WRITE(16), STATFS(17),
    RELEASE(18), FSYNC(20), SETXATTR(21), GETXATTR(22), LISTXATTR(23), REMOVEXATTR(24), FLUSH(25),
    INIT(26), OPENDIR(27), READDIR(28), RELEASEDIR(29), FSYNCDIR(30), GETLK(31), SETLK(32),
    SETLKW(33), ACCESS(34), CREATE(35), INTERRUPT(36), BMAP(37), DESTROY(38), IOCTL(39), POLL(40),
    NOTIFY_REPLY(41), BATCH_FORGET(42), FALLOCATE(43), READDIRPLUS(44), RENAME2(45), LSEEK(46),
    COPY_FILE_RANGE(47), SETUPMAPPING(48), REMOVEMAPPING(49), SYNCFS(50), TMPFILE(51), STATX(52),
    CUSE_INIT(4096);

    private static final Map<Integer, FuseOpcode> BY_CODE;

    static {
        Map<Integer, FuseOpcode> m = new HashMap<>();
        for (FuseOpcode op : values()) {
            FuseOpcode previous = m.put(op.code, op);
            if (previous != null) {
                throw new IllegalStateException("opcode " + op.code + " used by " + previous + " and " + op);
            }
        }
        BY_CODE = Map.copyOf(m);
    }

    private final int code;

    FuseOpcode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The opcode with this wire value, or empty for a value this table does not know. */
    public static Optional<FuseOpcode> of(int code) {
        return Optional.ofNullable(BY_CODE.get(code));
    }

    /** Opcodes the kernel expects no reply to. */
    public boolean expectsReply() {
        return this != FORGET && this != BATCH_FORGET;
    }
}
