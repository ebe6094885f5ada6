/*
 * Minimal <sys/dtrace.h> for Linux, written from the project's reference facts
 * (dtprobed-facts.md §1.2, §1.3, §3): the DOF structures, the helper ioctls as Oracle
 * dtrace-utils defines them (include/dtrace/ioctl.h: DTRACEHIOC 0xd8, asm-generic _IOW), and the
 * constants libusdt (npm dtrace-provider@0.8.8) needs to build unmodified.
 */
#ifndef _DTPROBED_SHIM_SYS_DTRACE_H
#define _DTPROBED_SHIM_SYS_DTRACE_H

#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

typedef uint32_t dof_secidx_t;
typedef uint32_t dof_stridx_t;
typedef uint32_t dof_attr_t;

#define DOF_SECIDX_NONE ((dof_secidx_t)-1U)
#define DOF_STRIDX_NONE ((dof_stridx_t)-1U)

#define DOF_ID_MAG0 0
#define DOF_ID_MAG1 1
#define DOF_ID_MAG2 2
#define DOF_ID_MAG3 3
#define DOF_ID_MODEL 4
#define DOF_ID_ENCODING 5
#define DOF_ID_VERSION 6
#define DOF_ID_DIFVERS 7
#define DOF_ID_DIFIREG 8
#define DOF_ID_DIFTREG 9
#define DOF_ID_PAD 10
#define DOF_ID_SIZE 16

#define DOF_MAG_MAG0 0x7F
#define DOF_MAG_MAG1 'D'
#define DOF_MAG_MAG2 'O'
#define DOF_MAG_MAG3 'F'
#define DOF_MAG_STRING "\177DOF"
#define DOF_MAG_STRLEN 4

#define DOF_MODEL_NONE 0
#define DOF_MODEL_ILP32 1
#define DOF_MODEL_LP64 2
#ifdef _LP64
#define DOF_MODEL_NATIVE DOF_MODEL_LP64
#else
#define DOF_MODEL_NATIVE DOF_MODEL_ILP32
#endif

#define DOF_ENCODE_NONE 0
#define DOF_ENCODE_LSB 1
#define DOF_ENCODE_MSB 2
#define DOF_ENCODE_NATIVE DOF_ENCODE_LSB

#define DOF_VERSION_1 1
#define DOF_VERSION_2 2
#define DOF_VERSION_3 3
#define DOF_VERSION DOF_VERSION_3

#define DOF_FL_VALID 0

#define DIF_VERSION_1 1
#define DIF_VERSION_2 2
#define DIF_VERSION DIF_VERSION_2
#define DIF_DIR_NREGS 8
#define DIF_DTR_NREGS 8

#define DOF_SECT_NONE 0
#define DOF_SECT_COMMENTS 1
#define DOF_SECT_SOURCE 2
#define DOF_SECT_ECBDESC 3
#define DOF_SECT_PROBEDESC 4
#define DOF_SECT_ACTDESC 5
#define DOF_SECT_DIFOHDR 6
#define DOF_SECT_DIF 7
#define DOF_SECT_STRTAB 8
#define DOF_SECT_VARTAB 9
#define DOF_SECT_RELTAB 10
#define DOF_SECT_TYPTAB 11
#define DOF_SECT_URELHDR 12
#define DOF_SECT_KRELHDR 13
#define DOF_SECT_OPTDESC 14
#define DOF_SECT_PROVIDER 15
#define DOF_SECT_PROBES 16
#define DOF_SECT_PRARGS 17
#define DOF_SECT_PROFFS 18
#define DOF_SECT_INTTAB 19
#define DOF_SECT_UTSNAME 20
#define DOF_SECT_XLTAB 21
#define DOF_SECT_XLMEMBERS 22
#define DOF_SECT_XLIMPORT 23
#define DOF_SECT_XLEXPORT 24
#define DOF_SECT_PREXPORT 25
#define DOF_SECT_PRENOFFS 26

#define DOF_SECF_LOAD 1

#define DOF_RELO_NONE 0
#define DOF_RELO_SETX 1

/* stability and dependency classes, and dof_attr_t packing */
#define DTRACE_STABILITY_INTERNAL 0
#define DTRACE_STABILITY_PRIVATE 1
#define DTRACE_STABILITY_OBSOLETE 2
#define DTRACE_STABILITY_EXTERNAL 3
#define DTRACE_STABILITY_UNSTABLE 4
#define DTRACE_STABILITY_EVOLVING 5
#define DTRACE_STABILITY_STABLE 6
#define DTRACE_STABILITY_STANDARD 7
#define DTRACE_STABILITY_MAX 7

#define DTRACE_CLASS_UNKNOWN 0
#define DTRACE_CLASS_CPU 1
#define DTRACE_CLASS_PLATFORM 2
#define DTRACE_CLASS_GROUP 3
#define DTRACE_CLASS_ISA 4
#define DTRACE_CLASS_COMMON 5
#define DTRACE_CLASS_MAX 5

#define DOF_ATTR(n, d, c) (((uint32_t)(n) << 24) | ((uint32_t)(d) << 16) | ((uint32_t)(c) << 8))

#define DTRACE_MODNAMELEN 64
#define DTRACE_PROVNAMELEN 64
#define DTRACE_FUNCNAMELEN 128
#define DTRACE_NAMELEN 64
#define DTRACE_ARGTYPELEN 128

typedef struct dof_hdr {
	uint8_t dofh_ident[DOF_ID_SIZE];
	uint32_t dofh_flags;
	uint32_t dofh_hdrsize;
	uint32_t dofh_secsize;
	uint32_t dofh_secnum;
	uint64_t dofh_secoff;
	uint64_t dofh_loadsz;
	uint64_t dofh_filesz;
	uint64_t dofh_pad;
} dof_hdr_t;

typedef struct dof_sec {
	uint32_t dofs_type;
	uint32_t dofs_align;
	uint32_t dofs_flags;
	uint32_t dofs_entsize;
	uint64_t dofs_offset;
	uint64_t dofs_size;
} dof_sec_t;

typedef struct dof_provider {
	dof_secidx_t dofpv_strtab;
	dof_secidx_t dofpv_probes;
	dof_secidx_t dofpv_prargs;
	dof_secidx_t dofpv_proffs;
	dof_stridx_t dofpv_name;
	dof_attr_t dofpv_provattr;
	dof_attr_t dofpv_modattr;
	dof_attr_t dofpv_funcattr;
	dof_attr_t dofpv_nameattr;
	dof_attr_t dofpv_argsattr;
	dof_secidx_t dofpv_prenoffs;
} dof_provider_t;

typedef struct dof_probe {
	uint64_t dofpr_addr;
	dof_stridx_t dofpr_func;
	dof_stridx_t dofpr_name;
	dof_stridx_t dofpr_nargv;
	dof_stridx_t dofpr_xargv;
	uint32_t dofpr_argidx;
	uint32_t dofpr_offidx;
	uint8_t dofpr_nargc;
	uint8_t dofpr_xargc;
	uint16_t dofpr_noffs;
	uint32_t dofpr_enoffidx;
	uint16_t dofpr_nenoffs;
	uint16_t dofpr_pad1;
	uint32_t dofpr_pad2;
} dof_probe_t;

typedef struct dof_helper {
	char dofhp_mod[DTRACE_MODNAMELEN];
	uint64_t dofhp_addr;
	uint64_t dofhp_dof;
} dof_helper_t;

_Static_assert(sizeof(dof_hdr_t) == 64, "dof_hdr_t is 64 bytes");
_Static_assert(sizeof(dof_sec_t) == 32, "dof_sec_t is 32 bytes");
_Static_assert(sizeof(dof_provider_t) == 44, "dof_provider_t is 44 bytes");
_Static_assert(sizeof(dof_probe_t) == 48, "dof_probe_t is 48 bytes");
_Static_assert(sizeof(dof_helper_t) == 80, "dof_helper_t is 80 bytes");

/* helper ioctls (dtrace-utils include/dtrace/ioctl.h) */
#define DTRACEHIOC 0xd8
#define DTRACEHIOC_ADD _IOW(DTRACEHIOC, 1, dof_hdr_t)
#define DTRACEHIOC_REMOVE _IOW(DTRACEHIOC, 2, int)
#define DTRACEHIOC_ADDDOF _IOW(DTRACEHIOC, 3, dof_helper_t)

_Static_assert(DTRACEHIOC_ADD == 0x4040d801, "ADD number");
_Static_assert(DTRACEHIOC_REMOVE == 0x4004d802, "REMOVE number");
_Static_assert(DTRACEHIOC_ADDDOF == 0x4050d803, "ADDDOF number");

#endif
