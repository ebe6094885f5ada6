/*
 * Drives unmodified libusdt (npm dtrace-provider@0.8.8) through its public API: one provider
 * with two probes, enabled (which builds DOF and registers it with ioctl(DTRACEHIOC_ADDDOF) on
 * /dev/dtrace/helper) and then disabled (DTRACEHIOC_REMOVE). Prints "pid=N", "enable rc=N" and
 * "disable rc=N", with libusdt's error text when a call fails.
 *
 * usdt_driver wait: pauses so that a test can look at the daemon in between: after enabling it
 * waits for SIGUSR1 before disabling, and after disabling for SIGUSR2 before exiting.
 *
 * usdt_driver fire: after enabling, reads commands on stdin: "fire N" fires p1(i, "hello i") and
 * p2("world i") for i = 0..N-1 and prints "fired"; at EOF it disables and exits.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "usdt.h"

static int pausing;

static void await(int want)
{
	if (!pausing)
		return;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, want);
	int sig;
	sigwait(&set, &sig);
}

int main(int argc, char **argv)
{
	pausing = argc > 1 && strcmp(argv[1], "wait") == 0;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	const char *types1[] = { "int", "char *" };
	const char *types2[] = { "char *" };
	printf("pid=%d\n", getpid());
	usdt_provider_t *provider = usdt_create_provider("jtransport", "drivermod");
	usdt_probedef_t *p1 = usdt_create_probe("func", "p1", 2, types1);
	usdt_probedef_t *p2 = usdt_create_probe("func", "p2", 1, types2);
	if (provider == NULL || p1 == NULL || p2 == NULL) {
		printf("create failed\n");
		return 1;
	}
	usdt_provider_add_probe(provider, p1);
	usdt_provider_add_probe(provider, p2);
	int rc = usdt_provider_enable(provider);
	printf("enable rc=%d%s%s\n", rc, rc ? " error=" : "", rc ? usdt_errstr(provider) : "");
	fflush(stdout);
	await(SIGUSR1);
	if (argc > 1 && strcmp(argv[1], "fire") == 0 && rc == 0) {
		char line[64];
		while (fgets(line, sizeof line, stdin) != NULL) {
			int n = 0;
			if (sscanf(line, "fire %d", &n) != 1)
				continue;
			for (int i = 0; i < n; i++) {
				char hello[32], world[32];
				snprintf(hello, sizeof hello, "hello %d", i);
				snprintf(world, sizeof world, "world %d", i);
				void *args1[] = { (void *) (intptr_t) i, hello };
				void *args2[] = { world };
				usdt_fire_probe(p1->probe, 2, args1);
				usdt_fire_probe(p2->probe, 1, args2);
			}
			printf("fired\n");
			fflush(stdout);
		}
	}
	rc = usdt_provider_disable(provider);
	printf("disable rc=%d%s%s\n", rc, rc ? " error=" : "", rc ? usdt_errstr(provider) : "");
	fflush(stdout);
	await(SIGUSR2);
	return 0;
}
