package org.dtprobed.protocol;

import java.nio.file.Path;
import java.util.List;

/** Names shared by the query server and its clients; the protocol itself is docs/PROTOCOL.md. */
public final class Protocol {
    /** Sent as {@code "v"} in every response and event; raised on an incompatible change. */
    public static final int VERSION = 1;

    /** Where the daemon listens unless told otherwise (daemon {@code --socket}, client {@code DTPROBED_SOCKET}). */
    public static final Path DEFAULT_SOCKET = Path.of("/run/dtrace/dtprobed.sock");

    public static final String OP_LIST = "list";
    public static final String OP_PIDS = "pids";
    public static final String OP_WATCH = "watch";
    public static final String OP_STATS = "stats";
    public static final String OP_HEALTH = "health";
    public static final String OP_METRICS = "metrics";
    /** Examine running processes (all, or {@code "pid"}) for objects with DOF they did not register. */
    public static final String OP_SCAN = "scan";
    /** Every operation this server answers; {@code health} lists them as the server's capabilities. */
    public static final List<String> OPS = List.of(OP_LIST, OP_PIDS, OP_WATCH, OP_STATS, OP_HEALTH, OP_METRICS,
            OP_SCAN);

    public static final String ERR_BAD_REQUEST = "bad_request";
    public static final String ERR_UNKNOWN_OP = "unknown_op";
    public static final String ERR_BAD_DESCRIPTION = "bad_description";
    public static final String ERR_TOO_LARGE = "request_too_large";
    public static final String ERR_BUSY = "busy";
    public static final String ERR_IDLE = "idle_timeout";
    public static final String ERR_OVERFLOW = "watch_overflow";
    public static final String ERR_INTERNAL = "internal";
    /** An operation reserved to root (the daemon-wide metrics: they reveal other users' activity). */
    public static final String ERR_FORBIDDEN = "forbidden";
    /** An operation this daemon was started without (e.g. {@code scan}). */
    public static final String ERR_UNAVAILABLE = "unavailable";

    public static final String EVENT_REGISTERED = "registered";
    public static final String EVENT_REMOVED = "removed";
    public static final String EVENT_HEARTBEAT = "heartbeat";

    private Protocol() {
    }
}
