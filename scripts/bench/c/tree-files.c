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
 */
#define _GNU_SOURCE
#include <fcntl.h>
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

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: tree-files DIR N\n");
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
