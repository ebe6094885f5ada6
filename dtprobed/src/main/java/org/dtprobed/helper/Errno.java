package org.dtprobed.helper;

/** The errno values the helper conversation answers with (Linux x86-64 and aarch64 numbering). */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ESRCH = 3;
    public static final int EIO = 5;
    public static final int E2BIG = 7;
    public static final int ENOMEM = 12;
    public static final int EFAULT = 14;
    public static final int EINVAL = 22;
    public static final int ENOSYS = 38;
    public static final int EOVERFLOW = 75;

    private Errno() {
    }
}
