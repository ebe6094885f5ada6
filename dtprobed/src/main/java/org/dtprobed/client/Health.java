package org.dtprobed.client;

import java.util.Set;

/**
 * The daemon's answer to {@code health}.
 *
 * @param ready        whether the daemon serves registrations and queries
 * @param capabilities the operations the daemon answers
 */
public record Health(boolean ready, Set<String> capabilities) {
    public Health {
        capabilities = Set.copyOf(capabilities);
    }
}
