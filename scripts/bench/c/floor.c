/*
 * The floor: a bare C server for the same device on the same transport as dtprobed's FUSE-file
 * fallback, doing only the unavoidable work. It serves one regular file, accepts the
 * DTRACEHIOC_ADDDOF ioctl (restricted: the kernel copies the 80-byte dof_helper_t), reads the
 * 64-byte DOF header and then the whole DOF from the blocked caller's memory with
 * process_vm_readv, and replies with a generation. No parse, no stash.
 *
 * usage: floor MOUNTPOINT [-s] [--checks STATEFILE]   (-s: single-threaded loop)
 * Prints "ready" on stdout once mounted; exits on SIGTERM/SIGINT and unmounts.
 *
 * --checks: also what the daemon must do per same-DOF re-registration and no more, as cheaply
 * as C does it, so that "floor + required work" is measured with the same client: the caller's
 * identity from its /proc/<tid>/stat (kept open, one pread: start time and start_code compared
 * with the last registration's), /proc/<pid>/maps opened, asked three PROCMAP_QUERY questions
 * (the mapping at the DOF's address, the executable at start_code, the object's first mapping
 * from below) and closed, the DOF compared with the one this pid registered last, and the
 * registration made durable in a shared mmap'ed STATEFILE (a kill -9 of the server loses
 * nothing the kernel has: the new record written and checksummed into a free slot, then
 * published, then the replaced one's slot freed; each pid has two slots, used in turn).
 */
#define FUSE_USE_VERSION 34
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define ADDDOF 0x4050d803u
#define HELPER_SIZE 80
#define DOF_HDR_SIZE 64
#define DOF_OFF_LOADSZ 40
#define DOF_MAX (256u << 20)
#define FILE_INO 2
static const char *FILE_NAME = "helper";
static atomic_long generation;

/* --checks: the work the daemon must do per re-registration (see the head comment) */
struct procmap_query {
    uint64_t size, query_flags, query_addr, vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
    uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
    uint64_t vma_name_addr, build_id_addr;
};
#define PROCMAP_QUERY _IOWR(0x66, 17, struct procmap_query)
#define PROCMAP_COVERING_OR_NEXT 0x10
#define PROCMAP_FILE_BACKED 0x20
#define SLOTS 4096
#define SLOT_SIZE 1024
#define PIDS 256
static int checks;
static unsigned char *slots;  /* SLOTS * SLOT_SIZE, MAP_SHARED on the state file */
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
struct pid_state {
    pid_t pid;
    int stat_fd;
    unsigned long long start_time, start_code;
    size_t dof_len;
    unsigned char dof[4096];
    long slot;
};
static struct pid_state pids[PIDS];
static long next_slot;

struct slot_head {
    uint32_t state; /* 0 free, 1 live */
    uint32_t checksum;
    int32_t pid;
    uint32_t gen;
    uint64_t dof_addr, dev, inode, start_time;
    uint32_t len;
};

static int stat_fields(int fd, unsigned long long *start_time, unsigned long long *start_code)
{
    char buf[1024];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
        return ESRCH;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return EINVAL;
    p += 2; /* field 3, the state */
    for (int field = 3; field < 26 && *p; field++) {
        if (field == 22)
            *start_time = strtoull(p, NULL, 10);
        p = strchr(p, ' ');
        if (p == NULL)
            return EINVAL;
        p++;
    }
    *start_code = strtoull(p, NULL, 10);
    return 0;
}

static int ask(int fd, uint64_t addr, uint64_t flags, struct procmap_query *q)
{
    memset(q, 0, sizeof(*q));
    q->size = sizeof(*q);
    q->query_flags = flags;
    q->query_addr = addr;
    return ioctl(fd, PROCMAP_QUERY, q) == 0 ? 0 : errno;
}

static uint32_t checksum(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* Everything the daemon must do for a re-registration besides reading the DOF and replying. */
static int required_work(pid_t pid, uint64_t dof_addr, const void *dof, size_t len, uint32_t gen)
{
    pthread_mutex_lock(&state_lock);
    struct pid_state *s = &pids[pid % PIDS];
    if (s->pid != pid) {
        if (s->pid != 0)
            close(s->stat_fd);
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        memset(s, 0, sizeof(*s));
        s->slot = -1;
        s->stat_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->stat_fd < 0) {
            pthread_mutex_unlock(&state_lock);
            return ESRCH;
        }
        s->pid = pid;
    }
    unsigned long long start_time = 0, start_code = 0;
    int err = stat_fields(s->stat_fd, &start_time, &start_code);
    int same_life = err == 0 && start_time == s->start_time && start_code == s->start_code;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/maps", pid);
    int mfd = err ? -1 : open(path, O_RDONLY | O_CLOEXEC);
    struct procmap_query at_dof, exe, first;
    if (mfd < 0 || ask(mfd, dof_addr, PROCMAP_COVERING_OR_NEXT, &at_dof) != 0
            || ask(mfd, start_code, 0, &exe) != 0
            || ask(mfd, at_dof.vma_start > (2u << 20) ? at_dof.vma_start - (2u << 20) : 0,
                   PROCMAP_COVERING_OR_NEXT | PROCMAP_FILE_BACKED, &first) != 0) {
        if (mfd >= 0)
            close(mfd);
        pthread_mutex_unlock(&state_lock);
        return err ? err : ESRCH;
    }
    close(mfd);
    int same_dof = same_life && s->dof_len == len && len <= sizeof(s->dof) && memcmp(s->dof, dof, len) == 0;
    if (!same_dof && len <= sizeof(s->dof)) {
        memcpy(s->dof, dof, len); /* a new DOF would be parsed here: not this bench's case */
        s->dof_len = len;
    }
    s->start_time = start_time;
    s->start_code = start_code;
    /* the pid's two slots in turn, the other one than its live record's */
    long slot = s->slot >= 0 ? s->slot ^ 1 : (next_slot += 2) % SLOTS;
    unsigned char *rec = slots + slot * SLOT_SIZE;
    struct slot_head h = { 0, 0, pid, gen, dof_addr, ((uint64_t) at_dof.dev_major << 32) | at_dof.dev_minor,
                           at_dof.inode, start_time, (uint32_t) (len < SLOT_SIZE - sizeof(h) ? len : SLOT_SIZE - sizeof(h)) };
    memcpy(rec + sizeof(h), dof, h.len); /* the registration's value: its probes stand in */
    h.checksum = checksum(rec + sizeof(h), h.len);
    memcpy(rec, &h, sizeof(h));
    __atomic_store_n((uint32_t *) rec, 1, __ATOMIC_RELEASE); /* the commit point */
    if (s->slot >= 0)
        __atomic_store_n((uint32_t *) (slots + s->slot * SLOT_SIZE), 0, __ATOMIC_RELEASE);
    s->slot = slot;
    pthread_mutex_unlock(&state_lock);
    return 0;
}

static void fill_attr(fuse_ino_t ino, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_ino = ino;
    if (ino == FUSE_ROOT_ID) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
    } else {
        st->st_mode = S_IFREG | 0666;
        st->st_nlink = 1;
    }
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    if (parent != FUSE_ROOT_ID || strcmp(name, FILE_NAME) != 0) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    struct fuse_entry_param e = { .ino = FILE_INO, .attr_timeout = 3600, .entry_timeout = 3600 };
    fill_attr(FILE_INO, &e.attr);
    fuse_reply_entry(req, &e);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void) fi;
    struct stat st;
    fill_attr(ino, &st);
    fuse_reply_attr(req, &st, 3600);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    if (ino != FILE_INO) {
        fuse_reply_err(req, EISDIR);
        return;
    }
    fi->direct_io = 1;
    fi->nonseekable = 1;
    fuse_reply_open(req, fi);
}

static int read_caller(pid_t pid, uint64_t addr, void *buf, size_t len)
{
    struct iovec local = { buf, len };
    struct iovec remote = { (void *) (uintptr_t) addr, len };
    ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    return n == (ssize_t) len ? 0 : EFAULT;
}

static void op_ioctl(fuse_req_t req, fuse_ino_t ino, int cmd, void *arg,
                     struct fuse_file_info *fi, unsigned flags, const void *in_buf,
                     size_t in_bufsz, size_t out_bufsz)
{
    (void) ino; (void) arg; (void) fi; (void) flags; (void) out_bufsz;
    if ((unsigned) cmd != ADDDOF || in_bufsz != HELPER_SIZE) {
        fuse_reply_err(req, EINVAL);
        return;
    }
    pid_t pid = fuse_req_ctx(req)->pid;
    uint64_t dof_addr;
    memcpy(&dof_addr, (const char *) in_buf + 72, sizeof(dof_addr));
    unsigned char hdr[DOF_HDR_SIZE];
    int err = read_caller(pid, dof_addr, hdr, sizeof(hdr));
    if (err) {
        fuse_reply_err(req, err);
        return;
    }
    uint64_t loadsz;
    memcpy(&loadsz, hdr + DOF_OFF_LOADSZ, sizeof(loadsz));
    if (loadsz < DOF_HDR_SIZE || loadsz >= DOF_MAX) {
        fuse_reply_err(req, loadsz < DOF_HDR_SIZE ? EINVAL : E2BIG);
        return;
    }
    void *dof = malloc(loadsz);
    if (dof == NULL) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    err = read_caller(pid, dof_addr, dof, loadsz);
    int gen = (int) (atomic_fetch_add(&generation, 1) & 0x7fffffff);
    if (!err && checks)
        err = required_work(pid, dof_addr, dof, loadsz, (uint32_t) gen);
    free(dof);
    if (err) {
        fuse_reply_err(req, err);
        return;
    }
    fuse_reply_ioctl(req, gen, NULL, 0);
}

static const struct fuse_lowlevel_ops ops = {
    .lookup = op_lookup,
    .getattr = op_getattr,
    .open = op_open,
    .ioctl = op_ioctl,
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: floor MOUNTPOINT [-s] [--checks STATEFILE]\n");
        return 2;
    }
    int single = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-s") == 0) {
            single = 1;
        } else if (strcmp(argv[i], "--checks") == 0 && i + 1 < argc) {
            int fd = open(argv[++i], O_RDWR | O_CREAT | O_CLOEXEC, 0600);
            if (fd < 0 || ftruncate(fd, (off_t) SLOTS * SLOT_SIZE) != 0
                    || (slots = mmap(NULL, (size_t) SLOTS * SLOT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
                fprintf(stderr, "floor: cannot map %s\n", argv[i]);
                return 1;
            }
            close(fd);
            checks = 1;
        } else {
            fprintf(stderr, "usage: floor MOUNTPOINT [-s] [--checks STATEFILE]\n");
            return 2;
        }
    }
    char *fargv[] = { argv[0], "-o", "allow_other", NULL };
    struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
    struct fuse_session *se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
    if (se == NULL || fuse_set_signal_handlers(se) != 0 || fuse_session_mount(se, argv[1]) != 0) {
        fprintf(stderr, "floor: cannot mount at %s\n", argv[1]);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    int rc;
    if (single) {
        rc = fuse_session_loop(se);
    } else {
        struct fuse_loop_config *cfg = fuse_loop_cfg_create();
        fuse_loop_cfg_set_clone_fd(cfg, 0);
        fuse_loop_cfg_set_max_threads(cfg, 8);
        rc = fuse_session_loop_mt(se, cfg);
        fuse_loop_cfg_destroy(cfg);
    }
    fuse_session_unmount(se);
    fuse_remove_signal_handlers(se);
    fuse_session_destroy(se);
    return rc == 0 ? 0 : 1;
}
