/* Opens a CUSE device served by cuse_server and issues SMOKE_IOCTL with an 80-byte record
 * derived from SEED; checks the return value against the checksum the server should compute.
 *
 * usage: cuse_client DEVICE SEED
 * Prints "client uid=U seed=S: ioctl returned R, expected E" and exits 0 when R == E,
 * 1 when they differ, 2 when open or ioctl fails (with errno text). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cuse_smoke.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: cuse_client DEVICE SEED\n");
		return 2;
	}
	unsigned long long seed = strtoull(argv[2], NULL, 10);

	smoke_helper_t dh;
	memset(&dh, 0, sizeof(dh));
	snprintf(dh.mod, sizeof(dh.mod), "smoke-module-%llu", seed);
	dh.addr = (seed + 1) * 0x9E3779B97F4A7C15ull;
	dh.dof = ~dh.addr;
	int expected = smoke_checksum((const unsigned char *)&dh, sizeof(dh));

	int fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		printf("client uid=%d seed=%llu: open(%s) failed: %s\n", (int)getuid(), seed, argv[1],
		       strerror(errno));
		return 2;
	}
	int got = ioctl(fd, SMOKE_IOCTL, &dh);
	if (got < 0) {
		printf("client uid=%d seed=%llu: ioctl failed: %s\n", (int)getuid(), seed, strerror(errno));
		close(fd);
		return 2;
	}
	close(fd);
	printf("client uid=%d seed=%llu: ioctl returned %d, expected %d\n", (int)getuid(), seed, got,
	       expected);
	return got == expected ? 0 : 1;
}
