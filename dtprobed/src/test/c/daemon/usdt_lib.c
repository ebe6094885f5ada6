/*
 * A shared library with USDT probes, as dtrace -G would link it: its DOF (built by the test with
 * DofWriter, file given as -DDOF_FILE="...") sits in a read-only section, and a constructor hands
 * it to the helper device with the library's load base, as drti does; the destructor sends REMOVE.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <sys/dtrace.h>

#define STR2(x) #x
#define STR(x) STR2(x)

__asm__(".section .rodata.usdtdof,\"a\"\n"
        ".balign 8\n"
        ".globl usdt_lib_dof\n"
        "usdt_lib_dof:\n"
        ".incbin \"" DOF_FILE "\"\n"
        ".previous\n");
extern const char usdt_lib_dof[];

static int gen = -1;

static const char *device(void)
{
	const char *dev = getenv("DTRACE_DOF_INIT_DEVNAME");
	return dev != NULL ? dev : "/dev/dtrace/helper";
}

__attribute__((constructor)) static void usdt_lib_register(void)
{
	Dl_info info;
	if (dladdr((void *) usdt_lib_register, &info) == 0)
		return;
	dof_helper_t dh;
	memset(&dh, 0, sizeof dh);
	const char *slash = strrchr(info.dli_fname, '/');
	snprintf(dh.dofhp_mod, sizeof dh.dofhp_mod, "%s", slash != NULL ? slash + 1 : info.dli_fname);
	dh.dofhp_addr = (uint64_t) (uintptr_t) info.dli_fbase;
	dh.dofhp_dof = (uint64_t) (uintptr_t) usdt_lib_dof;
	int fd = open(device(), O_RDWR);
	gen = fd < 0 ? -1 : ioctl(fd, DTRACEHIOC_ADDDOF, &dh);
	printf(gen < 0 ? "adddof errno=%d\n" : "adddof gen=%d\n", gen < 0 ? errno : gen);
	fflush(stdout);
	if (fd >= 0)
		close(fd);
}

__attribute__((destructor)) static void usdt_lib_unregister(void)
{
	int fd = open(device(), O_RDWR);
	int rc = fd < 0 ? -1 : ioctl(fd, DTRACEHIOC_REMOVE, gen);
	printf(rc < 0 ? "remove errno=%d\n" : "remove rc=%d\n", rc < 0 ? errno : rc);
	fflush(stdout);
	if (fd >= 0)
		close(fd);
}
