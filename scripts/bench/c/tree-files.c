/*
 * The file system's own cost of the probes tree's calls for new content, without the daemon:
 * the floor under the tree's share of the distinct rows (BENCHMARKS.md, sixth session).
 *
 *   tree-files DIR N      (DIR: an empty directory on the file system to measure)
 *
 * Makes DIR/staging and DIR/tree/f0..f9 (ten function directories, as a 10-probe DOF has), then
 * N times what the tree does for one new file: open the function directory, create a template in
 * staging (O_EXCL), write 122 bytes, close, link it into the function directory, unlink the
 * template (a dropped one), close the directory. Prints the mean µs per file, wall and CPU (this
 * process's user + system time: on a loaded machine the wall time is mostly waiting for a core),
 * then the same for removing the N files (what a process's exit costs), one line each.
 *
 *   tree-files DIR dtprobed|oracle N
 *
 * The file system's own cost of one new 10-probe DOF's files, registration by registration: the
 * bound under the distinct-DOF row of scripts/bench/run with the probes tree on (BENCHMARKS.md,
 * seventh session), N registrations of 10 probes each, written two ways:
 *   dtprobed  what this daemon's tree does for a registration of new content in directories the
 *             process has (the row's one process): per probe file, a template created in staging
 *             (O_EXCL), written (one write), closed, linked into its function directory (kept
 *             open), and, once the kept templates are full, an older template unlinked (by the
 *             daemon's background thread: counted here all the same).
 *   oracle    what Oracle's dtprobed does for the same registration (dtprobed-facts §5.3): the
 *             stash's per-registration files (the dof-pid directory and its dev-ino directory,
 *             next-gen opened, the raw DOF created and written, its link, dh, the generation's
 *             symlink, next-gen cut), then parsed/ and version, and per probe mkdirat of its
 *             module and function directories (EEXIST), the parsed file created, linked into
 *             probes/ and written record by record (version, provider, probe, tracepoint).
 * Prints one line: mode, registrations, mean µs per registration wall and CPU, calls per registration.
 *
 *   tree-files DIR dtprobed-procs|oracle-procs N
 *
 * The same per process of the distinct-processes row of scripts/bench/run (N processes, each a new
 * pid registering one 10-probe DOF once and exiting), the process's files from registration to
 * removal, in two parts: the registration's (before the ADDDOF reply: on the client's critical path)
 * and the exit's (the process's removal and whatever runs in the background after it).
 *   dtprobed-procs  this daemon's tree in that row's steady state (BENCHMARKS.md, eighth session):
 *                   the registration takes a skeleton (2 renames) and writes each file into a spare
 *                   (open, write, close) linked by path into its function directory; the exit
 *                   renames the pid's directory into staging (parked) and the background thread
 *                   later stats and unlinks its 10 files (their templates keep them), lists its 13
 *                   directories (open, getdents64 twice, close) to keep them as a skeleton, and
 *                   stats the 10 templates dropped for them (each kept as a spare under its name).
 *   oracle-procs    Oracle's dtprobed (dtprobed-facts §5.3) for a new pid: the registration's stash
 *                   files, parsed/ and the probes/ tree of the new pid (its 13 directories made),
 *                   as the oracle mode; the exit's removal of all of it, file by file.
 * Prints one line: mode, processes, mean µs per process wall and CPU for the registration, then for
 * the exit, and the calls per process of each.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static double cpu_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

#define PROBES 10
#define TEMPLATES 4096 /* TreeFiles.TEMPLATES */
#define FILE_BYTES 122 /* a probe file of one site: version, provider, probe, one tracepoint */
#define DOF_BYTES 1400 /* a generated 10-probe DOF's loadsz, about */

static long calls;

static void check(int ok, const char *what) {
    if (!ok) {
        perror(what);
        exit(1);
    }
}

static int dir_at(int parent, const char *name) {
    calls += 2;
    if (mkdirat(parent, name, 0700) != 0) {
        /* EEXIST: there already */
    }
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    check(fd >= 0, name);
    return fd;
}

/* this daemon: the process's directories exist and stay open; per file 4 calls, plus a dropped template */
static void dtprobed(int base, int n) {
    int staging = dir_at(base, "staging");
    int probes = dir_at(base, "probes");
    int pid = dir_at(probes, "1234");
    int prov = dir_at(pid, "bench1234");
    int mod = dir_at(prov, "regbench");
    int fun[PROBES];
    char name[64], content[FILE_BYTES];
    memset(content, 'x', sizeof content);
    for (int p = 0; p < PROBES; p++) {
        snprintf(name, sizeof name, "work_%d", p);
        fun[p] = dir_at(mod, name);
    }
    calls = 0;
    double t0 = now_us(), c0 = cpu_us();
    long seq = 0;
    for (int r = 0; r < n; r++) {
        for (int p = 0; p < PROBES; p++, seq++) {
            snprintf(name, sizeof name, "t-%ld", seq);
            int fd = openat(staging, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            memcpy(content, &seq, sizeof seq);
            check(fd >= 0 && write(fd, content, sizeof content) == (ssize_t) sizeof content, "template");
            close(fd);
            char link[64];
            snprintf(link, sizeof link, "probe%d_%d", p, r);
            check(linkat(staging, name, fun[p], link, 0) == 0, "linkat");
            calls += 4;
            if (seq >= TEMPLATES) {
                snprintf(name, sizeof name, "t-%ld", seq - TEMPLATES);
                unlinkat(staging, name, 0);
                calls++;
            }
        }
    }
    double t1 = now_us(), c1 = cpu_us();
    printf("dtprobed %d %.1f %.1f %.1f\n", n, (t1 - t0) / n, (c1 - c0) / n, (double) calls / n);
}

/* the directories Oracle's dtprobed keeps its stash and tree in, under base */
struct oracle_dirs {
    int stash, dof, dofpid, probes;
};

/* what one registration made that its removal needs */
struct oracle_reg {
    int pid, src, parsed, ppid, prov;
    char gen[32];
};

static struct oracle_dirs oracle_dirs(int base) {
    struct oracle_dirs d;
    d.stash = dir_at(base, "stash");
    d.dof = dir_at(d.stash, "dof");
    d.dofpid = dir_at(d.stash, "dof-pid");
    d.probes = dir_at(base, "probes");
    return d;
}

/* dof_stash_add and dof_stash_write_parsed: registration r of a new DOF by process pidname */
static struct oracle_reg oracle_add(struct oracle_dirs d, const char *pidname, const char *provname, int r) {
    char name[128], link[160], rec[FILE_BYTES], raw[DOF_BYTES];
    memset(rec, 'x', sizeof rec);
    memset(raw, 'd', sizeof raw);
    struct oracle_reg g;
    g.pid = dir_at(d.dofpid, pidname);
    snprintf(name, sizeof name, "2049-%d", 100000 + r); /* each DOF its own object */
    g.src = dir_at(g.pid, name);
    int gen = openat(g.pid, "next-gen", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    struct stat st;
    check(gen >= 0 && fstat(gen, &st) == 0, "next-gen");
    int fd = openat(d.dof, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    check(fd >= 0 && write(fd, raw, sizeof raw) == (ssize_t) sizeof raw, "raw");
    close(fd);
    snprintf(link, sizeof link, "dof/%s", name);
    check(linkat(d.stash, link, g.src, "raw", 0) == 0, "raw link");
    fd = openat(g.src, "dh", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    check(fd >= 0 && write(fd, raw, 80) == 80, "dh");
    close(fd);
    snprintf(g.gen, sizeof g.gen, "%ld", (long) st.st_size);
    check(symlinkat(name, g.pid, g.gen) == 0, "gen link");
    check(ftruncate(gen, st.st_size + 1) == 0, "ftruncate");
    close(gen);
    calls += 12;
    g.parsed = dir_at(g.src, "parsed");
    fd = openat(g.parsed, "version", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    check(fd >= 0 && write(fd, raw, 8) == 8, "version");
    close(fd);
    g.ppid = dir_at(d.probes, pidname);
    g.prov = dir_at(g.ppid, provname);
    calls += 3;
    for (int p = 0; p < PROBES; p++) {
        int mod = dir_at(g.prov, "regbench");
        snprintf(name, sizeof name, "work_%d", p);
        int fun = dir_at(mod, name);
        snprintf(name, sizeof name, "bench:regbench:work_%d:probe%d_%d", p, p, r);
        fd = openat(g.parsed, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
        check(fd >= 0, "parsed file");
        snprintf(link, sizeof link, "probe%d_%d", p, r);
        check(linkat(g.parsed, name, fun, link, 0) == 0, "probe link");
        check(write(fd, rec, 8) == 8 && write(fd, rec, 32) == 32 && write(fd, rec, 50) == 50
                && write(fd, rec, 32) == 32, "records");
        close(fd);
        close(fun);
        close(mod);
        calls += 9;
    }
    return g;
}

static void oracle_close(struct oracle_reg g) {
    close(g.prov);
    close(g.ppid);
    close(g.parsed);
    close(g.src);
    close(g.pid);
    calls += 5;
}

/* Oracle's dtprobed: dof_stash_add and dof_stash_write_parsed for a new DOF of a known process */
static void oracle(int base, int n) {
    struct oracle_dirs d = oracle_dirs(base);
    calls = 0;
    double t0 = now_us(), c0 = cpu_us();
    for (int r = 0; r < n; r++) {
        oracle_close(oracle_add(d, "1234", "bench1234", r));
    }
    double t1 = now_us(), c1 = cpu_us();
    printf("oracle %d %.1f %.1f %.1f\n", n, (t1 - t0) / n, (c1 - c0) / n, (double) calls / n);
}

#define SPARES 6000  /* kept spares in staging, as the row's steady state holds some thousands */
#define SKELETONS 64 /* TreeFiles.SKELETONS */

static long calls_exit;

/* getdents64 until the end, as DirEntries does; returns the entries but . and .. */
static int list_dir(int parent, const char *path) {
    char buf[8192];
    int fd = openat(parent, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    check(fd >= 0, path);
    long n, entries = 0;
    calls_exit += 2;
    while ((n = syscall(217 /* getdents64 */, fd, buf, sizeof buf)) > 0) {
        for (long at = 0; at < n; at += *(unsigned short *) (buf + at + 16)) {
            const char *name = buf + at + 19;
            if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
                entries++;
            }
        }
        calls_exit++;
    }
    calls_exit++;
    close(fd);
    return (int) entries;
}

/* the directories of a process of the row under dir/name: pid, provider, module, 10 functions */
static void make_process_dirs(int dir, const char *name, long pid) {
    char path[256];
    check(mkdirat(dir, name, 0700) == 0, name);
    snprintf(path, sizeof path, "%s/bench%ld", name, pid);
    check(mkdirat(dir, path, 0700) == 0, path);
    snprintf(path, sizeof path, "%s/bench%ld/regbench", name, pid);
    check(mkdirat(dir, path, 0700) == 0, path);
    for (int p = 0; p < PROBES; p++) {
        snprintf(path, sizeof path, "%s/bench%ld/regbench/work_%d", name, pid, p);
        check(mkdirat(dir, path, 0700) == 0, path);
    }
}

static void dtprobed_procs(int base, int n) {
    int staging = dir_at(base, "staging");
    int probes = dir_at(base, "probes");
    char name[160], path[160], content[FILE_BYTES];
    memset(content, 'x', sizeof content);
    for (int i = 0; i < SPARES; i++) { /* spares, as the background thread keeps them */
        snprintf(name, sizeof name, "s-%d", i);
        int fd = openat(staging, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        check(fd >= 0 && write(fd, content, sizeof content) == (ssize_t) sizeof content, "spare");
        close(fd);
    }
    for (int k = 0; k < SKELETONS; k++) { /* skeletons of processes that went: pid k */
        snprintf(name, sizeof name, "parked-%d", k);
        make_process_dirs(staging, name, k);
    }
    calls = calls_exit = 0;
    double reg_wall = 0, reg_cpu = 0, exit_wall = 0, exit_cpu = 0;
    long spare = 0;
    for (int r = 0; r < n; r++) {
        long pid = 100000 + r, from = r < SKELETONS ? r : 100000 + r - SKELETONS;
        double t0 = now_us(), c0 = cpu_us();
        /* registration: the oldest skeleton renamed into place, then each file written into a spare and linked */
        char sk[64];
        snprintf(sk, sizeof sk, "parked-%d", r);
        snprintf(name, sizeof name, "%s/bench%ld", sk, from);
        snprintf(path, sizeof path, "%s/bench%ld", sk, pid);
        check(renameat(staging, name, staging, path) == 0, "skeleton provider");
        snprintf(name, sizeof name, "%ld", pid);
        check(renameat(staging, sk, probes, name) == 0, "skeleton");
        calls += 2;
        for (int p = 0; p < PROBES; p++, spare++) {
            snprintf(name, sizeof name, "s-%ld", spare % SPARES);
            int fd = openat(staging, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
            memcpy(content, &spare, sizeof spare);
            check(fd >= 0 && write(fd, content, sizeof content) == (ssize_t) sizeof content, "spare write");
            close(fd);
            snprintf(path, sizeof path, "%ld/bench%ld/regbench/work_%d/probe%d_%d", pid, pid, p, p, r);
            check(linkat(staging, name, probes, path, 0) == 0, "link");
            calls += 4;
        }
        double t1 = now_us(), c1 = cpu_us();
        /* exit: the directory parked; then, in the background, its files unlinked (their templates
           keep them) and its directories listed to be kept as a skeleton; the dropped templates stated */
        snprintf(name, sizeof name, "%ld", pid);
        snprintf(sk, sizeof sk, "parked-%d", r + SKELETONS);
        check(renameat(probes, name, staging, sk) == 0, "park");
        calls_exit++;
        struct stat st;
        for (int p = 0; p < PROBES; p++) {
            snprintf(path, sizeof path, "%s/bench%ld/regbench/work_%d/probe%d_%d", sk, pid, p, p, r);
            check(fstatat(staging, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && unlinkat(staging, path, 0) == 0, "unlink");
            snprintf(name, sizeof name, "s-%ld", (spare - PROBES + p) % SPARES);
            check(fstatat(staging, name, &st, AT_SYMLINK_NOFOLLOW) == 0, "template stat");
            calls_exit += 3;
        }
        list_dir(staging, sk);
        snprintf(path, sizeof path, "%s/bench%ld", sk, pid);
        list_dir(staging, path);
        snprintf(path, sizeof path, "%s/bench%ld/regbench", sk, pid);
        list_dir(staging, path);
        for (int p = 0; p < PROBES; p++) {
            snprintf(path, sizeof path, "%s/bench%ld/regbench/work_%d", sk, pid, p);
            check(list_dir(staging, path) == 0, "empty");
        }
        double t2 = now_us(), c2 = cpu_us();
        reg_wall += t1 - t0, reg_cpu += c1 - c0, exit_wall += t2 - t1, exit_cpu += c2 - c1;
    }
    printf("dtprobed-procs %d registration %.1f %.1f exit %.1f %.1f calls %.1f %.1f\n", n, reg_wall / n, reg_cpu / n,
            exit_wall / n, exit_cpu / n, (double) calls / n, (double) calls_exit / n);
}

static void oracle_procs(int base, int n) {
    struct oracle_dirs d = oracle_dirs(base);
    char name[128], link[160], pidname[32], provname[32];
    calls = calls_exit = 0;
    double reg_wall = 0, reg_cpu = 0, exit_wall = 0, exit_cpu = 0;
    for (int r = 0; r < n; r++) {
        double t0 = now_us(), c0 = cpu_us();
        snprintf(pidname, sizeof pidname, "%d", 100000 + r);
        snprintf(provname, sizeof provname, "bench%d", 100000 + r);
        struct oracle_reg g = oracle_add(d, pidname, provname, r);
        double t1 = now_us(), c1 = cpu_us();
        /* exit: every file and directory of the pid removed, in the stash and in probes/ */
        int mod = openat(g.prov, "regbench", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        for (int p = 0; p < PROBES; p++) {
            snprintf(name, sizeof name, "work_%d", p);
            int fun = openat(mod, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            snprintf(link, sizeof link, "probe%d_%d", p, r);
            check(unlinkat(fun, link, 0) == 0, "probe unlink");
            close(fun);
            check(unlinkat(mod, name, AT_REMOVEDIR) == 0, "function rmdir");
            snprintf(name, sizeof name, "bench:regbench:work_%d:probe%d_%d", p, p, r);
            check(unlinkat(g.parsed, name, 0) == 0, "parsed unlink");
            calls_exit += 5;
        }
        close(mod);
        check(unlinkat(g.prov, "regbench", AT_REMOVEDIR) == 0 && unlinkat(g.ppid, provname, AT_REMOVEDIR) == 0
                && unlinkat(d.probes, pidname, AT_REMOVEDIR) == 0, "probes rmdir");
        check(unlinkat(g.parsed, "version", 0) == 0 && unlinkat(g.src, "parsed", AT_REMOVEDIR) == 0
                && unlinkat(g.src, "dh", 0) == 0 && unlinkat(g.src, "raw", 0) == 0, "stash files");
        snprintf(name, sizeof name, "2049-%d", 100000 + r);
        check(unlinkat(d.dof, name, 0) == 0 && unlinkat(g.pid, name, AT_REMOVEDIR) == 0 && unlinkat(g.pid, g.gen, 0) == 0
                && unlinkat(g.pid, "next-gen", 0) == 0 && unlinkat(d.dofpid, pidname, AT_REMOVEDIR) == 0, "stash pid");
        long before = calls;
        oracle_close(g);
        calls = before;
        calls_exit += 2 + 3 + 4 + 5 + 5;
        double t2 = now_us(), c2 = cpu_us();
        reg_wall += t1 - t0, reg_cpu += c1 - c0, exit_wall += t2 - t1, exit_cpu += c2 - c1;
    }
    printf("oracle-procs %d registration %.1f %.1f exit %.1f %.1f calls %.1f %.1f\n", n, reg_wall / n, reg_cpu / n,
            exit_wall / n, exit_cpu / n, (double) calls / n, (double) calls_exit / n);
}

int main(int argc, char **argv) {
    if (argc == 4) {
        int dir = open(argv[1], O_RDONLY | O_DIRECTORY);
        check(dir >= 0, argv[1]);
        if (strcmp(argv[2], "dtprobed") == 0) {
            dtprobed(dir, atoi(argv[3]));
        } else if (strcmp(argv[2], "oracle") == 0) {
            oracle(dir, atoi(argv[3]));
        } else if (strcmp(argv[2], "dtprobed-procs") == 0) {
            dtprobed_procs(dir, atoi(argv[3]));
        } else if (strcmp(argv[2], "oracle-procs") == 0) {
            oracle_procs(dir, atoi(argv[3]));
        } else {
            fprintf(stderr, "tree-files: unknown mode %s\n", argv[2]);
            return 64;
        }
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: tree-files DIR N | tree-files DIR dtprobed|oracle|dtprobed-procs|oracle-procs N\n");
        return 64;
    }
    int n = atoi(argv[2]);
    int base = open(argv[1], O_RDONLY | O_DIRECTORY);
    if (base < 0 || mkdirat(base, "staging", 0700) || mkdirat(base, "tree", 0700)) {
        perror("setup");
        return 1;
    }
    int staging = openat(base, "staging", O_RDONLY | O_DIRECTORY);
    int tree = openat(base, "tree", O_RDONLY | O_DIRECTORY);
    char name[64], content[122];
    memset(content, 'x', sizeof content);
    for (int d = 0; d < 10; d++) {
        snprintf(name, sizeof name, "f%d", d);
        mkdirat(tree, name, 0700);
    }
    double t0 = now_us(), c0 = cpu_us();
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "f%d", i % 10);
        int dir = openat(tree, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        snprintf(name, sizeof name, "t-%d", i);
        int fd = openat(staging, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        memcpy(content, &i, sizeof i);
        if (dir < 0 || fd < 0 || write(fd, content, sizeof content) != (ssize_t) sizeof content) {
            perror("file");
            return 1;
        }
        close(fd);
        char link[32];
        snprintf(link, sizeof link, "p%d", i);
        if (linkat(staging, name, dir, link, 0) != 0) {
            perror("linkat");
            return 1;
        }
        unlinkat(staging, name, 0);
        close(dir);
    }
    double t1 = now_us(), c1 = cpu_us();
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "f%d/p%d", i % 10, i);
        unlinkat(tree, name, 0);
    }
    double t2 = now_us(), c2 = cpu_us();
    printf("new file: %.1f us wall, %.1f us CPU each (%d)\n", (t1 - t0) / n, (c1 - c0) / n, n);
    printf("removal: %.1f us wall, %.1f us CPU each\n", (t2 - t1) / n, (c2 - c1) / n);
    return 0;
}
