/*
 * The benchmark client: registers DOF through a helper device the way drti does (open the
 * device, ioctl DTRACEHIOC_ADDDOF with a dof_helper_t on the stack, close) and measures what the
 * registering program feels.
 *
 *   regbench latency DEVICE N DOF...     N registrations, cycling over the DOF files; prints
 *                                         one line: count p50_us p99_us max_us total_s
 *   regbench forkstorm DEVICE N DOF      the parent registers, then N children each re-register
 *                                         (as drti's atfork handler does) and exit; two children
 *                                         in flight at a time; prints: count failures total_s rate
 *
 * Exit 0 when every registration succeeded, 1 otherwise (the count of failures is printed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ADDDOF 0x4050d803u

typedef struct {
    char dofhp_mod[64];
    uint64_t dofhp_addr;
    uint64_t dofhp_dof;
} dof_helper_t;

static void *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    struct stat st;
    fstat(fileno(f), &st);
    void *buf = aligned_alloc(8, ((size_t) st.st_size + 7) & ~(size_t) 7);
    if (buf == NULL || fread(buf, 1, st.st_size, f) != (size_t) st.st_size) {
        fprintf(stderr, "%s: cannot read\n", path);
        exit(2);
    }
    fclose(f);
    *len = st.st_size;
    return buf;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One registration as drti performs it; returns the ioctl's time in ns, or -1. */
static long long register_dof(const char *dev, void *dof)
{
    dof_helper_t dh;
    memset(&dh, 0, sizeof(dh));
    snprintf(dh.dofhp_mod, sizeof(dh.dofhp_mod), "regbench");
    dh.dofhp_addr = 0;
    dh.dofhp_dof = (uintptr_t) dof;
    int fd = open(dev, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -1;
    double t0 = now();
    int gen = ioctl(fd, ADDDOF, &dh);
    double t1 = now();
    close(fd);
    return gen < 0 ? -1 : (long long) ((t1 - t0) * 1e9);
}

static int cmp(const void *a, const void *b)
{
    long long x = *(const long long *) a, y = *(const long long *) b;
    return x < y ? -1 : x > y;
}

static int latency(const char *dev, long n, int ndof, char **files)
{
    void **dofs = calloc(ndof, sizeof(void *));
    for (int i = 0; i < ndof; i++) {
        size_t len;
        dofs[i] = load(files[i], &len);
    }
    long long *ns = calloc(n, sizeof(long long));
    long failures = 0, ok = 0;
    double t0 = now();
    for (long i = 0; i < n; i++) {
        long long t = register_dof(dev, dofs[i % ndof]);
        if (t < 0)
            failures++;
        else
            ns[ok++] = t;
    }
    double total = now() - t0;
    qsort(ns, ok, sizeof(long long), cmp);
    if (ok == 0) {
        printf("%ld 0 0 0 %.3f failures=%ld errno=%d\n", n, total, failures, errno);
        return 1;
    }
    printf("%ld %.1f %.1f %.1f %.3f failures=%ld\n", ok, ns[ok / 2] / 1e3, ns[(long) (ok * 0.99)] / 1e3,
           ns[ok - 1] / 1e3, total, failures);
    return failures == 0 ? 0 : 1;
}

static int forkstorm(const char *dev, long n, const char *file)
{
    size_t len;
    void *dof = load(file, &len);
    if (register_dof(dev, dof) < 0) {
        fprintf(stderr, "parent registration failed: %s\n", strerror(errno));
        return 1;
    }
    long failures = 0, inflight = 0;
    double t0 = now();
    for (long i = 0; i < n; i++) {
        if (inflight == 2) {
            int st;
            wait(&st);
            inflight--;
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                failures++;
        }
        pid_t p = fork();
        if (p == 0)
            _exit(register_dof(dev, dof) < 0 ? 1 : 0);
        if (p < 0) {
            failures++;
            continue;
        }
        inflight++;
    }
    while (inflight-- > 0) {
        int st;
        wait(&st);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            failures++;
    }
    double total = now() - t0;
    printf("%ld %ld %.3f %.1f\n", n, failures, total, n / total);
    return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[1], "latency") == 0)
        return latency(argv[2], atol(argv[3]), argc - 4, argv + 4);
    if (argc == 5 && strcmp(argv[1], "forkstorm") == 0)
        return forkstorm(argv[2], atol(argv[3]), argv[4]);
    fprintf(stderr, "usage: regbench latency DEVICE N DOF... | regbench forkstorm DEVICE N DOF\n");
    return 2;
}
