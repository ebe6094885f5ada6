package org.dtprobed.stash;

import java.util.List;
import org.dtprobed.protocol.RegistrationKey;

/**
 * What one {@link Stash#commit} did: the registration it stored, and every registration of the
 * same pid it dropped on the way, with why. Whoever keeps a view of the stash (the daemon's query
 * index) applies this and need not ask the stash what is left.
 *
 * @param registration what was stored, its probes at the registration's load base: the index's
 *                     entries are made from these, as at start-up, not from the parse result again
 * @param dropped      in the order the commit dropped them; may hold {@link #key} itself after a
 *                     pid reuse (the new process starts again at generation 0)
 */
public record CommitResult(Registration registration, List<Dropped> dropped) {
    public CommitResult {
        dropped = List.copyOf(dropped);
    }

    /** A registration the stash dropped without a REMOVE for it. */
    public record Dropped(RegistrationKey key, Stash.DropCause cause) {
    }

    /** The new registration's key; its generation is the ADDDOF ioctl's return value. */
    public RegistrationKey key() {
        return registration.key();
    }

    /** The keys of {@link #dropped}, in order. */
    public List<RegistrationKey> droppedKeys() {
        // on every registration: a loop, not a stream (3 % of a re-registration's samples)
        RegistrationKey[] keys = new RegistrationKey[dropped.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = dropped.get(i).key();
        }
        return List.of(keys);
    }
}
