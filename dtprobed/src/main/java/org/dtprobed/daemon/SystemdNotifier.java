package org.dtprobed.daemon;

import java.io.IOException;
import java.net.DatagramPacket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sd_notify} for {@code Type=notify}: datagrams to {@code $NOTIFY_SOCKET} (a path, or an
 * abstract address written with a leading {@code @}). Without the variable, as when run by hand,
 * every call does nothing.
 */
public final class SystemdNotifier {
    private static final Logger LOG = LoggerFactory.getLogger(SystemdNotifier.class);

    private final String socket;

    public SystemdNotifier(String notifySocket) {
        this.socket = notifySocket == null || notifySocket.isEmpty() ? null : notifySocket;
    }

    public static SystemdNotifier fromEnvironment() {
        return new SystemdNotifier(System.getenv("NOTIFY_SOCKET"));
    }

    public boolean enabled() {
        return socket != null;
    }

    public void ready(String status) {
        send("READY=1\nSTATUS=" + status + "\nMAINPID=" + ProcessHandle.current().pid() + "\n");
    }

    public void status(String status) {
        send("STATUS=" + status + "\n");
    }

    /** The watchdog keep-alive ({@code WatchdogSec=}). */
    public void watchdog() {
        send("WATCHDOG=1\n");
    }

    public void stopping(String status) {
        send("STOPPING=1\nSTATUS=" + status + "\n");
    }

    private void send(String message) {
        if (socket == null) {
            return;
        }
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        try (AFUNIXDatagramSocket s = AFUNIXDatagramSocket.newInstance()) {
            AFUNIXSocketAddress to = socket.startsWith("@")
                    ? AFUNIXSocketAddress.inAbstractNamespace(socket.substring(1))
                    : AFUNIXSocketAddress.of(Path.of(socket));
            s.connect(to);
            s.send(new DatagramPacket(bytes, bytes.length));
        } catch (IOException e) {
            // systemd then times the start out, which is the visible failure; say why here
            LOG.warn("pid {}: cannot notify systemd at {}: {}", ProcessHandle.current().pid(), socket, e.toString());
        }
    }
}
