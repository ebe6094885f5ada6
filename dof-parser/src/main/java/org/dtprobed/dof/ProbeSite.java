package org.dtprobed.dof;

/**
 * One place a probe fires: an absolute virtual address in the registering process (relocated
 * {@code dofpr_addr} plus one offset), and whether it is an is-enabled site.
 */
public record ProbeSite(long address, boolean isEnabled) {
}
