package org.dtprobed.query;

import org.dtprobed.protocol.Protocol;

import java.io.Closeable;
import java.io.IOException;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.newsclub.net.unix.AFSocket;
import org.newsclub.net.unix.AFSocketCapability;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketCredentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query socket: a Unix stream socket speaking JSON lines (docs/PROTOCOL.md), answered from a
 * {@link ProbeIndex}. One thread accepts; each connection is served by its own small-stack
 * thread, bounded in number overall and per user; what a caller sees is scoped by its peer
 * credentials (SO_PEERCRED), never by what it claims.
 *
 * <p>The daemon creates it only once it is ready: {@code new QueryServer(config, index, stats,
 * ready).start()}, and {@link #close} on shutdown, which also removes the socket file.
 */
public final class QueryServer implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(QueryServer.class);
    private static final long CONNECTION_STACK_BYTES = 256 * 1024;

    private final QueryServerConfig config;
    private final ProbeIndex index;
    private final StatsSource stats;
    private final BooleanSupplier ready;
    private final ScanService scans;
    private final AtomicInteger connections = new AtomicInteger();
    private final Map<Integer, AtomicInteger> perUser = new ConcurrentHashMap<>();
    private final Set<AFUNIXSocket> open = ConcurrentHashMap.newKeySet();
    private volatile AFUNIXServerSocket server;
    private Thread acceptor;

    public QueryServer(QueryServerConfig config, ProbeIndex index, StatsSource stats, BooleanSupplier ready) {
        this(config, index, stats, ready, ScanService.NONE);
    }

    public QueryServer(QueryServerConfig config, ProbeIndex index, StatsSource stats, BooleanSupplier ready,
                       ScanService scans) {
        this.scans = Objects.requireNonNull(scans, "scans");
        this.config = Objects.requireNonNull(config, "config");
        this.index = Objects.requireNonNull(index, "index");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.ready = Objects.requireNonNull(ready, "ready");
    }

    /**
     * Binds the socket (world-connectable: scoping, not file modes, decides what a caller sees)
     * and starts accepting.
     *
     * @throws IOException if peer credentials are unsupported here, another server answers on the
     *                     path, or the socket cannot be bound
     */
    public synchronized void start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        if (!AFSocket.supports(AFSocketCapability.CAPABILITY_PEER_CREDENTIALS)) {
            throw new IOException("junixsocket reports no peer-credential support on this platform;"
                    + " the query server cannot scope callers and will not start");
        }
        Path path = config.socket();
        Files.createDirectories(path.toAbsolutePath().getParent());
        clearStaleSocket(path);
        server = AFUNIXServerSocket.bindOn(path, true);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
        acceptor = new Thread(this::acceptLoop, "query-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        LOG.info("query server listening on {} (pid {})", path, ProcessHandle.current().pid());
    }

    /** A socket file nobody answers on is left over from a killed daemon; one that answers is in use. */
    private static void clearStaleSocket(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        boolean answered;
        try {
            AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(path)).close();
            answered = true;
        } catch (SocketException e) {
            answered = false;
        }
        if (answered) {
            throw new IOException("another server is answering on " + path);
        }
        Files.delete(path);
    }

    public Path socket() {
        return config.socket();
    }

    /** Connections being served now. */
    public int connectionCount() {
        return connections.get();
    }

    private void acceptLoop() {
        AFUNIXServerSocket s = server;
        while (!s.isClosed()) {
            AFUNIXSocket socket;
            try {
                socket = s.accept();
            } catch (IOException e) {
                if (!s.isClosed()) {
                    LOG.warn("query accept failed: {}", e.toString());
                    pause(); // e.g. out of file descriptors: do not spin
                }
                continue;
            }
            try {
                admit(socket);
            } catch (IOException | RuntimeException e) {
                LOG.warn("query connection dropped at accept: {}", e.toString());
                closeQuietly(socket);
            }
        }
    }

    private void admit(AFUNIXSocket socket) throws IOException {
        AFUNIXSocketCredentials creds = socket.getPeerCredentials();
        int uid = (int) creds.getUid();
        long pid = creds.getPid();
        AtomicInteger mine = perUser.computeIfAbsent(uid, k -> new AtomicInteger());
        int total = connections.incrementAndGet();
        int own = mine.incrementAndGet();
        if (total > config.maxConnections() || (uid != 0 && own > config.maxConnectionsPerUser())) {
            release(uid, mine);
            LOG.warn("query connection from pid {} uid {} refused: {} connections open", pid, uid, total - 1);
            QueryConnection.refuse(socket, Protocol.ERR_BUSY, "too many connections; try again later");
            closeQuietly(socket);
            return;
        }
        open.add(socket);
        QueryConnection c = new QueryConnection(socket, pid, Scope.ofUid(uid), config, index, stats, ready, scans);
        Thread t = new Thread(null, () -> {
            try {
                c.run();
            } finally {
                open.remove(socket);
                closeQuietly(socket);
                release(uid, mine);
            }
        }, "query-" + pid, CONNECTION_STACK_BYTES);
        t.setDaemon(true);
        try {
            t.start();
        } catch (OutOfMemoryError e) {
            // no thread could be made for it: refuse this one caller, keep accepting
            open.remove(socket);
            release(uid, mine);
            LOG.warn("query connection from pid {} refused: cannot start a thread ({})", pid, e.getMessage());
            QueryConnection.refuse(socket, Protocol.ERR_BUSY, "server cannot take more connections now");
            closeQuietly(socket);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void release(int uid, AtomicInteger mine) {
        connections.decrementAndGet();
        mine.decrementAndGet();
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing a socket the peer already dropped; nothing to do
        }
    }

    /** Stops accepting, closes every connection and removes the socket file. */
    @Override
    public synchronized void close() throws IOException {
        AFUNIXServerSocket s = server;
        if (s == null) {
            return;
        }
        s.close();
        open.forEach(QueryServer::closeQuietly);
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(config.socket());
        LOG.info("query server on {} closed", config.socket());
    }
}
