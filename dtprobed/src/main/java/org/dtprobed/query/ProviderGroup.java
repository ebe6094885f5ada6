package org.dtprobed.query;

import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.protocol.RegistrationKey;

import java.util.Comparator;
import java.util.List;

/**
 * The probes of one provider in one registration: the unit the index narrows a query to before it
 * looks at single probes. Immutable.
 *
 * @param key        the registration
 * @param uid        its process's uid, for scoping
 * @param provider   the provider name, without the pid suffix
 * @param providerId the provider's id in the index's provider {@link NameTable}
 * @param probes     the provider's probes, by module, function, name (so that a scan emits
 *                   {@link ProbeIndex#ORDER} without sorting)
 * @param ids        three ids per probe, in the order of {@code probes}: module, function, name
 */
record ProviderGroup(RegistrationKey key, int uid, String provider, int providerId, List<ProbeEntry> probes,
                     int[] ids) {
    /** Registration, then provider: with probes sorted inside a group, this is {@link ProbeIndex#ORDER}. */
    static final Comparator<ProviderGroup> ORDER = Comparator.comparing(ProviderGroup::key)
            .thenComparing(ProviderGroup::provider);

    int pid() {
        return key.pid();
    }
}
