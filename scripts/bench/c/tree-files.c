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
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* Oracle's dtprobed: dof_stash_add and dof_stash_write_parsed for a new DOF of a known process */
static void oracle(int base, int n) {
    int stash = dir_at(base, "stash");
    int dof = dir_at(stash, "dof");
    int dofpid = dir_at(stash, "dof-pid");
    int probes = dir_at(base, "probes");
    char name[128], link[160], rec[FILE_BYTES], raw[DOF_BYTES];
    memset(rec, 'x', sizeof rec);
    memset(raw, 'd', sizeof raw);
    calls = 0;
    double t0 = now_us(), c0 = cpu_us();
    for (int r = 0; r < n; r++) {
        int pid = dir_at(dofpid, "1234");
        snprintf(name, sizeof name, "2049-%d", 100000 + r); /* each DOF its own object */
        int src = dir_at(pid, name);
        int gen = openat(pid, "next-gen", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        struct stat st;
        check(gen >= 0 && fstat(gen, &st) == 0, "next-gen");
        int fd = openat(dof, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
        check(fd >= 0 && write(fd, raw, sizeof raw) == (ssize_t) sizeof raw, "raw");
        close(fd);
        snprintf(link, sizeof link, "dof/%s", name);
        check(linkat(stash, link, src, "raw", 0) == 0, "raw link");
        fd = openat(src, "dh", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
        check(fd >= 0 && write(fd, raw, 80) == 80, "dh");
        close(fd);
        snprintf(link, sizeof link, "%ld", (long) st.st_size);
        check(symlinkat(name, pid, link) == 0, "gen link");
        check(ftruncate(gen, st.st_size + 1) == 0, "ftruncate");
        close(gen);
        calls += 12;
        int parsed = dir_at(src, "parsed");
        fd = openat(parsed, "version", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
        check(fd >= 0 && write(fd, raw, 8) == 8, "version");
        close(fd);
        int ppid = dir_at(probes, "1234");
        int prov = dir_at(ppid, "bench1234");
        calls += 3;
        for (int p = 0; p < PROBES; p++) {
            int mod = dir_at(prov, "regbench");
            snprintf(name, sizeof name, "work_%d", p);
            int fun = dir_at(mod, name);
            snprintf(name, sizeof name, "bench:regbench:work_%d:probe%d_%d", p, p, r);
            fd = openat(parsed, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
            check(fd >= 0, "parsed file");
            snprintf(link, sizeof link, "probe%d_%d", p, r);
            check(linkat(parsed, name, fun, link, 0) == 0, "probe link");
            check(write(fd, rec, 8) == 8 && write(fd, rec, 32) == 32 && write(fd, rec, 50) == 50
                    && write(fd, rec, 32) == 32, "records");
            close(fd);
            close(fun);
            close(mod);
            calls += 9;
        }
        close(prov);
        close(ppid);
        close(parsed);
        close(src);
        close(pid);
        calls += 5;
    }
    double t1 = now_us(), c1 = cpu_us();
    printf("oracle %d %.1f %.1f %.1f\n", n, (t1 - t0) / n, (c1 - c0) / n, (double) calls / n);
}

int main(int argc, char **argv) {
    if (argc == 4 && (strcmp(argv[2], "dtprobed") == 0 || strcmp(argv[2], "oracle") == 0)) {
        int dir = open(argv[1], O_RDONLY | O_DIRECTORY);
        check(dir >= 0, argv[1]);
        if (strcmp(argv[2], "dtprobed") == 0) {
            dtprobed(dir, atoi(argv[3]));
        } else {
            oracle(dir, atoi(argv[3]));
        }
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: tree-files DIR N | tree-files DIR dtprobed|oracle N\n");
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
