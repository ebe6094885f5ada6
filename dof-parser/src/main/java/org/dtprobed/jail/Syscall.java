package org.dtprobed.jail;

/**
 * The x86-64 system calls the filter names, with their numbers ({@code asm/unistd_64.h}; a test
 * checks them against the installed kernel headers) and what the filter does with each.
 */
enum Syscall {
    // files: no new file descriptors, no changes to the file system
    OPEN(2, Rule.DENY), CREAT(85, Rule.DENY), OPENAT(257, Rule.DENY), OPENAT2(437, Rule.DENY),
    OPEN_BY_HANDLE_AT(304, Rule.DENY), NAME_TO_HANDLE_AT(303, Rule.DENY),
    TRUNCATE(76, Rule.DENY), RENAME(82, Rule.DENY), MKDIR(83, Rule.DENY), RMDIR(84, Rule.DENY),
    LINK(86, Rule.DENY), UNLINK(87, Rule.DENY), SYMLINK(88, Rule.DENY), CHMOD(90, Rule.DENY),
    CHOWN(92, Rule.DENY), LCHOWN(94, Rule.DENY), MKNOD(133, Rule.DENY), MKDIRAT(258, Rule.DENY),
    MKNODAT(259, Rule.DENY), FCHOWNAT(260, Rule.DENY), UNLINKAT(263, Rule.DENY),
    RENAMEAT(264, Rule.DENY), LINKAT(265, Rule.DENY), SYMLINKAT(266, Rule.DENY),
    FCHMODAT(268, Rule.DENY), RENAMEAT2(316, Rule.DENY), FCHMODAT2(452, Rule.DENY),
    // network
    SOCKET(41, Rule.DENY), CONNECT(42, Rule.DENY), ACCEPT(43, Rule.DENY), BIND(49, Rule.DENY),
    LISTEN(50, Rule.DENY), SOCKETPAIR(53, Rule.DENY), ACCEPT4(288, Rule.DENY),
    // new programs and new processes; threads are allowed (CLONE_THREAD), see clone below
    EXECVE(59, Rule.DENY), EXECVEAT(322, Rule.DENY), FORK(57, Rule.DENY), VFORK(58, Rule.DENY),
    CLONE(56, Rule.THREADS_ONLY),
    /*
     * Its flags live in a struct the filter cannot read. ENOSYS (not EPERM, which makes
     * pthread_create fail) sends glibc back to clone(2), whose flags the filter can check.
     */
    CLONE3(435, Rule.NOT_IMPLEMENTED),
    // other processes
    PTRACE(101, Rule.DENY), PROCESS_VM_READV(310, Rule.DENY), PROCESS_VM_WRITEV(311, Rule.DENY),
    KCMP(312, Rule.DENY), PIDFD_OPEN(434, Rule.DENY), PIDFD_GETFD(438, Rule.DENY),
    PIDFD_SEND_SIGNAL(424, Rule.DENY), TKILL(200, Rule.DENY),
    KILL(62, Rule.OWN_PROCESS), TGKILL(234, Rule.OWN_PROCESS),
    RT_SIGQUEUEINFO(129, Rule.OWN_PROCESS), RT_TGSIGQUEUEINFO(297, Rule.OWN_PROCESS),
    // name spaces and mounts
    MOUNT(165, Rule.DENY), UMOUNT2(166, Rule.DENY), PIVOT_ROOT(155, Rule.DENY), CHROOT(161, Rule.DENY),
    UNSHARE(272, Rule.DENY), SETNS(308, Rule.DENY), OPEN_TREE(428, Rule.DENY),
    MOVE_MOUNT(429, Rule.DENY), FSOPEN(430, Rule.DENY), FSCONFIG(431, Rule.DENY),
    FSMOUNT(432, Rule.DENY), FSPICK(433, Rule.DENY), MOUNT_SETATTR(442, Rule.DENY),
    // kernel interfaces that reach past the filter (io_uring opens files without a syscall)
    IO_URING_SETUP(425, Rule.DENY), IO_URING_ENTER(426, Rule.DENY), IO_URING_REGISTER(427, Rule.DENY),
    BPF(321, Rule.DENY), PERF_EVENT_OPEN(298, Rule.DENY), USERFAULTFD(323, Rule.DENY),
    KEYCTL(250, Rule.DENY), ADD_KEY(248, Rule.DENY), REQUEST_KEY(249, Rule.DENY),
    INIT_MODULE(175, Rule.DENY), FINIT_MODULE(313, Rule.DENY), DELETE_MODULE(176, Rule.DENY),
    KEXEC_LOAD(246, Rule.DENY), KEXEC_FILE_LOAD(320, Rule.DENY), REBOOT(169, Rule.DENY),
    SWAPON(167, Rule.DENY), SWAPOFF(168, Rule.DENY);

    /** What the filter answers. */
    enum Rule {
        /** EPERM. */
        DENY,
        /** ENOSYS, so that libc falls back to an older call the filter can judge. */
        NOT_IMPLEMENTED,
        /** Allowed when the flags (argument 0) contain CLONE_THREAD, else EPERM. */
        THREADS_ONLY,
        /** Allowed when argument 0 (pid or tgid) is the child itself, else EPERM. */
        OWN_PROCESS
    }

    private final int number;
    private final Rule rule;

    Syscall(int number, Rule rule) {
        this.number = number;
        this.rule = rule;
    }

    int number() {
        return number;
    }

    Rule rule() {
        return rule;
    }

    /** The header's name for it ({@code __NR_<name>}). */
    String kernelName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
