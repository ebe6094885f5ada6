package org.dtprobed.helper;

/**
 * The helper device's ioctl commands (reference §1.2, §A.4). Command values are the asm-generic
 * {@code _IOC(dir, type, nr, size)} encoding, as dtrace-utils' {@code include/dtrace/ioctl.h} and
 * the C test shim {@code src/test/c/sys/dtrace.h} define them.
 */
public enum HelperIoctl {
    ADDDOF, REMOVE, UNKNOWN;

    private static final int IOC_WRITE = 1;
    public static final int DTRACEHIOC = 0xd8;
    /** {@code _IOW(0xd8, 3, dof_helper_t)}: dtrace-utils, libusdt's shim. */
    public static final int ADDDOF_CMD = ioc(IOC_WRITE, DTRACEHIOC, 3, 80);
    /** {@code ('d'<<24 | 't'<<16 | 'h'<<8) | 3}: the illumos number, whose size bits decode to 9332. */
    public static final int ADDDOF_ILLUMOS_CMD = 0x64746803;
    /** {@code _IOW(0xd8, 2, int)}: the generation travels by value in {@code arg}. */
    public static final int REMOVE_CMD = ioc(IOC_WRITE, DTRACEHIOC, 2, 4);
    /**
     * {@code _IO(0xd8, 2)}: the same REMOVE with no size bits. On a FUSE file the kernel would copy
     * the 4 bytes "at" the generation for {@link #REMOVE_CMD} and fail with EFAULT before the
     * daemon hears of it; this variant reaches the daemon (see the transport report).
     */
    public static final int REMOVE_BY_VALUE_CMD = ioc(0, DTRACEHIOC, 2, 0);
    /** {@code _IOW(0xd8, 1, dof_hdr_t)}: the legacy ADD, refused as dtprobed does. */
    public static final int ADD_LEGACY_CMD = ioc(IOC_WRITE, DTRACEHIOC, 1, 64);

    static int ioc(int dir, int type, int nr, int size) {
        return (dir << 30) | (size << 16) | (type << 8) | nr;
    }

    public static HelperIoctl of(int cmd) {
        if (cmd == ADDDOF_CMD || cmd == ADDDOF_ILLUMOS_CMD) {
            return ADDDOF;
        }
        if (cmd == REMOVE_CMD || cmd == REMOVE_BY_VALUE_CMD) {
            return REMOVE;
        }
        return UNKNOWN;
    }

    public static String hex(int cmd) {
        return "0x" + Integer.toHexString(cmd);
    }
}
