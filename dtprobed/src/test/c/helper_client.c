/*
 * A helper-device client for the transport tests: registers a DOF file the way drti.o does
 * (open the device, dof_helper_t on the stack, the DOF in the process's memory,
 * ioctl(DTRACEHIOC_ADDDOF)) and optionally removes it again, plus hostile variants.
 * Output is one "key=value" line per event so that the Java test can parse it.
 *
 *   helper_client [-d dev] [-t] [-g] [-u] [-m mod] [-c cmd] [-a arg] [-n loops] [-w] [-x removecmd]
 *                 [-r gen] [DOF-FILE]
 *     -d dev    device (default: $DTRACE_DOF_INIT_DEVNAME, else /dev/dtrace/helper)
 *     -t        register from a second thread instead of main()
 *     -g        put the DOF right before a PROT_NONE page (a DOF whose loadsz exceeds the file faults)
 *     -u        dofhp_dof points at unmapped memory
 *     -m mod    dofhp_mod (default: basename of the file)
 *     -c cmd    ioctl command to use instead of DTRACEHIOC_ADDDOF (hex)
 *     -a arg    raw ioctl argument instead of &dof_helper_t (hex)
 *     -n loops  register the same DOF this many times and print latency percentiles
 *     -w        after registering print "waiting", wait for SIGUSR1, then REMOVE the generation
 *     -x cmd    command used for REMOVE (hex; default DTRACEHIOC_REMOVE)
 *     -r gen    only send REMOVE(gen) and exit
 *     -F        map DOF-FILE itself MAP_PRIVATE|PROT_READ|PROT_WRITE and register from that mapping
 *               (the DOF is then file-backed, as a library's .SUNW_dof is)
 *     -N count  register count copies of the DOF, each in its own mapping (distinct addresses, so
 *               distinct registrations), print "held n=... ok=... errno_E=..." and, with -w, wait
 *     -Z        before registering, zero the DOF's bytes past its 64-byte header in this process's
 *               private copy (with -F: /proc/PID/maps still names the file; issue 19, attack 2)
 *     -e prog   after registering, print "exec" and exec prog with the argument 600 (a new image,
 *               same pid: its old registrations are stale)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <sys/dtrace.h>

static const char *dev;
static const char *mod;
static unsigned long cmd = DTRACEHIOC_ADDDOF;
static unsigned long remove_cmd = DTRACEHIOC_REMOVE;
static int use_raw_arg;
static unsigned long raw_arg;
static int unmapped;
static int guard;
static int map_file;
static int zero_body;
static long copies;
static long loops;
static void *dof;
static size_t dof_size;

static long gettid_(void) { return syscall(SYS_gettid); }

static void load(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) { perror(path); exit(2); }
	dof_size = st.st_size;
	size_t page = sysconf(_SC_PAGESIZE);
	size_t span = (dof_size + page - 1) / page * page;
	if (span == 0) span = page;
	char *region = mmap(NULL, span + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) { perror("mmap"); exit(2); }
	if (mprotect(region + span, page, PROT_NONE) < 0) { perror("mprotect"); exit(2); }
	char *at = guard ? region + span - dof_size : region;
	size_t got = 0;
	while (got < dof_size) {
		ssize_t n = read(fd, at + got, dof_size - got);
		if (n <= 0) { perror("read"); exit(2); }
		got += n;
	}
	close(fd);
	dof = at;
	if (!mod) mod = basename(strdup(path));
}

static void map_private(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) { perror(path); exit(2); }
	dof_size = st.st_size;
	void *p = mmap(NULL, dof_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) { perror("mmap"); exit(2); }
	close(fd);
	dof = p;
	if (!mod) mod = basename(strdup(path));
}

static void *unmapped_address(void)
{
	size_t page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(p, page);
	return p;
}

static int do_ioctl(unsigned long c, unsigned long arg, int *err)
{
	int fd = open(dev, O_RDWR);
	if (fd < 0) { *err = errno; printf("open errno=%d\n", errno); fflush(stdout); return -2; }
	int rc = ioctl(fd, c, arg);
	*err = errno;
	close(fd);
	return rc;
}

static int register_once(void)
{
	dof_helper_t dh;	/* on the stack, as drti.c and libusdt keep it */
	memset(&dh, 0, sizeof dh);
	snprintf(dh.dofhp_mod, sizeof dh.dofhp_mod, "%s", mod);
	dh.dofhp_addr = (uint64_t)(uintptr_t)dof;
	dh.dofhp_dof = unmapped ? (uint64_t)(uintptr_t)unmapped_address() : (uint64_t)(uintptr_t)dof;
	int err;
	int rc = do_ioctl(cmd, use_raw_arg ? raw_arg : (unsigned long)&dh, &err);
	if (rc == -2) return -1;
	if (rc < 0) printf("adddof errno=%d tid=%ld\n", err, gettid_());
	else printf("adddof gen=%d tid=%ld\n", rc, gettid_());
	fflush(stdout);
	return rc;
}

static void *thread_main(void *out)
{
	*(int *)out = register_once();
	return NULL;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

static void bench(void)
{
	long *ns = calloc(loops, sizeof *ns);
	dof_helper_t dh;
	memset(&dh, 0, sizeof dh);
	snprintf(dh.dofhp_mod, sizeof dh.dofhp_mod, "%s", mod);
	dh.dofhp_addr = dh.dofhp_dof = (uint64_t)(uintptr_t)dof;
	int fd = open(dev, O_RDWR);
	if (fd < 0) { printf("open errno=%d\n", errno); exit(1); }
	long failures = 0;
	for (long i = 0; i < loops; i++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		int rc = ioctl(fd, cmd, &dh);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (rc < 0) failures++;
		ns[i] = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
	}
	close(fd);
	qsort(ns, loops, sizeof *ns, cmp_long);
	printf("bench n=%ld failures=%ld p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f\n", loops, failures,
	       ns[loops / 2] / 1e3, ns[loops * 9 / 10] / 1e3, ns[loops * 99 / 100] / 1e3, ns[loops - 1] / 1e3);
}

static void hold_copies(int wait)
{
	long ok = 0, err[256] = {0};
	void *first = dof;
	int fd = open(dev, O_RDWR);
	if (fd < 0) { printf("open errno=%d\n", errno); exit(1); }
	for (long i = 0; i < copies; i++) {
		void *copy = mmap(NULL, dof_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (copy == MAP_FAILED) { perror("mmap"); exit(2); }
		memcpy(copy, first, dof_size);
		dof_helper_t dh;
		memset(&dh, 0, sizeof dh);
		snprintf(dh.dofhp_mod, sizeof dh.dofhp_mod, "%s", mod);
		dh.dofhp_addr = dh.dofhp_dof = (uint64_t)(uintptr_t)copy;
		if (ioctl(fd, cmd, &dh) >= 0) ok++;
		else err[errno & 255]++;
	}
	close(fd);
	printf("held n=%ld ok=%ld", copies, ok);
	for (int e = 0; e < 256; e++) if (err[e]) printf(" errno_%d=%ld", e, err[e]);
	printf("\n");
	fflush(stdout);
	if (wait) {
		printf("waiting\n");
		fflush(stdout);
		sigset_t usr1;
		int sig;
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		sigwait(&usr1, &sig);
	}
}

static void remove_gen(long gen)
{
	int err;
	int rc = do_ioctl(remove_cmd, (unsigned long)gen, &err);
	if (rc == -2) return;
	if (rc < 0) printf("remove errno=%d gen=%ld\n", err, gen);
	else printf("remove rc=%d gen=%ld\n", rc, gen);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int opt, threaded = 0, wait_remove = 0;
	long only_remove = -1;
	const char *exec_prog = NULL;
	dev = getenv("DTRACE_DOF_INIT_DEVNAME");
	if (!dev) dev = "/dev/dtrace/helper";
	while ((opt = getopt(argc, argv, "d:tgum:c:a:n:wx:r:FZN:e:")) != -1) {
		switch (opt) {
		case 'd': dev = optarg; break;
		case 't': threaded = 1; break;
		case 'g': guard = 1; break;
		case 'u': unmapped = 1; break;
		case 'm': mod = optarg; break;
		case 'c': cmd = strtoul(optarg, NULL, 16); break;
		case 'a': use_raw_arg = 1; raw_arg = strtoul(optarg, NULL, 16); break;
		case 'n': loops = atol(optarg); break;
		case 'w': wait_remove = 1; break;
		case 'x': remove_cmd = strtoul(optarg, NULL, 16); break;
		case 'r': only_remove = atol(optarg); break;
		case 'F': map_file = 1; break;
		case 'Z': zero_body = 1; break;
		case 'N': copies = atol(optarg); break;
		case 'e': exec_prog = optarg; break;
		default: fprintf(stderr, "bad option\n"); return 2;
		}
	}
	printf("pid=%d tid=%ld uid=%d\n", getpid(), gettid_(), getuid());
	fflush(stdout);
	if (only_remove >= 0) { remove_gen(only_remove); return 0; }
	if (optind >= argc) { fprintf(stderr, "no DOF file\n"); return 2; }
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	if (map_file) map_private(argv[optind]);
	else load(argv[optind]);
	if (zero_body && dof_size > 64) memset((char *)dof + 64, 0, dof_size - 64);
	if (loops > 0) { bench(); return 0; }
	if (copies > 0) { hold_copies(wait_remove); return 0; }
	int gen;
	if (threaded) {
		pthread_t t;
		pthread_create(&t, NULL, thread_main, &gen);
		pthread_join(t, NULL);
	} else {
		gen = register_once();
	}
	if (exec_prog && gen >= 0) {
		printf("exec\n");
		fflush(stdout);
		execl(exec_prog, exec_prog, "600", (char *) NULL);
		printf("exec errno=%d\n", errno);
		return 1;
	}
	if (wait_remove && gen >= 0) {
		printf("waiting\n");
		fflush(stdout);
		int sig;
		sigwait(&usr1, &sig);
		remove_gen(gen);
	}
	return 0;
}
