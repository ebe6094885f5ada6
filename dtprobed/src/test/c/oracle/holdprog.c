/*
 * A program built as users build USDT programs with Oracle DTrace: dtrace -h for the probe
 * macros, dtrace -G for the DOF and drti.o, whose constructor registers the DOF at start-up
 * (DTRACE_DOF_INIT_DEVNAME, else /dev/dtrace/helper). Prints "ready PID", then reads commands on
 * stdin: "fire N" fires req_done(i, "req i") and tick(i) for i = 0..N-1 and prints "fired".
 */
#include <stdio.h>
#include <unistd.h>

#include "holdprov.h"

int main(void)
{
	char line[64];
	printf("ready %d\n", (int) getpid());
	fflush(stdout);
	while (fgets(line, sizeof line, stdin) != NULL) {
		int n = 0;
		if (sscanf(line, "fire %d", &n) != 1)
			continue;
		for (int i = 0; i < n; i++) {
			char req[32];
			snprintf(req, sizeof req, "req %d", i);
			HOLDPROV_REQ_DONE(i, req);
			HOLDPROV_TICK((long) i * 1000000007L);
		}
		printf("fired\n");
		fflush(stdout);
	}
	return 0;
}
