package org.dtprobed.jail;

import jnr.ffi.Pointer;
import org.dtprobed.linux.LibC;
import org.dtprobed.linux.Native;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the running JVM into the jail, in this order: resource limits, drop to an unprivileged
 * uid/gid (when root), no-new-privs, then the seccomp filter on every thread (TSYNC). Each step
 * is checked; any failure is a {@link JailException}, never a warning. Everything the child will
 * need later must be loaded before {@link #install} (see {@link Warmup}): after it, no file can
 * be opened, not even a class file or a JNI library.
 */
final class Jail {
    private static final Logger LOG = LoggerFactory.getLogger(Jail.class);

    static final int PR_SET_NO_NEW_PRIVS = 38;
    static final int PR_GET_NO_NEW_PRIVS = 39;
    static final int PR_GET_SECCOMP = 21;
    static final int SECCOMP_MODE_FILTER = 2;
    static final long SYS_SECCOMP = 317;
    static final long SECCOMP_SET_MODE_FILTER = 1;
    static final long SECCOMP_FILTER_FLAG_TSYNC = 1;

    static final int RLIMIT_CPU = 0;
    static final int RLIMIT_CORE = 4;
    static final int RLIMIT_MEMLOCK = 8;
    static final int RLIMIT_AS = 9;
    static final int RLIMIT_SIZE = 16;

    /** {@code struct sock_fprog}: u16 len @0, pointer to the instructions @8. */
    static final int FPROG_LEN = 0;
    static final int FPROG_FILTER = 8;
    static final int FPROG_SIZE = 16;

    /** {@code struct passwd}: uid @16, gid @20; {@code struct group}: gid @16 (x86-64 glibc). */
    static final int PASSWD_UID = 16;
    static final int PASSWD_GID = 20;
    static final int GROUP_GID = 16;

    private final Native nat;
    private final LibC libc;

    Jail(Native nat) {
        this.nat = nat;
        this.libc = nat.libc();
    }

    JailState install(JailOptions options) throws JailException {
        if (!"amd64".equals(System.getProperty("os.arch"))) {
            throw new JailException("the seccomp filter is written for x86-64; this is " + System.getProperty("os.arch"));
        }
        setLimits(options);
        int[] ids = dropPrivileges(options);
        if (libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
            throw new JailException("prctl(PR_SET_NO_NEW_PRIVS) failed: errno " + nat.errno());
        }
        installFilter(libc.getpid());
        if (libc.prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != SECCOMP_MODE_FILTER
                || libc.prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
            throw new JailException("seccomp filter or no-new-privs not in force after install");
        }
        return new JailState(true, ids[0], ids[1]);
    }

    private void setLimits(JailOptions options) throws JailException {
        // a core dump would write hostile input to disk
        setLimit(RLIMIT_CORE, 0, "RLIMIT_CORE");
        setLimit(RLIMIT_MEMLOCK, 0, "RLIMIT_MEMLOCK");
        if (options.addressSpaceBytes() > 0) {
            setLimit(RLIMIT_AS, options.addressSpaceBytes(), "RLIMIT_AS");
        }
        if (options.cpuSeconds() > 0) {
            setLimit(RLIMIT_CPU, options.cpuSeconds(), "RLIMIT_CPU");
        }
    }

    private void setLimit(int resource, long value, String name) throws JailException {
        Pointer p = nat.allocate(RLIMIT_SIZE);
        p.putLong(0, value);
        p.putLong(8, value);
        if (libc.setrlimit(resource, p) != 0) {
            throw new JailException("setrlimit(" + name + ", " + value + ") failed: errno " + nat.errno());
        }
    }

    /** Returns {uid, gid} after the drop (unchanged when not root). */
    private int[] dropPrivileges(JailOptions options) throws JailException {
        if (libc.geteuid() != 0) {
            LOG.info("jail: not started as root, keeping uid {} gid {}", libc.getuid(), libc.getgid());
            return new int[] {libc.getuid(), libc.getgid()};
        }
        int uid;
        int gid;
        if (options.user().matches("[0-9]{1,9}")) {
            // a uid the daemon allocated for its children alone: no account, group of the same number
            uid = Integer.parseInt(options.user());
            gid = uid;
        } else {
            Pointer pw = libc.getpwnam(options.user());
            if (pw == null) {
                throw new JailException("no such user '" + options.user() + "' to run the parser as");
            }
            uid = pw.getInt(PASSWD_UID);
            gid = pw.getInt(PASSWD_GID);
        }
        if (options.group() != null) {
            Pointer gr = libc.getgrnam(options.group());
            if (gr == null) {
                throw new JailException("no such group '" + options.group() + "' to run the parser as");
            }
            gid = gr.getInt(GROUP_GID);
        }
        if (uid == 0 || gid == 0) {
            throw new JailException("refusing to run the parser as uid " + uid + " gid " + gid);
        }
        if (libc.setgroups(0, null) != 0 || libc.setresgid(gid, gid, gid) != 0 || libc.setresuid(uid, uid, uid) != 0) {
            throw new JailException("dropping to uid " + uid + " gid " + gid + " failed: errno " + nat.errno());
        }
        if (libc.getuid() != uid || libc.geteuid() != uid || libc.getgid() != gid
                || libc.setresuid(0, 0, 0) == 0) {
            throw new JailException("uid " + uid + " gid " + gid + " not in force after the drop");
        }
        return new int[] {uid, gid};
    }

    private void installFilter(int selfPid) throws JailException {
        byte[] program = SeccompFilter.program(selfPid);
        Pointer filter = nat.allocate(program.length);
        filter.put(0, program, 0, program.length);
        Pointer fprog = nat.allocate(FPROG_SIZE);
        fprog.putShort(FPROG_LEN, (short) (program.length / SeccompFilter.INSTRUCTION_SIZE));
        fprog.putAddress(FPROG_FILTER, filter.address());
        long rc = libc.syscall(SYS_SECCOMP, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, fprog);
        if (rc != 0) {
            // with TSYNC a positive result is the id of a thread that could not be synchronised
            throw new JailException("seccomp(SET_MODE_FILTER, TSYNC) failed: "
                    + (rc > 0 ? "thread " + rc + " could not be synchronised" : "errno " + nat.errno()));
        }
    }
}
