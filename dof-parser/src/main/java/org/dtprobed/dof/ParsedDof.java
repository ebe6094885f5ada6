package org.dtprobed.dof;

import java.util.List;

/**
 * The immutable result of parsing one DOF blob: the same for every load base of the object that
 * holds it (each registration applies its own, {@link ParsedProbe#sitesAt}), so one parse serves
 * every process of a shared library or PIE. It does depend on the module name and, through the
 * provider-name limit, on the number of digits of the registering pid.
 *
 * @param header      the validated header
 * @param module      the module name every probe belongs to ({@code dofhp_mod})
 * @param providers   every provider, in section order
 * @param relocations every RELTAB entry of every URELHDR, in section order
 * @param violations  reasons registration refuses this DOF; empty when it may be registered
 */
public record ParsedDof(DofHeader header, String module, List<ParsedProvider> providers,
                        List<ParsedRelocation> relocations, List<PolicyViolation> violations) {
    public ParsedDof {
        providers = List.copyOf(providers);
        relocations = List.copyOf(relocations);
        violations = List.copyOf(violations);
    }

    public int version() {
        return header.version();
    }

    public int model() {
        return header.model();
    }

    public long loadSize() {
        return header.loadSize();
    }

    public boolean registrable() {
        return violations.isEmpty();
    }

    public int probeCount() {
        int n = 0;
        for (ParsedProvider p : providers) {
            n += p.probes().size();
        }
        return n;
    }
}
