/*
 * A PIE linked against libtreelib.so (AdoptIT) that repeats, on each line of stdin, the ADDDOF its
 * library's drti made at load: the same dof_helper_t (module libtreelib.so, load base = the
 * library's base from dladdr, DOF at base + the .SUNW_dof offset given as argv[1]) to the device
 * named by DTRACE_DOF_INIT_DEVNAME. Prints "ready PID", then "gen N" per line read.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

void treelib_fire(int n);

struct dof_helper {
	char mod[64];
	uint64_t addr;
	uint64_t dof;
};

int main(int argc, char **argv)
{
	char line[64];
	Dl_info info;
	if (argc < 2 || dladdr((void *) treelib_fire, &info) == 0)
		return 2;
	unsigned long off = strtoul(argv[1], NULL, 0);
	printf("ready %d\n", (int) getpid());
	fflush(stdout);
	while (fgets(line, sizeof line, stdin) != NULL) {
		struct dof_helper dh;
		memset(&dh, 0, sizeof dh);
		strcpy(dh.mod, "libtreelib.so");
		dh.addr = (uintptr_t) info.dli_fbase;
		dh.dof = dh.addr + off;
		int fd = open(getenv("DTRACE_DOF_INIT_DEVNAME"), O_RDWR);
		int gen = fd < 0 ? -1 : ioctl(fd, 0x4050d803, &dh);
		printf("gen %d\n", gen);
		fflush(stdout);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}
