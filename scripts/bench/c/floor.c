/*
 * The floor: a bare C server for the same device on the same transport as dtprobed's FUSE-file
 * fallback, doing only the unavoidable work. It serves one regular file, accepts the
 * DTRACEHIOC_ADDDOF ioctl (restricted: the kernel copies the 80-byte dof_helper_t), reads the
 * 64-byte DOF header and then the whole DOF from the blocked caller's memory with
 * process_vm_readv, and replies with a generation. No parse, no stash.
 *
 * usage: floor MOUNTPOINT [-s]   (-s: single-threaded loop)
 * Prints "ready" on stdout once mounted; exits on SIGTERM/SIGINT and unmounts.
 */
#define FUSE_USE_VERSION 34
#define _GNU_SOURCE
#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    free(dof);
    if (err) {
        fuse_reply_err(req, err);
        return;
    }
    fuse_reply_ioctl(req, (int) (atomic_fetch_add(&generation, 1) & 0x7fffffff), NULL, 0);
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
        fprintf(stderr, "usage: floor MOUNTPOINT [-s]\n");
        return 2;
    }
    int single = argc > 2 && strcmp(argv[2], "-s") == 0;
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
