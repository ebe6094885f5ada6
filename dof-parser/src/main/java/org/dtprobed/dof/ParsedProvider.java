package org.dtprobed.dof;

import java.util.List;

/**
 * One provider (one PROVIDER section) with its probes in section order.
 *
 * @param section index of its PROVIDER section
 */
public record ParsedProvider(int section, String name, ProviderAttributes attributes,
                             List<ParsedProbe> probes) {
    public ParsedProvider {
        probes = List.copyOf(probes);
    }
}
