/*
 * A shared library with a USDT probe, built with Oracle's dtrace -G: drti.o's constructor
 * registers its DOF when it is dlopen()ed, its destructor sends the by-value REMOVE when it is
 * dlclose()d (which the kernel refuses on a FUSE file before the daemon hears of it).
 */
#include "liveprov.h"

void livelib_go(int n)
{
	LIVEPROV_GO(n);
}
