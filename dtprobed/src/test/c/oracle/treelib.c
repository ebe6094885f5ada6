/*
 * A shared library with USDT probes, built as users build one: dtrace -h, gcc -fPIC, dtrace -G,
 * gcc -shared. Its drti.o registers the library's DOF at its load base when it is loaded (at
 * start-up when linked, at dlopen otherwise) and removes it when it is unloaded (dlclose, exit).
 */
#include "treelib.h"

void treelib_fire(int n)
{
	for (int i = 0; i < n; i++)
		TREELIB_LIB_CALL(i, (long) i * 3 + 1);
	TREELIB_LIB_DONE(n);
}
