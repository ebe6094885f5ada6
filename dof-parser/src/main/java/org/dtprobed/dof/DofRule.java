package org.dtprobed.dof;

import org.dtprobed.linux.Errno;

/**
 * Every rule the parser enforces, each with the errno a caller of the helper device gets when it
 * is broken. {@link Kind#STRUCTURE} rules make the DOF unreadable; {@link Kind#POLICY} rules leave
 * it decodable but make registration refuse it (names that would be unsafe or ambiguous for a
 * tracer, probes without sites).
 */
public enum DofRule {
    // header
    HEADER_TRUNCATED(Kind.STRUCTURE, Errno.EINVAL, "fewer than 64 bytes of DOF header"),
    LOAD_SIZE_TOO_LARGE(Kind.STRUCTURE, Errno.E2BIG, "load size exceeds the maximum"),
    LOAD_SIZE_TOO_SMALL(Kind.STRUCTURE, Errno.EINVAL, "load size is smaller than the header"),
    LOAD_SIZE_EXCEEDS_INPUT(Kind.STRUCTURE, Errno.EINVAL, "load size exceeds the bytes supplied"),
    BAD_MAGIC(Kind.STRUCTURE, Errno.EINVAL, "magic is not \\177DOF"),
    BAD_MODEL(Kind.STRUCTURE, Errno.EINVAL, "data model is neither ILP32 nor LP64"),
    BAD_ENCODING(Kind.STRUCTURE, Errno.EINVAL, "encoding is not little-endian"),
    BAD_VERSION(Kind.STRUCTURE, Errno.EINVAL, "DOF version is not 1, 2 or 3"),
    BAD_DIF_VERSION(Kind.STRUCTURE, Errno.EINVAL, "DIF version is not 2"),
    BAD_DIF_REGISTERS(Kind.STRUCTURE, Errno.EINVAL, "DIF register count exceeds 8"),
    NONZERO_IDENT_PAD(Kind.STRUCTURE, Errno.EINVAL, "identification pad bytes are not zero"),
    NONZERO_FLAGS(Kind.STRUCTURE, Errno.EINVAL, "header flags are not zero"),
    BAD_SECTION_HEADER_SIZE(Kind.STRUCTURE, Errno.EINVAL, "section header size is invalid"),
    SECTION_TABLE_OUT_OF_BOUNDS(Kind.STRUCTURE, Errno.EINVAL, "section headers lie outside the load size"),
    SECTION_TABLE_MISALIGNED(Kind.STRUCTURE, Errno.EINVAL, "section headers are not 8-byte aligned"),
    TOO_MANY_SECTIONS(Kind.STRUCTURE, Errno.EINVAL, "more sections than the configured limit"),
    // sections
    SECTION_NOT_LOADED(Kind.STRUCTURE, Errno.EINVAL, "loadable section lacks the LOAD flag"),
    BAD_SECTION_ALIGNMENT(Kind.STRUCTURE, Errno.EINVAL, "section alignment is not a power of two"),
    SECTION_MISALIGNED(Kind.STRUCTURE, Errno.EINVAL, "section offset is not a multiple of its alignment"),
    SECTION_OUT_OF_BOUNDS(Kind.STRUCTURE, Errno.EINVAL, "section lies outside the load size"),
    EMPTY_STRTAB(Kind.STRUCTURE, Errno.EINVAL, "string table is empty"),
    STRTAB_NOT_TERMINATED(Kind.STRUCTURE, Errno.EINVAL, "string table does not end with NUL"),
    BAD_SECTION_REFERENCE(Kind.STRUCTURE, Errno.EINVAL, "section index refers to a missing, unloaded or wrong-type section"),
    // relocations
    BAD_RELOCATION_HEADER(Kind.STRUCTURE, Errno.EINVAL, "relocation header section is malformed"),
    BAD_RELOCATION_TABLE(Kind.STRUCTURE, Errno.EINVAL, "relocation table section is malformed"),
    RELOCATION_OUT_OF_BOUNDS(Kind.STRUCTURE, Errno.EINVAL, "relocation target lies outside its section"),
    RELOCATION_MISALIGNED(Kind.STRUCTURE, Errno.EINVAL, "relocation target is not 8-byte aligned"),
    BAD_RELOCATION_TYPE(Kind.STRUCTURE, Errno.EINVAL, "relocation type is unknown"),
    RELOCATION_NOT_PROBE_ADDRESS(Kind.STRUCTURE, Errno.EINVAL,
            "relocation target is not the dofpr_addr of a PROBES entry"),
    // providers and probes
    BAD_PROVIDER_SECTION(Kind.STRUCTURE, Errno.EINVAL, "provider section is malformed"),
    BAD_PROBES_SECTION(Kind.STRUCTURE, Errno.EINVAL, "probes section entry size is invalid"),
    BAD_OFFSETS_SECTION(Kind.STRUCTURE, Errno.EINVAL, "offsets section entry size or alignment is invalid"),
    BAD_ARGS_SECTION(Kind.STRUCTURE, Errno.EINVAL, "argument-mapping section entry size is invalid"),
    STRING_OUT_OF_BOUNDS(Kind.STRUCTURE, Errno.EINVAL, "string index lies outside the string table"),
    STRING_TOO_LONG(Kind.STRUCTURE, Errno.EINVAL, "string is longer than DTrace allows"),
    OFFSETS_OUT_OF_BOUNDS(Kind.STRUCTURE, Errno.EINVAL, "probe offsets lie outside the offsets section"),
    ENABLED_OFFSETS_OUT_OF_BOUNDS(Kind.STRUCTURE, Errno.EINVAL, "probe is-enabled offsets lie outside their section"),
    ARGS_OUT_OF_BOUNDS(Kind.STRUCTURE, Errno.EINVAL, "probe argument mapping lies outside its section"),
    ARGMAP_OUT_OF_RANGE(Kind.STRUCTURE, Errno.EINVAL, "translated argument maps to a native argument that does not exist"),
    NONZERO_PROBE_PAD(Kind.STRUCTURE, Errno.EINVAL, "probe pad fields are not zero"),
    TOO_MANY_PROBES(Kind.STRUCTURE, Errno.EINVAL, "more probes than the configured limit"),
    /** Its own errno: the DOF may be well formed, it only describes more than the daemon keeps for one. */
    RESULT_TOO_LARGE(Kind.STRUCTURE, Errno.EOVERFLOW, "parse result exceeds the configured limit"),
    // registration policy: decodable, but not registered
    HELPER_MODULE_NOT_TERMINATED(Kind.POLICY, Errno.EINVAL, "module name is not NUL-terminated within 64 bytes"),
    UNSAFE_NAME(Kind.POLICY, Errno.EINVAL, "name contains '/', ':' or NUL, or is '.' or '..'"),
    EMPTY_NAME(Kind.POLICY, Errno.EINVAL, "name is empty"),
    NAME_NOT_UTF8(Kind.POLICY, Errno.EINVAL, "name is not valid UTF-8"),
    PROVIDER_NAME_TOO_LONG(Kind.POLICY, Errno.EINVAL, "provider name with the pid appended exceeds 63 bytes"),
    ZERO_SITES(Kind.POLICY, Errno.EINVAL, "probe has no sites"),
    DUPLICATE_SITE(Kind.POLICY, Errno.EINVAL, "probe has the same site twice"),
    NO_PROVIDERS(Kind.POLICY, Errno.EINVAL, "DOF has no provider");

    /** Whether breaking the rule makes the DOF unreadable or only unregistrable. */
    public enum Kind { STRUCTURE, POLICY }

    private final Kind kind;
    private final int errno;
    private final String summary;

    DofRule(Kind kind, int errno, String summary) {
        this.kind = kind;
        this.errno = errno;
        this.summary = summary;
    }

    public Kind kind() {
        return kind;
    }

    /** The errno the registering process receives. */
    public int errno() {
        return errno;
    }

    public String summary() {
        return summary;
    }

}
