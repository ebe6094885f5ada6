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
 *   regbench hold DEVICE N DOF           N children each register the DOF once and stay alive (four
 *                                         registering at a time); once all have, prints
 *                                         count failures total_s, then waits for SIGTERM, SIGINT or
 *                                         EOF on stdin, kills and reaps every child, and exits
 *   regbench exitstamp DEVICE DOF        registers the DOF once and prints "registered PID", then at
 *                                         a line on stdin prints "exit NS" (CLOCK_MONOTONIC) and
 *                                         exits at once (scripts/bench/exit-latency)
 *   regbench query SOCKET N REQUEST      on one connection to the query socket, sends the JSON line
 *                                         REQUEST N/5 times untimed (warm-up), then N times timed
 *                                         (write the line, read one response line); prints
 *                                         count p50_us p99_us max_us failures=F (a failure: a
 *                                         response without "ok":true)
 *
 * Exit 0 when every registration succeeded, 1 otherwise (the count of failures is printed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
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

/* Sorts ok > 0 timings (ns) and prints "count p50_us p99_us max_us", no newline. */
static void print_quantiles(long long *ns, long ok)
{
    qsort(ns, ok, sizeof(long long), cmp);
    printf("%ld %.1f %.1f %.1f", ok, ns[ok / 2] / 1e3, ns[(long) (ok * 0.99)] / 1e3, ns[ok - 1] / 1e3);
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
    if (ok == 0) {
        printf("%ld 0 0 0 %.3f failures=%ld errno=%d\n", n, total, failures, errno);
        return 1;
    }
    print_quantiles(ns, ok);
    printf(" %.3f failures=%ld\n", total, failures);
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

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void) sig;
    stop_requested = 1;
}

/* Reads one child's status byte ('0' registered, anything else or EOF: failed) and closes the pipe. */
static int child_failed(int fd)
{
    char c = 0;
    ssize_t r;
    do
        r = read(fd, &c, 1);
    while (r < 0 && errno == EINTR);
    close(fd);
    return !(r == 1 && c == '0');
}

static int hold(const char *dev, long n, const char *file)
{
    enum { INFLIGHT = 4 };
    size_t len;
    void *dof = load(file, &len);
    pid_t *kids = calloc(n, sizeof(pid_t));
    int release[2]; /* children block reading it: EOF (this process gone or done) lets them go */
    if (kids == NULL || pipe2(release, O_CLOEXEC) < 0) {
        perror("hold");
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop; /* no SA_RESTART: the wait below must see EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    int status[INFLIGHT];
    long started = 0, failures = 0, head = 0;
    double t0 = now();
    while (started < n && !stop_requested) {
        if (started - head == INFLIGHT)
            failures += child_failed(status[head++ % INFLIGHT]);
        int st[2];
        if (pipe2(st, O_CLOEXEC) < 0) {
            perror("hold: pipe");
            break;
        }
        pid_t p = fork();
        if (p == 0) {
            /* a killed parent must not leave children behind, whatever happens to the pipe */
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() == 1)
                _exit(1);
            signal(SIGTERM, SIG_DFL);
            signal(SIGINT, SIG_DFL);
            close(release[1]);
            close(st[0]);
            char c = register_dof(dev, dof) < 0 ? '1' : '0';
            if (write(st[1], &c, 1) != 1)
                _exit(1);
            close(st[1]);
            char b;
            while (read(release[0], &b, 1) < 0 && errno == EINTR)
                ;
            _exit(0);
        }
        close(st[1]);
        if (p < 0) {
            perror("hold: fork"); /* out of pids or memory: report what was reached */
            close(st[0]);
            break;
        }
        status[started % INFLIGHT] = st[0];
        kids[started++] = p;
    }
    for (; head < started; head++)
        failures += child_failed(status[head % INFLIGHT]);
    double total = now() - t0;
    failures += n - started;
    printf("%ld %ld %.3f\n", started, failures, total);
    fflush(stdout);
    char b;
    while (!stop_requested) {
        ssize_t r = read(0, &b, 1);
        if (r == 0 || (r < 0 && errno != EINTR))
            break;
    }
    close(release[1]);
    for (long i = 0; i < started; i++)
        kill(kids[i], SIGKILL);
    for (long i = 0; i < started; i++)
        while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
            ;
    return failures == 0 ? 0 : 1;
}

/* One request line out, one response line in; returns the response's length or -1. */
static long roundtrip(int fd, const char *req, size_t reqlen, char **buf, size_t *cap)
{
    size_t off = 0;
    while (off < reqlen) {
        ssize_t w = write(fd, req + off, reqlen - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        off += w;
    }
    size_t got = 0;
    for (;;) {
        if (got == *cap) {
            *cap *= 2;
            if ((*buf = realloc(*buf, *cap)) == NULL)
                return -1;
        }
        ssize_t r = read(fd, *buf + got, *cap - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        char *nl = memchr(*buf + got, '\n', r);
        got += r;
        if (nl != NULL)
            return nl - *buf;
    }
}

static int query(const char *path, long n, const char *request)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "%s: socket path too long\n", path);
        return 2;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
        perror(path);
        return 2;
    }
    size_t reqlen = strlen(request) + 1;
    char *req = malloc(reqlen + 1);
    memcpy(req, request, reqlen - 1);
    req[reqlen - 1] = '\n';
    size_t cap = 1 << 16;
    char *buf = malloc(cap);
    long long *ns = calloc(n > 0 ? n : 1, sizeof(long long));
    long failures = 0, ok = 0, warm = n / 5 > 0 ? n / 5 : 1;
    const char *good = "{\"v\":1,\"ok\":true";
    for (long i = 0; i < warm + n; i++) {
        double t0 = now();
        long len = roundtrip(fd, req, reqlen, &buf, &cap);
        double t1 = now();
        if (len < 0) {
            fprintf(stderr, "%s: connection lost after %ld requests\n", path, i);
            return 2;
        }
        if (i == 0 && strncmp(buf, good, strlen(good)) != 0)
            fprintf(stderr, "query: the response is not ok: %.*s\n", (int) (len > 300 ? 300 : len), buf);
        if (i < warm)
            continue;
        if (strncmp(buf, good, strlen(good)) != 0)
            failures++;
        ns[ok++] = (long long) ((t1 - t0) * 1e9);
    }
    close(fd);
    print_quantiles(ns, ok);
    printf(" failures=%ld\n", failures);
    return failures == 0 ? 0 : 1;
}

static int exitstamp(const char *dev, const char *file)
{
    size_t len;
    void *dof = load(file, &len);
    if (register_dof(dev, dof) < 0) {
        fprintf(stderr, "registration failed: %s\n", strerror(errno));
        return 1;
    }
    printf("registered %d\n", (int) getpid());
    fflush(stdout);
    char line[16];
    if (fgets(line, sizeof line, stdin) == NULL)
        return 1;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    printf("exit %lld\n", (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec);
    fflush(stdout);
    _exit(0);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "exitstamp") == 0)
        return exitstamp(argv[2], argv[3]);
    if (argc >= 5 && strcmp(argv[1], "latency") == 0)
        return latency(argv[2], atol(argv[3]), argc - 4, argv + 4);
    if (argc == 5 && strcmp(argv[1], "forkstorm") == 0)
        return forkstorm(argv[2], atol(argv[3]), argv[4]);
    if (argc == 5 && strcmp(argv[1], "hold") == 0 && atol(argv[3]) > 0)
        return hold(argv[2], atol(argv[3]), argv[4]);
    if (argc == 5 && strcmp(argv[1], "query") == 0 && atol(argv[3]) > 0)
        return query(argv[2], atol(argv[3]), argv[4]);
    fprintf(stderr, "usage: regbench latency DEVICE N DOF... | regbench forkstorm DEVICE N DOF\n"
                    "       regbench hold DEVICE N DOF | regbench query SOCKET N REQUEST-JSON\n"
                    "       regbench exitstamp DEVICE DOF\n");
    return 2;
}
