package org.dtprobed.linux;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * Every libc call this project makes, bound once through jnr-ffi ({@link Native}): the jail's
 * (limits, privilege drop, seccomp), the FUSE/CUSE device's and mount's, and the reads of another
 * process's memory. errno is saved after each call and read with {@link Native#errno()}. Public
 * only because jnr-ffi generates its implementation in another class loader.
 */
public interface LibC {
    @SaveError
    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    /** {@code long syscall(long number, ...)}; used for seccomp(2), which glibc 2.36 does not wrap. */
    @SaveError
    long syscall(long number, long arg1, long arg2, Pointer arg3);

    /** Same, for calls whose arguments are all integers. */
    @SaveError
    long syscall(long number, long arg1, long arg2, long arg3);

    @SaveError
    int setrlimit(int resource, Pointer rlimit);

    @SaveError
    int getrlimit(int resource, Pointer rlimit);

    /** glibc's set*id wrappers apply the change to every thread of the process. */
    @SaveError
    int setresuid(int ruid, int euid, int suid);

    @SaveError
    int setresgid(int rgid, int egid, int sgid);

    @SaveError
    int setgroups(long size, Pointer list);

    int getuid();

    int geteuid();

    int getgid();

    int getpid();

    int getppid();

    @SaveError
    Pointer getpwnam(String name);

    @SaveError
    Pointer getgrnam(String name);

    @SaveError
    int open(String path, int flags);

    @SaveError
    int socket(int domain, int type, int protocol);

    /** {@code addr}: a {@code struct sockaddr} of {@code len} bytes (the process-events connector binds one). */
    @SaveError
    int bind(int fd, @In byte[] addr, int len);

    @SaveError
    int setsockopt(int fd, int level, int name, @In byte[] value, int len);

    @SaveError
    long send(int fd, @In byte[] buf, long len, int flags);

    @SaveError
    long recv(int fd, @Out byte[] buf, long len, int flags);

    /** Directory-relative calls: the probes tree is written through them so no name leaves it. */
    @SaveError
    int openat(int dirFd, String path, int flags, int mode);

    @SaveError
    int mkdirat(int dirFd, String path, int mode);

    @SaveError
    int unlinkat(int dirFd, String path, int flags);

    @SaveError
    int renameat(int oldDirFd, String oldPath, int newDirFd, String newPath);

    /** With {@link OpenFlags#RENAME_NOREPLACE}: never replaces what is at the new name (an empty directory included). */
    @SaveError
    int renameat2(int oldDirFd, String oldPath, int newDirFd, String newPath, int flags);

    @SaveError
    int linkat(int oldDirFd, String oldPath, int newDirFd, String newPath, int flags);

    @SaveError
    int kill(int pid, int signal);

    @SaveError
    int close(int fd);

    @SaveError
    int dup(int fd);

    @SaveError
    int dup2(int oldFd, int newFd);

    @SaveError
    long read(int fd, Pointer buf, long count);

    @SaveError
    long pread(int fd, Pointer buf, long count, long offset);

    @SaveError
    long pread(int fd, @Out byte[] buf, long count, long offset);

    /** {@code buf}: {@code struct linux_dirent64} records ({@link DirEntries}). */
    @SaveError
    long getdents64(int fd, @Out byte[] buf, long count);

    @SaveError
    long write(int fd, @In byte[] buf, long count);

    @SaveError
    int ftruncate(int fd, long length);

    /** {@code fds}: {@code struct pollfd} entries (int fd, short events, short revents), native order. */
    @SaveError
    int poll(@In @Out byte[] fds, long nfds, int timeoutMillis);

    @SaveError
    int mount(String source, String target, String fstype, long flags, String data);

    @SaveError
    int umount2(String target, int flags);

    /** {@code ioctl(2)} with a pointer argument (PROCMAP_QUERY on {@code /proc/<pid>/maps}). */
    @SaveError
    int ioctl(int fd, long request, Pointer arg);

    @SaveError
    long process_vm_readv(int pid, Pointer localIov, long liovcnt, Pointer remoteIov, long riovcnt, long flags);
}
