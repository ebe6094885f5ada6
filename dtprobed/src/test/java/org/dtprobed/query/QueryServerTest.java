package org.dtprobed.query;

import org.dtprobed.protocol.ProbeDescription;
import org.dtprobed.protocol.ProbeJson;
import org.dtprobed.protocol.Protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.dtprobed.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** The query server on a real Unix socket: every operation, and hostile requests. */
class QueryServerTest {
    @TempDir
    Path tmp;

    private final ProbeIndex index = new ProbeIndex();
    private final AtomicBoolean ready = new AtomicBoolean(true);
    private QueryServer server;
    private Path sock;

    @BeforeEach
    void start() throws IOException {
        index.add(Probes.registration(100, 0, 1, "alpha:f1:start", "alpha:f1:stop", "beta:f2:tick"));
        index.add(Probes.registration(2000, 1000, 1, "alpha:f1:start"));
        sock = tmp.resolve("run/dtprobed.sock");
        // an idle timeout no pause of a loaded machine reaches; the tests of idleness set a short one
        startServer(Duration.ofMinutes(5));
    }

    private void startServer(Duration idleTimeout) throws IOException {
        server = new QueryServer(QueryServerConfig.defaults(sock).withIdleTimeout(idleTimeout)
                .withLimits(64, 8, 1024), index, new TestStats(), ready::get);
        server.start();
    }

    private void restartWithIdleTimeout(Duration idleTimeout) throws IOException {
        server.close();
        startServer(idleTimeout);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        assertThat(sock).doesNotExist();
    }

    @Test
    void socketIsConnectableByEveryone() throws IOException {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock))).isEqualTo("rw-rw-rw-");
    }

    @Test
    void listAnswersWithProtocolVersionAndEveryField() throws IOException {
        try (RawConnection c = new RawConnection(sock)) {
            JsonNode r = c.ask("{\"op\":\"list\",\"probe\":\"alpha100:::start\",\"id\":7}");
            assertThat(r.path("v").asInt()).isEqualTo(Protocol.VERSION);
            assertThat(r.path("ok").asBoolean()).isTrue();
            assertThat(r.path("id").asInt()).isEqualTo(7);
            assertThat(r.path("probes")).hasSize(1);
            JsonNode p = r.path("probes").get(0);
            assertThat(p.path("provider").asText()).isEqualTo("alpha100");
            assertThat(p.path("provider_name").asText()).isEqualTo("alpha");
            assertThat(p.path("sites").get(0).path("address").asLong()).isEqualTo(0x555500001139L);
            assertThat(p.path("sites").get(1).path("is_enabled").asBoolean()).isTrue();
            assertThat(p.path("mapping").path("path").asText()).isEqualTo("/usr/bin/prog");
            for (String k : List.of("pid", "module", "function", "name", "native_types", "translated_types",
                    "argmap")) {
                assertThat(p.has(k)).as(k).isTrue();
            }
            for (String k : List.of("dev", "ino", "path", "base", "offset")) {
                assertThat(p.path("mapping").has(k)).as(k).isTrue();
            }
            assertThat(ProbeJson.read(p)).isEqualTo(index.match(ProbeDescription.parse("alpha100:::start"),
                    java.util.OptionalInt.empty(), Scope.all()).get(0));
            assertThat(c.ask("{\"op\":\"list\",\"pid\":2000}").path("probes")).hasSize(1);
            assertThat(c.ask("{\"op\":\"list\"}").path("probes")).hasSize(4);
        }
    }

    @Test
    void pidsStatsAndHealth() throws IOException {
        try (RawConnection c = new RawConnection(sock)) {
            JsonNode pids = c.ask("{\"op\":\"pids\"}").path("pids");
            assertThat(pids).hasSize(2);
            assertThat(pids.get(0).path("probes").asInt()).isEqualTo(3);
            JsonNode stats = c.ask("{\"op\":\"stats\"}").path("stats");
            for (String k : List.of("daemon_pid", "parser_pids", "registrations", "removals", "parses",
                    "parse_cache_hits", "negative_cache_hits", "parse_failures", "child_restarts", "deadline_kills",
                    "registration_latency_us", "probes", "pids")) {
                assertThat(stats.has(k)).as(k).isTrue();
            }
            assertThat(stats.path("probes").asInt()).isEqualTo(4);
            assertThat(stats.path("pids").asInt()).isEqualTo(2);
            assertThat(c.ask("{\"op\":\"health\"}").path("ready").asBoolean()).isTrue();
            ready.set(false);
            JsonNode h = c.ask("{\"op\":\"health\"}");
            assertThat(h.path("ready").asBoolean()).isFalse();
            assertThat(h.path("capabilities").toString()).contains("watch");
        }
    }

    @Test
    void malformedRequestsGetErrorsAndTheConnectionStaysUsable() throws IOException {
        try (RawConnection c = new RawConnection(sock)) {
            assertError(c.ask("this is not json"), Protocol.ERR_BAD_REQUEST, "not JSON");
            assertError(c.ask("[1,2,3]"), Protocol.ERR_BAD_REQUEST, "one JSON object");
            assertError(c.ask("{\"probe\":\"x\"}"), Protocol.ERR_BAD_REQUEST, "no \"op\"");
            assertError(c.ask("{\"op\":42}"), Protocol.ERR_BAD_REQUEST, "no \"op\"");
            JsonNode unknown = c.ask("{\"op\":\"drop_tables\",\"id\":\"x\"}");
            assertError(unknown, Protocol.ERR_UNKNOWN_OP, "drop_tables");
            assertThat(unknown.path("id").asText()).isEqualTo("x");
            assertError(c.ask("{\"op\":\"list\",\"probe\":\"a:b:c:d:e\"}"), Protocol.ERR_BAD_DESCRIPTION, "5 fields");
            assertError(c.ask("{\"op\":\"list\",\"probe\":\"[abc\"}"), Protocol.ERR_BAD_DESCRIPTION, "unterminated");
            assertError(c.ask("{\"op\":\"list\",\"probe\":7}"), Protocol.ERR_BAD_REQUEST, "must be a string");
            assertError(c.ask("{\"op\":\"list\",\"pid\":-3}"), Protocol.ERR_BAD_REQUEST, "positive integer");
            assertError(c.ask("{\"op\":\"list\",\"pid\":99999999999}"), Protocol.ERR_BAD_REQUEST, "positive");
            assertError(c.ask("{\"op\":\"list\""), Protocol.ERR_BAD_REQUEST, "not JSON");
            assertError(c.ask("\u0000\u0001\u00ff\u0002"), Protocol.ERR_BAD_REQUEST, "not JSON");
            c.send("\n\n   \n");
            assertThat(c.ask("{\"op\":\"list\"}").path("probes")).hasSize(4);
        }
    }

    @Test
    void anOverlongRequestIsAnsweredAndTheConnectionClosed() throws IOException {
        try (RawConnection c = new RawConnection(sock)) {
            c.send("{\"op\":\"list\",\"probe\":\"" + "x".repeat(5000));
            assertError(c.read(), Protocol.ERR_TOO_LARGE, "longer than 1024 bytes");
            assertThat(c.read()).isNull();
        }
        try (RawConnection c = new RawConnection(sock)) {
            assertThat(c.ask("{\"op\":\"list\"}").path("probes")).hasSize(4);
        }
    }

    @Test
    void aRequestDrippedByteByByteIsBoundByTheTimeoutAsAWhole() throws Exception {
        // issue 19: the timeout was per read(), so one byte per interval kept a connection forever
        restartWithIdleTimeout(Duration.ofMillis(500));
        try (RawConnection c = new RawConnection(sock)) {
            String drip = "{\"op\":\"health\"}";
            // slower than the whole request may take, faster than one read's timeout; stops once answered
            for (int i = 0; i < drip.length() && !c.answered(); i++) {
                c.send(drip.substring(i, i + 1));
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            }
            if (!c.answered()) {
                c.send("\n");
            }
            assertError(c.read(), Protocol.ERR_IDLE, "no request");
        }
    }

    @Test
    void trailingBytesAfterTheObjectAreRefused() throws IOException {
        try (RawConnection c = new RawConnection(sock)) {
            assertError(c.ask("{\"op\":\"health\"} {\"op\":\"stats\"}"), Protocol.ERR_BAD_REQUEST, "");
            assertError(c.ask("{\"op\":\"health\"}x"), Protocol.ERR_BAD_REQUEST, "");
            assertThat(c.ask("{\"op\":\"health\"}").path("ok").asBoolean()).isTrue();
        }
    }

    @Test
    void anIdleConnectionIsClosedWithAReason() throws IOException {
        restartWithIdleTimeout(Duration.ofMillis(300));
        try (RawConnection c = new RawConnection(sock)) {
            assertError(c.read(), Protocol.ERR_IDLE, "no request");
            assertThat(c.read()).isNull();
        }
    }

    @Test
    void connectionsBeyondTheUserLimitAreRefusedBusy() throws IOException {
        List<RawConnection> held = new ArrayList<>();
        try {
            // root is bounded by the overall limit (64), not the per-user one (8)
            for (int i = 0; i < 64; i++) {
                held.add(new RawConnection(sock));
            }
            for (RawConnection c : held) {
                assertThat(c.ask("{\"op\":\"health\"}").path("ok").asBoolean()).isTrue();
            }
            try (RawConnection extra = new RawConnection(sock)) {
                assertError(extra.read(), Protocol.ERR_BUSY, "too many connections");
            }
        } finally {
            for (RawConnection c : held) {
                c.close();
            }
        }
    }

    @Test
    void aSecondServerOnTheSamePathIsRefusedAndAStaleSocketIsReplaced() throws IOException {
        QueryServer second = new QueryServer(QueryServerConfig.defaults(sock), index, new TestStats(), () -> true);
        assertThatThrownBy(second::start).isInstanceOf(IOException.class).hasMessageContaining("another server");
        Path stale = tmp.resolve("stale.sock");
        org.newsclub.net.unix.AFUNIXServerSocket.bindOn(AFUNIXSocketAddress.of(stale), false).close();
        assertThat(stale).as("a socket file left behind, as by a killed daemon").exists();
        QueryServer third = new QueryServer(QueryServerConfig.defaults(stale), index, new TestStats(), () -> true);
        third.start();
        try (RawConnection c = new RawConnection(stale)) {
            assertThat(c.ask("{\"op\":\"health\"}").path("ready").asBoolean()).isTrue();
        } finally {
            third.close();
        }
    }

    @Test
    void aClientThatNeverReadsItsAnswerCostsOnlyItsOwnConnection() throws Exception {
        restartWithIdleTimeout(Duration.ofSeconds(1));
        for (int pid = 1000; pid < 1200; pid++) {
            index.add(Probes.registration(pid, 0, 1, "bulk:f:a", "bulk:f:b", "bulk:f:c", "bulk:g:a", "bulk:g:b"));
        }
        try (RawConnection hog = new RawConnection(sock)) {
            for (int i = 0; i < 20; i++) {
                hog.send("{\"op\":\"list\"}\n"); // megabytes of answers it never reads
            }
            try (RawConnection c = new RawConnection(sock)) {
                assertThat(c.ask("{\"op\":\"list\",\"probe\":\"alpha:::\"}").path("probes")).hasSize(3);
            }
            // the blocked write times out like an idle read, and the hog's connection is closed
            Await.until("the hog's connection is closed", Await.LIVENESS, () -> server.connectionCount() == 0,
                    () -> server.connectionCount() + " connections");
        }
    }

    static void assertError(JsonNode r, String code, String text) {
        assertThat(r).as("a response").isNotNull();
        assertThat(r.path("v").asInt()).isEqualTo(Protocol.VERSION);
        assertThat(r.path("ok").asBoolean(true)).isFalse();
        assertThat(r.path("error").path("code").asText()).isEqualTo(code);
        assertThat(r.path("error").path("message").asText()).contains(text);
    }
}
