package org.dtprobed.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** A test client speaking raw lines, as a person with socat would. */
final class RawConnection implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    final AFUNIXSocket socket;
    private final OutputStream out;
    private final BufferedReader in;

    RawConnection(Path path) throws IOException {
        socket = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(path));
        socket.setSoTimeout(60_000); // a liveness bound for a broken server, not a timing assertion
        out = socket.getOutputStream();
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    void send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    JsonNode ask(String line) throws IOException {
        send(line + "\n");
        return read();
    }

    /** Whether the server has written something not yet read. */
    boolean answered() throws IOException {
        return in.ready() || socket.getInputStream().available() > 0;
    }

    /** The next line as JSON, or null at end of stream. */
    JsonNode read() throws IOException {
        String l = in.readLine();
        return l == null ? null : JSON.readTree(l);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
