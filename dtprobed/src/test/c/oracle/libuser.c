/*
 * A PIE executable that uses holdlib.so (ParseOnceIT): prints "ready PID" once the library's
 * constructor has registered, then waits for stdin to close.
 */
#include <stdio.h>
#include <unistd.h>

void holdlib_work(int n);

int main(void)
{
	char line[64];
	printf("ready %d\n", (int) getpid());
	fflush(stdout);
	while (fgets(line, sizeof line, stdin) != NULL)
		holdlib_work(1);
	return 0;
}
