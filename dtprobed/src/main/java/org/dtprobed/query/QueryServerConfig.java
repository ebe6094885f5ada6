package org.dtprobed.query;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Limits and place of the query socket.
 *
 * @param socket                 path of the Unix stream socket
 * @param maxConnections         connections served at once; one more is answered {@code busy} and closed
 * @param maxConnectionsPerUser  the same, per non-root uid, so one user cannot take every slot
 * @param maxRequestBytes        longest request line; a longer one is answered and the connection closed
 * @param idleTimeout            a connection that sends no complete request for this long is closed
 * @param heartbeatInterval      a {@code watch} stream with no events sends a heartbeat this often
 * @param watchQueueEvents       events a slow watcher may fall behind by before it is cut off
 */
public record QueryServerConfig(Path socket, int maxConnections, int maxConnectionsPerUser, int maxRequestBytes,
                                Duration idleTimeout, Duration heartbeatInterval, int watchQueueEvents) {
    public static final Path DEFAULT_SOCKET = org.dtprobed.protocol.Protocol.DEFAULT_SOCKET;

    public QueryServerConfig {
        Objects.requireNonNull(socket, "socket");
        if (maxConnections < 1 || maxConnectionsPerUser < 1 || maxRequestBytes < 64 || watchQueueEvents < 1) {
            throw new IllegalArgumentException("limits must be positive and a request may hold at least 64 bytes");
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero() || heartbeatInterval.isNegative()
                || heartbeatInterval.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
    }

    /** The daemon's defaults for a socket path. */
    public static QueryServerConfig defaults(Path socket) {
        return new QueryServerConfig(socket, 4096, 256, 64 * 1024, Duration.ofSeconds(60), Duration.ofSeconds(15),
                10_000);
    }

    public QueryServerConfig withIdleTimeout(Duration value) {
        return new QueryServerConfig(socket, maxConnections, maxConnectionsPerUser, maxRequestBytes, value,
                heartbeatInterval, watchQueueEvents);
    }

    public QueryServerConfig withLimits(int connections, int perUser, int requestBytes) {
        return new QueryServerConfig(socket, connections, perUser, requestBytes, idleTimeout, heartbeatInterval,
                watchQueueEvents);
    }

    public QueryServerConfig withHeartbeat(Duration value) {
        return new QueryServerConfig(socket, maxConnections, maxConnectionsPerUser, maxRequestBytes, idleTimeout,
                value, watchQueueEvents);
    }
}
