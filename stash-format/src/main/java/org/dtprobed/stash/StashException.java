package org.dtprobed.stash;

import java.util.List;

/**
 * The one exception family of the stash. {@link #kind()} says what went wrong and which errno a
 * registering process gets; the message is meant for one log line.
 */
public class StashException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong, with the errno the helper-device caller receives. */
    public enum Kind {
        /** The record cannot be stored as given (a name too long, a policy violation). */
        REFUSED(22),
        /** A map has no room left for the entry (sized at creation, see the spec). */
        FULL(28),
        /** Stored bytes do not decode: bad CRC, unknown version, truncated value. */
        CORRUPT(5),
        /**
         * A stash file is damaged beyond what the open could repair, or the open did not finish
         * within its deadline: a restart cannot fix it (the message names the file and the fix).
         */
        DAMAGED(5),
        /** Another process holds the stash's exclusive lock. */
        LOCKED(16),
        /** The file system failed. */
        IO(5);

        private final int errno;

        Kind(int errno) {
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    private final Kind kind;
    private final transient List<CommitResult.Dropped> dropped;

    public StashException(Kind kind, String message) {
        super(message);
        this.kind = kind;
        this.dropped = List.of();
    }

    public StashException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.dropped = List.of();
    }

    private StashException(StashException refused, List<CommitResult.Dropped> dropped) {
        super(refused.getMessage(), refused.getCause());
        this.kind = refused.kind;
        this.dropped = List.copyOf(dropped);
        setStackTrace(refused.getStackTrace());
    }

    /**
     * A refused commit that had already dropped registrations (a reused pid's, an exec'd image's):
     * they are gone from the stash all the same, and a view of the stash must learn it.
     */
    static StashException refusedAfterDropping(StashException refused, List<CommitResult.Dropped> dropped) {
        return dropped.isEmpty() ? refused : new StashException(refused, dropped);
    }

    /** What the refused commit dropped before it was refused ({@link #refusedAfterDropping}); usually none. */
    public List<CommitResult.Dropped> dropped() {
        return dropped == null ? List.of() : dropped;
    }

    public Kind kind() {
        return kind;
    }

    public int errno() {
        return kind.errno();
    }

    /**
     * Whether trying again (a restart) cannot help: a damaged stash, a newer layout, another
     * daemon owning it. A full or failing file system (IO) may recover by itself.
     */
    public boolean permanent() {
        return kind == Kind.DAMAGED || kind == Kind.CORRUPT || kind == Kind.LOCKED || kind == Kind.REFUSED;
    }
}
