/*
 * A program with real probe sites in its own text, for the uprobe end-to-end test: each fire_*
 * function holds one labelled nop (probe_*) that is a probe site. Reads commands on stdin:
 *   "fire A B"  calls fire_alpha A times and fire_beta B times, then prints "fired"
 * fire_never is a probe site that is never executed. Prints "ready PID" first; exits at EOF.
 *
 * With PROBEPROG_DOF=FILE it first registers that DOF through the helper device the way drti does
 * at start-up ($DTRACE_DOF_INIT_DEVNAME or /dev/dtrace/helper; dofhp_addr is the load base for a
 * PIE, 0 otherwise; dofhp_mod the executable's name), and prints "adddof gen=N" or "adddof errno=E".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/dtrace.h>

static int first_object(struct dl_phdr_info *info, size_t size, void *data)
{
    (void) size;
    *(uintptr_t *) data = info->dlpi_addr; /* the executable comes first: its load bias */
    return 1;
}

static void register_dof(const char *file)
{
    int in = open(file, O_RDONLY);
    struct stat st;
    if (in < 0 || fstat(in, &st) < 0) {
        perror(file);
        exit(2);
    }
    void *dof = aligned_alloc(8, (st.st_size + 7) & ~7L);
    if (dof == NULL || read(in, dof, st.st_size) != st.st_size) {
        perror("read");
        exit(2);
    }
    close(in);
    uintptr_t base = 0;
    dl_iterate_phdr(first_object, &base);
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    const char *slash = strrchr(exe, '/');
    dof_helper_t dh;
    memset(&dh, 0, sizeof dh);
    snprintf(dh.dofhp_mod, sizeof dh.dofhp_mod, "%s", slash != NULL ? slash + 1 : exe);
    dh.dofhp_addr = base;
    dh.dofhp_dof = (uint64_t) (uintptr_t) dof;
    const char *dev = getenv("DTRACE_DOF_INIT_DEVNAME");
    int fd = open(dev != NULL ? dev : "/dev/dtrace/helper", O_RDWR);
    int gen = fd < 0 ? -1 : ioctl(fd, DTRACEHIOC_ADDDOF, &dh);
    printf(gen < 0 ? "adddof errno=%d\n" : "adddof gen=%d\n", gen < 0 ? errno : gen);
    if (fd >= 0)
        close(fd);
}

volatile int sink;

__attribute__((noinline)) void fire_alpha(int i) {
    sink = i;
    __asm__ volatile(".globl probe_alpha\nprobe_alpha: nop" ::: "memory");
}

__attribute__((noinline)) void fire_beta(int i) {
    sink = i;
    __asm__ volatile(".globl probe_beta\nprobe_beta: nop" ::: "memory");
}

__attribute__((noinline)) void fire_never(int i) {
    sink = i;
    __asm__ volatile(".globl probe_never\nprobe_never: nop" ::: "memory");
}

int main(void) {
    char line[128];
    if (getenv("PROBEPROG_DOF") != NULL)
        register_dof(getenv("PROBEPROG_DOF"));
    printf("ready %d\n", (int) getpid());
    fflush(stdout);
    while (fgets(line, sizeof line, stdin) != NULL) {
        int a = 0, b = 0;
        if (sscanf(line, "fire %d %d", &a, &b) == 2) {
            for (int i = 0; i < a; i++) {
                fire_alpha(i);
            }
            for (int i = 0; i < b; i++) {
                fire_beta(i);
            }
            printf("fired\n");
            fflush(stdout);
        } else if (strcmp(line, "never-called\n") == 0) {
            fire_never(0); /* keeps the function referenced; the tests never send this */
        }
    }
    return 0;
}
