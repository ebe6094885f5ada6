/*
 * A shared library with USDT probes, built as users build one with Oracle DTrace (dtrace -h,
 * dtrace -G, gcc -shared): its drti.o constructor registers the DOF when the library is loaded,
 * with dofhp_addr = the library's load base, which ASLR makes different in every process.
 */
#include "holdlib.h"

void holdlib_work(int n)
{
	for (int i = 0; i < n; i++)
		HOLDLIB_WORK(i);
}
