/*
 * The host of ProbesTreeIT's shared-library cases. Built two ways: as a non-PIE executable with
 * probes of its own (-DOWN_PROBES, provider treeprov) and as a PIE executable linked with
 * libtreelib.so (-DLINKED_LIB), whose DOF then sits at a new load base in every process.
 * Prints "ready PID", then reads commands on stdin, answering each on stdout:
 *   fire N      fires its own probes and the linked library's N times, and the opened one's
 *   open PATH   dlopen()s a -G library (its constructor registers it)   -> "opened" | "open failed ..."
 *   close       dlclose()s it (its destructor sends REMOVE)            -> "closed"
 *   fork        forks a child that waits for SIGTERM (drti registers it) -> "child PID"
 *   exec PATH   replaces itself with PATH (no arguments), skipping its destructors -> "exec PATH" first
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef OWN_PROBES
#include "treeprov.h"
#endif
#ifdef LINKED_LIB
void treelib_fire(int n);
#endif

int main(void)
{
	char line[4096];
	void *lib = NULL;
	void (*lib_fire)(int) = NULL;

	printf("ready %d\n", (int) getpid());
	fflush(stdout);
	while (fgets(line, sizeof line, stdin) != NULL) {
		int n = 0;
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
		} else if (strncmp(line, "open ", 5) == 0) {
			lib = dlopen(line + 5, RTLD_NOW);
			lib_fire = lib == NULL ? NULL : (void (*)(int)) dlsym(lib, "treelib_fire");
			if (lib_fire != NULL)
				printf("opened\n");
			else
				printf("open failed %s\n", dlerror());
		} else if (strcmp(line, "close") == 0) {
			if (lib != NULL)
				dlclose(lib);
			lib = NULL;
			lib_fire = NULL;
			printf("closed\n");
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
			printf("exec failed\n");
		}
		fflush(stdout);
	}
	return 0;
}
