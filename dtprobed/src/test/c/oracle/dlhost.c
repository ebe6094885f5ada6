/*
 * A process that lives on while it dlopen()s and dlclose()s a library (DlcloseIT). Prints
 * "ready PID", then reads commands on stdin, answering each with one line:
 *   open PATH    dlopen(PATH, RTLD_NOW) on the main thread          -> "opened" | "error ..."
 *   close        dlclose() of the last one on the main thread       -> "closed" | "error ..."
 *   topen PATH   the same from a new thread (drti registers under its TID)
 *   tclose       the same from a new thread
 *   poke         open and close the helper device, no ioctl         -> "poked" | "error ..."
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *handle;
static char path[4096];

static void *do_open(void *unused)
{
	(void) unused;
	handle = dlopen(path, RTLD_NOW);
	if (handle == NULL)
		printf("error dlopen: %s\n", dlerror());
	else
		printf("opened\n");
	return NULL;
}

static void *do_close(void *unused)
{
	(void) unused;
	if (handle == NULL || dlclose(handle) != 0)
		printf("error dlclose\n");
	else
		printf("closed\n");
	handle = NULL;
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
	printf("ready %d\n", (int) getpid());
	fflush(stdout);
	while (fgets(line, sizeof line, stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "open ", 5) == 0 || strncmp(line, "topen ", 6) == 0) {
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
		} else {
			printf("error unknown command\n");
		}
		fflush(stdout);
	}
	return 0;
}
