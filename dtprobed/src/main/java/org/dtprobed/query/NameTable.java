package org.dtprobed.query;

import org.dtprobed.protocol.Glob;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The distinct strings of one field of the index (every provider, or every module, function or
 * name), each with a small id. A query matches its glob once per distinct string, not once per
 * probe: 10,000 processes of one program share its 20 probe names, so a scan of 200,000 probes
 * costs 20 glob matches and a bit test per probe. Reference-counted, so that the id of a string
 * no longer in the index is reused and the table stays as small as the index's vocabulary.
 *
 * <p>Not thread-safe: the index's lock guards it.
 */
final class NameTable {
    private final Map<String, Integer> ids = new HashMap<>();
    private String[] names = new String[16];
    private int[] refs = new int[16];
    private int[] free = new int[16];
    private int freeCount;
    /** One past the highest id ever handed out: the length of every bit set {@link #matching} returns. */
    private int limit;

    /** The id of a string, counting one more reference to it. */
    int acquire(String s) {
        Integer known = ids.get(s);
        if (known != null) {
            refs[known]++;
            return known;
        }
        int id = freeCount > 0 ? free[--freeCount] : limit++;
        if (id == names.length) {
            names = Arrays.copyOf(names, id * 2);
            refs = Arrays.copyOf(refs, id * 2);
        }
        names[id] = s;
        refs[id] = 1;
        ids.put(s, id);
        return id;
    }

    /** Drops one reference; the last one frees the id for reuse. */
    void release(int id) {
        if (--refs[id] > 0) {
            return;
        }
        ids.remove(names[id]);
        names[id] = null;
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, freeCount * 2);
        }
        free[freeCount++] = id;
    }

    /**
     * The ids of the strings the glob matches, or null when it matches every string (so that the
     * caller skips the test). A literal is one hash lookup; a pattern is matched once per
     * distinct string. The result is the caller's own: it stays right for the ids of every probe
     * present when it was computed, whatever the table does afterwards.
     */
    BitSet matching(Glob glob) {
        if (glob.matchesAll()) {
            return null;
        }
        BitSet out = new BitSet(limit);
        if (glob.isLiteral()) {
            Integer id = ids.get(glob.pattern());
            if (id != null) {
                out.set(id);
            }
            return out;
        }
        for (int id = 0; id < limit; id++) {
            if (names[id] != null && glob.matches(names[id])) {
                out.set(id);
            }
        }
        return out;
    }
}
