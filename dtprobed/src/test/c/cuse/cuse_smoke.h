/* Shared by cuse_server.c and cuse_client.c (the qemu guest smoke test, GuestKernelTest).
 * The client hands an 80-byte record shaped like dtrace-utils' dof_helper_t to an unrestricted
 * CUSE ioctl; the server fetches it with one FUSE_IOCTL_RETRY round and answers with
 * smoke_checksum() of those 80 bytes, which the client recomputes. */
#ifndef CUSE_SMOKE_H
#define CUSE_SMOKE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

typedef struct smoke_helper {
	char mod[64];
	uint64_t addr;
	uint64_t dof;
} smoke_helper_t;

_Static_assert(sizeof(smoke_helper_t) == 80, "smoke_helper_t must be 80 bytes like dof_helper_t");

/* dtrace-utils' DTRACEHIOC_ADDDOF: _IOW(0xd8, 3, dof_helper_t) = 0x4050d803. */
#define SMOKE_IOCTL _IOW(0xd8, 3, smoke_helper_t)

/* FNV-1a, masked to stay a non-negative ioctl return value. */
static inline int smoke_checksum(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return (int)(h & 0x7fffffff);
}

#endif
