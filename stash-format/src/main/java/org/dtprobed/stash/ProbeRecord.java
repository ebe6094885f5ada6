package org.dtprobed.stash;

import java.util.List;
import org.dtprobed.dof.ProbeSite;
import org.dtprobed.dof.ProviderAttributes;
import org.dtprobed.protocol.RegistrationKey;

/**
 * One per-probe record: everything a tracer needs to arm one probe of one process, and the
 * registration it came from. {@code provider} is the bare name (without the pid suffix).
 */
public record ProbeRecord(RegistrationKey registration, String provider, String module, String function,
                          String name, ProviderAttributes attributes, List<String> nativeTypes,
                          List<String> translatedTypes, List<Integer> argmap, List<ProbeSite> sites) {
    public ProbeRecord {
        nativeTypes = List.copyOf(nativeTypes);
        translatedTypes = List.copyOf(translatedTypes);
        argmap = List.copyOf(argmap);
        sites = List.copyOf(sites);
    }

    public int pid() {
        return registration.pid();
    }

    /** {@code provider:module:function:name} with the bare provider name. */
    public String description() {
        return provider + ":" + module + ":" + function + ":" + name;
    }
}
