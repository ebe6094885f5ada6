package org.dtprobed.query;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.newsclub.net.unix.AFUNIXSocket;

/**
 * The idle timeout of a query connection, per request rather than per {@code read()} (issue 19:
 * one byte every 50 s kept a connection, and its thread, forever). {@link #restart()} starts the
 * clock for a whole request line; every read sets the socket's timeout to what is left of it, and
 * a read with nothing left fails with {@link SocketTimeoutException}, as an idle read does.
 */
final class RequestDeadline {
    private final AFUNIXSocket socket;
    private final long timeoutNanos;
    private long deadlineNanos;
    private boolean stopped;

    RequestDeadline(AFUNIXSocket socket, Duration timeout) {
        this.socket = socket;
        this.timeoutNanos = timeout.toNanos();
        restart();
    }

    void restart() {
        deadlineNanos = System.nanoTime() + timeoutNanos;
    }

    /** For a watch: nothing is read any more, the socket keeps the plain timeout for writes. */
    void stop() throws IOException {
        stopped = true;
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeoutNanos / 1_000_000)));
    }

    InputStream input() throws IOException {
        InputStream in = socket.getInputStream();
        return new InputStream() {
            @Override
            public int read() throws IOException {
                arm();
                return in.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                arm();
                return in.read(b, off, len);
            }
        };
    }

    private void arm() throws IOException {
        if (stopped) {
            return;
        }
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("request not complete within the timeout");
        }
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, left / 1_000_000)));
    }
}
