package org.dtprobed.dof;

/**
 * One place a probe fires, and whether it is an is-enabled site. The address is a virtual address
 * in the registering process, except in a parse result ({@link ParsedProbe#storedSites}), where it
 * is {@code dofpr_addr} as stored plus the offset, before the load base is applied.
 */
public record ProbeSite(long address, boolean isEnabled) {
}
