package org.dtprobed.jail;

import jnr.ffi.Pointer;

/**
 * The libc calls the jail makes, bound through jnr-ffi. The only native surface of the child: every
 * call goes through {@link Native}, which also reads errno. Public only because jnr-ffi generates
 * its implementation in another class loader.
 */
public interface LibC {
    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    /** {@code long syscall(long number, ...)}; used for seccomp(2), which glibc 2.36 does not wrap. */
    long syscall(long number, long arg1, long arg2, Pointer arg3);

    /** Same, for calls whose arguments are all integers. */
    long syscall(long number, long arg1, long arg2, long arg3);

    int setrlimit(int resource, Pointer rlimit);

    int getrlimit(int resource, Pointer rlimit);

    /** glibc's set*id wrappers apply the change to every thread of the process. */
    int setresuid(int ruid, int euid, int suid);

    int setresgid(int rgid, int egid, int sgid);

    int setgroups(long size, Pointer list);

    int getuid();

    int geteuid();

    int getgid();

    int getpid();

    int getppid();

    Pointer getpwnam(String name);

    Pointer getgrnam(String name);

    int open(String path, int flags);

    int socket(int domain, int type, int protocol);

    int kill(int pid, int signal);

    int close(int fd);

    int dup(int fd);

    int dup2(int oldFd, int newFd);

    long write(int fd, byte[] buf, long count);
}
