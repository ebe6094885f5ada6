package org.dtprobed.dof.write;

import java.util.List;
import org.dtprobed.dof.ProviderAttributes;

/** A provider for {@link DofWriter}. */
public record ProviderSpec(String name, ProviderAttributes attributes, List<ProbeSpec> probes) {
    /** Stability attributes {@code dtrace -G} gives an unannotated provider (Evolving/Evolving/Common). */
    public static final ProviderAttributes DEFAULT_ATTRIBUTES =
            new ProviderAttributes(0x06060600, 0x06060600, 0x06060600, 0x06060600, 0x06060600);

    public ProviderSpec {
        probes = List.copyOf(probes);
        if (probes.isEmpty()) {
            throw new IllegalArgumentException("provider " + name + " has no probes: its PROBES section would be"
                    + " empty, which the parser (like dtprobed) refuses");
        }
    }

    public ProviderSpec(String name, List<ProbeSpec> probes) {
        this(name, DEFAULT_ATTRIBUTES, probes);
    }
}
