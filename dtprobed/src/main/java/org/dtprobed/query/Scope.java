package org.dtprobed.query;

/**
 * Which processes a query may see: root sees all; any other user only processes running as its
 * own uid (the caller's peer credentials decide, never what it asks for).
 */
public record Scope(boolean everything, int uid) {
    public static Scope all() {
        return new Scope(true, 0);
    }

    public static Scope ofUid(int uid) {
        return uid == 0 ? all() : new Scope(false, uid);
    }

    public boolean permits(int processUid) {
        return everything || processUid == uid;
    }
}
