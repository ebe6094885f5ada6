package org.dtprobed.ingest;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.ResultBudget;
import org.dtprobed.stash.ContentHash;
import org.dtprobed.stash.ParseKey;

/**
 * The parse cache's memory side, in front of the stash's {@code parsed} file: a forked child
 * re-registering its parent's DOF is answered without decoding the stored parse. The stash stays
 * the durable copy.
 *
 * <p>Bounded in bytes, not entries (issue 19: 250 entries of a 27 MB result took the heap): each
 * entry is charged {@link ResultBudget#bytesOf} and the least recently used leave until the sum
 * fits; a result above a quarter of the bound is not kept at all. The pipeline fills it only after
 * a successful commit, so a refused registration leaves nothing here. The key is what the result
 * depends on, as in the stash's {@code parsed} file ({@code ParseKey}): the content, the module
 * and the registering pid's digit count, not the load base (issue 13: N processes of one shared
 * library or PIE, each at its own base, are one entry).
 */
final class ParseCache {
    /** Estimated at up to 3x this in heap (strings, boxed offsets, records; not measured): ~50 MiB of 512. */
    static final long DEFAULT_MAX_BYTES = 16L << 20;

    /** @param pidDigits digits of the registering pid: a provider name must leave room for them */
    record Key(ContentHash content, String module, int pidDigits) {
        static Key of(ContentHash content, String module, long pid) {
            return new Key(content, module, ParseKey.pidDigits(pid));
        }
    }

    private record Entry(ParsedDof parsed, long bytes) {
    }

    private final long maxBytes;
    private final Map<Key, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;

    ParseCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    synchronized Optional<ParsedDof> get(Key key) {
        Entry e = entries.get(key);
        return e == null ? Optional.empty() : Optional.of(e.parsed());
    }

    /** Keeps a committed result, evicting the least recently used beyond the byte bound. */
    synchronized void put(Key key, ParsedDof parsed) {
        Entry have = entries.get(key); // a use, for the eviction order
        if (have != null && have.parsed() == parsed) {
            return; // a registration served from this entry: its size is known (issue 16: measured on every one)
        }
        long size = ResultBudget.bytesOf(parsed);
        if (size > maxBytes / 4) {
            return;
        }
        Entry old = entries.put(key, new Entry(parsed, size));
        bytes += size - (old == null ? 0 : old.bytes());
        Iterator<Entry> eldest = entries.values().iterator();
        while (bytes > maxBytes && eldest.hasNext()) {
            bytes -= eldest.next().bytes();
            eldest.remove();
        }
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized int size() {
        return entries.size();
    }
}
