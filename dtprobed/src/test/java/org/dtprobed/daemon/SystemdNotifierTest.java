package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** Against a real AF_UNIX datagram socket, as systemd's notify socket is. */
class SystemdNotifierTest {
    @TempDir
    Path dir;

    @Test
    void sendsReadyStatusAndStopping() throws Exception {
        Path sock = dir.resolve("notify");
        try (AFUNIXDatagramSocket server = AFUNIXDatagramSocket.newInstance()) {
            server.bind(AFUNIXSocketAddress.of(sock));
            server.setSoTimeout(10_000);
            SystemdNotifier n = new SystemdNotifier(sock.toString());
            assertThat(n.enabled()).isTrue();
            n.ready("serving /dev/dtrace/helper");
            assertThat(receive(server)).contains("READY=1\n").contains("STATUS=serving /dev/dtrace/helper\n")
                    .contains("MAINPID=" + ProcessHandle.current().pid());
            n.stopping("stopping");
            assertThat(receive(server)).startsWith("STOPPING=1\n");
        }
    }

    @Test
    void abstractAddress() throws Exception {
        String name = "dtprobed-test-" + ProcessHandle.current().pid();
        try (AFUNIXDatagramSocket server = AFUNIXDatagramSocket.newInstance()) {
            server.bind(AFUNIXSocketAddress.inAbstractNamespace(name));
            server.setSoTimeout(10_000);
            new SystemdNotifier("@" + name).status("hello");
            assertThat(receive(server)).isEqualTo("STATUS=hello\n");
        }
    }

    @Test
    void withoutTheVariableNothingHappens() {
        SystemdNotifier n = new SystemdNotifier(null);
        assertThat(n.enabled()).isFalse();
        n.ready("x");
    }

    private static String receive(AFUNIXDatagramSocket s) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
        s.receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    }
}
