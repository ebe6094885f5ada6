package org.dtprobed.stash;

import java.nio.file.Path;
import java.util.List;

/**
 * The check stash-dump runs on a stash (it lives in the dtprobed module now): a reader's
 * {@link StashReadAccess#inconsistencies()}, or the damage that stopped it opening. {@code rc} is
 * stash-dump's exit status for it (0 consistent, 1 inconsistent, 74 unreadable) and {@code out}
 * the lines it prints about it.
 */
record ReaderCheck(int rc, String out) {
    static ReaderCheck of(Path stashDir) {
        try (StashReadAccess access = StashReadAccess.open(stashDir)) {
            List<String> problems = access.inconsistencies();
            return new ReaderCheck(problems.isEmpty() ? 0 : 1, String.join("\n", problems));
        } catch (StashReadAccess.DamagedException e) {
            return new ReaderCheck(1, String.join("\n", e.files()) + "\n" + e.getMessage());
        } catch (StashException e) {
            return new ReaderCheck(e.kind() == StashException.Kind.DAMAGED ? 1 : 74, e.getMessage());
        }
    }
}
