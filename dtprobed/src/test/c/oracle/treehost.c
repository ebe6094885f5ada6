/*
 * The one host program of the tests that drive a process built with Oracle's dtrace -G by command
 * (ProbesTreeIT, DlcloseIT, the qemu guest's checks). Built three ways: as a non-PIE executable
 * with probes of its own (-DOWN_PROBES, provider treeprov: "treehost"), as a PIE executable linked
 * with libtreelib.so (-DLINKED_LIB: "treepie", its DOF at a new load base in every process), and as
 * a PIE executable without DOF ("dlhost"). Prints "ready PID", then reads commands on stdin,
 * answering each with one line on stdout:
 *   fire N       fires its own probes and the linked library's N times, and the opened one's -> "fired"
 *   open PATH    dlopen(PATH, RTLD_NOW) on the main thread (its drti constructor registers it)
 *                                                                    -> "opened" | "error dlopen: ..."
 *   topen PATH   the same from a new thread (drti registers under that thread's TID)
 *   close        dlclose() of the opened one (its drti destructor sends REMOVE)
 *                                                                    -> "closed" | "error dlclose"
 *   tclose       the same from a new thread
 *   poke         opens and closes the helper device, no ioctl        -> "poked" | "error open: ..."
 *   fork         forks a child that waits for a signal (drti registers it) -> "child PID"
 *   exec PATH    replaces itself with PATH (no arguments), skipping its destructors -> "exec PATH" first
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef OWN_PROBES
#include "treeprov.h"
#endif
#ifdef LINKED_LIB
void treelib_fire(int n);
#endif

static char path[4096];
static void *lib;
static void (*lib_fire)(int);

static void *do_open(void *unused)
{
	(void) unused;
	lib = dlopen(path, RTLD_NOW);
	if (lib == NULL) {
		printf("error dlopen: %s\n", dlerror());
		return NULL;
	}
	lib_fire = (void (*)(int)) dlsym(lib, "treelib_fire"); /* libtreelib.so's; others have none */
	printf("opened\n");
	return NULL;
}

static void *do_close(void *unused)
{
	(void) unused;
	if (lib == NULL || dlclose(lib) != 0)
		printf("error dlclose\n");
	else
		printf("closed\n");
	lib = NULL;
	lib_fire = NULL;
	return NULL;
}

static void on_thread(void *(*fn)(void *))
{
	pthread_t t;
	if (pthread_create(&t, NULL, fn, NULL) != 0 || pthread_join(t, NULL) != 0)
		printf("error pthread\n");
}

static void poke(void)
{
	const char *dev = getenv("DTRACE_DOF_INIT_DEVNAME");
	int fd = open(dev != NULL ? dev : "/dev/dtrace/helper", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("error open: %s\n", strerror(errno));
		return;
	}
	close(fd);
	printf("poked\n");
}

int main(void)
{
	char line[4200];
	int n = 0;

	printf("ready %d\n", (int) getpid());
	fflush(stdout);
	while (fgets(line, sizeof line, stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "fire %d", &n) == 1) {
#ifdef OWN_PROBES
			for (int i = 0; i < n; i++)
				TREEPROV_CMD(i, "fire");
#endif
#ifdef LINKED_LIB
			treelib_fire(n);
#endif
			if (lib_fire != NULL)
				lib_fire(n);
			printf("fired\n");
		} else if (strncmp(line, "open ", 5) == 0 || strncmp(line, "topen ", 6) == 0) {
			snprintf(path, sizeof path, "%s", strchr(line, ' ') + 1);
			if (line[0] == 't')
				on_thread(do_open);
			else
				do_open(NULL);
		} else if (strcmp(line, "close") == 0) {
			do_close(NULL);
		} else if (strcmp(line, "tclose") == 0) {
			on_thread(do_close);
		} else if (strcmp(line, "poke") == 0) {
			poke();
		} else if (strcmp(line, "fork") == 0) {
			fflush(stdout);
			pid_t child = fork();
			if (child == 0) {
				for (;;)
					pause();
			}
			printf("child %d\n", (int) child);
		} else if (strncmp(line, "exec ", 5) == 0) {
			printf("exec %s\n", line + 5);
			fflush(stdout);
			execl(line + 5, line + 5, (char *) NULL);
			printf("error exec: %s\n", strerror(errno));
		} else {
			printf("error unknown command\n");
		}
		fflush(stdout);
	}
	return 0;
}
