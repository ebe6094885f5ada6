package org.dtprobed.stash;

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

    public StashException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public StashException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
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
