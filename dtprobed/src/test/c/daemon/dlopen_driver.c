/*
 * dlopen_driver LIBRARY: dlopen()s a library whose constructor registers its DOF, prints
 * "loaded", waits for SIGUSR1, dlclose()s it (its destructor sends REMOVE, which the kernel does
 * not deliver on a FUSE file), prints "closed", and waits for SIGUSR2 before exiting.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: dlopen_driver LIBRARY\n");
		return 2;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	printf("loaded\n");
	fflush(stdout);
	int sig;
	do
		sigwait(&set, &sig);
	while (sig != SIGUSR1);
	dlclose(h);
	printf("closed\n");
	fflush(stdout);
	do
		sigwait(&set, &sig);
	while (sig != SIGUSR2);
	return 0;
}
