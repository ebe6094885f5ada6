package org.dtprobed.ingest;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.stash.ContentHash;

/**
 * The parse cache's memory side, in front of the stash's {@code parsed} file: a forked child
 * re-registering its parent's DOF is answered without decoding the stored parse. Bounded, least
 * recently used out; the stash stays the durable copy.
 */
final class ParseCache {
    private record Key(ContentHash content, long loadBase, String module) {
    }

    private final int capacity;
    private final Map<Key, ParsedDof> entries;

    ParseCache(int capacity) {
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(64, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, ParsedDof> eldest) {
                return size() > ParseCache.this.capacity;
            }
        };
    }

    synchronized Optional<ParsedDof> get(ContentHash content, long loadBase, String module) {
        return Optional.ofNullable(entries.get(new Key(content, loadBase, module)));
    }

    synchronized void put(ContentHash content, long loadBase, String module, ParsedDof parsed) {
        entries.put(new Key(content, loadBase, module), parsed);
    }
}
