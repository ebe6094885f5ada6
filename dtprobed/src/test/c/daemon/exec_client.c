/*
 * exec_client DOF PROGRAM [ARGS...]: registers DOF through $DTRACE_DOF_INIT_DEVNAME the way drti
 * does, prints "adddof gen=N" (or "adddof errno=E"), then execs PROGRAM with ARGS. No REMOVE is
 * sent (none is on exec): the daemon must notice the exec itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/dtrace.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: exec_client DOF PROGRAM [ARGS...]\n");
		return 2;
	}
	const char *dev = getenv("DTRACE_DOF_INIT_DEVNAME");
	if (dev == NULL)
		dev = "/dev/dtrace/helper";
	int in = open(argv[1], O_RDONLY);
	struct stat st;
	if (in < 0 || fstat(in, &st) < 0) {
		perror(argv[1]);
		return 2;
	}
	void *dof = aligned_alloc(8, (st.st_size + 7) & ~7L);
	if (dof == NULL || read(in, dof, st.st_size) != st.st_size) {
		perror("read");
		return 2;
	}
	close(in);
	dof_helper_t dh;
	memset(&dh, 0, sizeof dh);
	snprintf(dh.dofhp_mod, sizeof dh.dofhp_mod, "exec_client");
	dh.dofhp_addr = dh.dofhp_dof = (uint64_t) (uintptr_t) dof;
	int fd = open(dev, O_RDWR);
	int gen = fd < 0 ? -1 : ioctl(fd, DTRACEHIOC_ADDDOF, &dh);
	if (gen < 0)
		printf("adddof errno=%d\n", errno);
	else
		printf("adddof gen=%d\n", gen);
	printf("pid=%d\n", getpid());
	fflush(stdout);
	if (fd >= 0)
		close(fd);
	execv(argv[2], argv + 2);
	perror("execv");
	return 1;
}
