/* A minimal CUSE server speaking the raw /dev/cuse protocol (no libfuse), for the qemu guest
 * smoke test (GuestKernelTest). Wire facts: shared/reference/kernel-and-jail-facts.md §A.4.
 *
 * usage: cuse_server DEVNAME READY_FILE
 *   Registers /dev/DEVNAME (e.g. dtrace/test) with CUSE_UNRESTRICTED_IOCTL, chmods it to 0666
 *   once devtmpfs has created it (the kernel makes it 0600 root), creates READY_FILE, then serves:
 *     FUSE_OPEN     -> fh 0
 *     FUSE_IOCTL    in_size 0  -> FUSE_IOCTL_RETRY asking for sizeof(smoke_helper_t) at arg
 *                   in_size 80 -> result smoke_checksum(the 80 bytes)
 *                   otherwise  -> -EINVAL
 *     FUSE_RELEASE  -> 0
 *     anything else -> -ENOSYS (FORGET/INTERRUPT get no reply)
 *   One line per request on stdout. Runs until killed or /dev/cuse fails. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cuse_smoke.h"

#define READ_BUF (256 * 1024)
#define MAX_IO (128 * 1024)

static int reply(int fd, const struct fuse_in_header *in, int error, const void *body, size_t len)
{
	unsigned char buf[512];
	struct fuse_out_header out = {
		.len = (uint32_t)(sizeof(out) + len), .error = error, .unique = in->unique};
	if (sizeof(out) + len > sizeof(buf))
		return -1;
	memcpy(buf, &out, sizeof(out));
	if (len)
		memcpy(buf + sizeof(out), body, len);
	if (write(fd, buf, out.len) != (ssize_t)out.len) {
		printf("server: write reply for opcode %u failed: %s\n", in->opcode, strerror(errno));
		return -1;
	}
	return 0;
}

static int do_init(int fd, const struct fuse_in_header *in, const struct cuse_init_in *init,
		   const char *devname)
{
	unsigned char body[sizeof(struct cuse_init_out) + 128];
	struct cuse_init_out out = {
		.major = FUSE_KERNEL_VERSION,
		.minor = init->minor < FUSE_KERNEL_MINOR_VERSION ? init->minor : FUSE_KERNEL_MINOR_VERSION,
		.flags = CUSE_UNRESTRICTED_IOCTL,
		.max_read = MAX_IO,
		.max_write = MAX_IO};
	int n = snprintf((char *)body + sizeof(out), sizeof(body) - sizeof(out), "DEVNAME=%s", devname);
	if (n < 0 || (size_t)n >= sizeof(body) - sizeof(out))
		return -1;
	memcpy(body, &out, sizeof(out));
	printf("server: CUSE_INIT kernel protocol %u.%u, registering %s\n", init->major, init->minor,
	       devname);
	return reply(fd, in, 0, body, sizeof(out) + (size_t)n + 1);
}

static void do_ioctl(int fd, const struct fuse_in_header *in, const unsigned char *body, size_t len)
{
	const struct fuse_ioctl_in *io = (const void *)body;
	if (len < sizeof(*io) || len - sizeof(*io) < io->in_size) {
		reply(fd, in, -EINVAL, NULL, 0);
		return;
	}
	if (io->in_size == 0) {
		struct {
			struct fuse_ioctl_out out;
			struct fuse_ioctl_iovec iov;
		} retry = {.out = {.flags = FUSE_IOCTL_RETRY, .in_iovs = 1},
			   .iov = {.base = io->arg, .len = sizeof(smoke_helper_t)}};
		printf("server: ioctl pid=%u uid=%u cmd=0x%x flags=0x%x in_size=0 -> RETRY %zu bytes\n",
		       in->pid, in->uid, io->cmd, io->flags, sizeof(smoke_helper_t));
		reply(fd, in, 0, &retry, sizeof(retry));
	} else if (io->in_size == sizeof(smoke_helper_t)) {
		struct fuse_ioctl_out out = {
			.result = smoke_checksum(body + sizeof(*io), sizeof(smoke_helper_t))};
		printf("server: ioctl pid=%u uid=%u cmd=0x%x in_size=%u -> result %d\n", in->pid, in->uid,
		       io->cmd, io->in_size, out.result);
		reply(fd, in, 0, &out, sizeof(out));
	} else {
		printf("server: ioctl pid=%u in_size=%u unexpected -> EINVAL\n", in->pid, io->in_size);
		reply(fd, in, -EINVAL, NULL, 0);
	}
}

/* devtmpfs creates the node shortly after the INIT reply (6-14 ms measured). */
static int chmod_when_created(const char *devname)
{
	char path[256];
	snprintf(path, sizeof(path), "/dev/%s", devname);
	struct timespec pause = {0, 5 * 1000 * 1000};
	for (int i = 0; i < 1000; i++) {
		if (chmod(path, 0666) == 0)
			return 0;
		if (errno != ENOENT)
			break;
		nanosleep(&pause, NULL);
	}
	printf("server: chmod %s failed: %s\n", path, strerror(errno));
	return -1;
}

static int handle(int fd, const struct fuse_in_header *in, const unsigned char *body, size_t len,
		  const char *devname, const char *ready)
{
	switch (in->opcode) {
	case CUSE_INIT: {
		if (len < sizeof(struct cuse_init_in) || do_init(fd, in, (const void *)body, devname) ||
		    chmod_when_created(devname))
			return -1;
		FILE *f = fopen(ready, "w");
		if (!f)
			return -1;
		fclose(f);
		return 0;
	}
	case FUSE_OPEN: {
		struct fuse_open_out out = {0};
		printf("server: open pid=%u uid=%u\n", in->pid, in->uid);
		return reply(fd, in, 0, &out, sizeof(out));
	}
	case FUSE_IOCTL:
		do_ioctl(fd, in, body, len);
		return 0;
	case FUSE_RELEASE:
		return reply(fd, in, 0, NULL, 0);
	case FUSE_FORGET:
	case FUSE_INTERRUPT:
		return 0;
	default:
		printf("server: opcode %u -> ENOSYS\n", in->opcode);
		return reply(fd, in, -ENOSYS, NULL, 0);
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: cuse_server DEVNAME READY_FILE\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	int fd = open("/dev/cuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("server: open /dev/cuse: %s\n", strerror(errno));
		return 1;
	}
	unsigned char *buf = malloc(READ_BUF);
	if (!buf)
		return 1;
	for (;;) {
		ssize_t n = read(fd, buf, READ_BUF);
		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue; /* ENOENT: the request was interrupted before we read it */
		if (n < (ssize_t)sizeof(struct fuse_in_header)) {
			printf("server: read /dev/cuse: %s\n", n < 0 ? strerror(errno) : "short read");
			return 1;
		}
		struct fuse_in_header in;
		memcpy(&in, buf, sizeof(in));
		if (in.len != (uint32_t)n) {
			printf("server: header len %u != read %zd\n", in.len, n);
			return 1;
		}
		if (handle(fd, &in, buf + sizeof(in), (size_t)n - sizeof(in), argv[1], argv[2]))
			return 1;
	}
}
