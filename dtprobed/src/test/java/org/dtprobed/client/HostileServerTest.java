package org.dtprobed.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ProtocolException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** The client facing a server that does not speak the protocol: clear IOExceptions, CLI exit 76. */
class HostileServerTest {
    @TempDir
    Path tmp;

    /** Serves one connection: reads one request line, answers with the given bytes, closes. */
    private Path serveOnce(String answer) throws IOException {
        Path sock = tmp.resolve("fake.sock");
        AFUNIXServerSocket server = AFUNIXServerSocket.bindOn(AFUNIXSocketAddress.of(sock), true);
        Thread t = new Thread(() -> {
            try (server; AFUNIXSocket s = server.accept()) {
                while (s.getInputStream().read() != '\n') {
                    // the request; its content does not matter here
                }
                s.getOutputStream().write(answer.getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().flush();
            } catch (IOException e) {
                // the client went away first
            }
        });
        t.setDaemon(true);
        t.start();
        return sock;
    }

    @Test
    void anotherProtocolVersionIsAProtocolException() throws Exception {
        try (DtprobedClient c = DtprobedClient.connect(serveOnce("{\"v\":2,\"ok\":true,\"probes\":[]}\n"))) {
            assertThatThrownBy(() -> c.list("", OptionalInt.empty())).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("protocol version 2");
        }
    }

    @Test
    void garbageIsAProtocolException() throws Exception {
        try (DtprobedClient c = DtprobedClient.connect(serveOnce("\u0001\u0002 not json at all\n"))) {
            assertThatThrownBy(c::health).isInstanceOf(ProtocolException.class).hasMessageContaining("malformed");
        }
    }

    @Test
    void aBadProbeObjectIsAProtocolException() throws Exception {
        try (DtprobedClient c = DtprobedClient.connect(serveOnce(
                "{\"v\":1,\"ok\":true,\"probes\":[{\"pid\":\"one\"}]}\n"))) {
            assertThatThrownBy(() -> c.list("", OptionalInt.empty())).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("bad probe");
        }
    }

    @Test
    void aClosedConnectionIsASocketException() throws Exception {
        try (DtprobedClient c = DtprobedClient.connect(serveOnce(""))) {
            assertThatThrownBy(c::pids).isInstanceOf(SocketException.class).hasMessageContaining("closed");
        }
    }

    @Test
    void theCliExits76OnAProtocolViolation() throws Exception {
        Path sock = serveOnce("{\"v\":1,\"ok\":true}\n");
        ServerFixture.Run r = ServerFixture.run("--socket", sock.toString(), "list");
        assertThat(r.rc()).isEqualTo(76);
        assertThat(r.err()).contains("no \"probes\" array");
    }
}
