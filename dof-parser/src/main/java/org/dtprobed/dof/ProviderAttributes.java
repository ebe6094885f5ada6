package org.dtprobed.dof;

/**
 * The five {@code dof_attr_t} stability words of a provider, each
 * {@code (name << 24) | (data << 16) | (class << 8)}. Carried through, never interpreted.
 */
public record ProviderAttributes(int provider, int module, int function, int name, int args) {
}
