package org.dtprobed.query;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** Reads newline-terminated request lines, refusing one longer than the limit before storing it. */
final class LineReader {
    /** A line longer than the limit; the connection cannot be resynchronised and is closed. */
    static final class TooLongException extends IOException {
        TooLongException(int limit) {
            super("request longer than " + limit + " bytes");
        }
    }

    private final InputStream in;
    private final int limit;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int end;

    LineReader(InputStream in, int limit) {
        this.in = in;
        this.limit = limit;
    }

    /** The next line without its newline, or null at end of stream (a final unterminated line is dropped). */
    byte[] readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            if (pos == end) {
                end = in.read(buf);
                pos = 0;
                if (end == -1) {
                    end = 0;
                    return null;
                }
            }
            int nl = pos;
            while (nl < end && buf[nl] != '\n') {
                nl++;
            }
            if (line.size() + (nl - pos) > limit) {
                throw new TooLongException(limit);
            }
            line.write(buf, pos, nl - pos);
            if (nl < end) {
                pos = nl + 1;
                return line.toByteArray();
            }
            pos = end;
        }
    }
}
