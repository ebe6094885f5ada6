package org.dtprobed.query;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A connection's output, which knows whether it stands at the start of a line, so that a last
 * error written when something failed mid-response starts a line of its own (issue 19: an error
 * was glued onto a half-written event line, and the client read neither).
 */
final class LineOutput extends FilterOutputStream {
    private boolean atLineStart = true;

    LineOutput(OutputStream out) {
        super(out);
    }

    @Override
    public synchronized void write(int b) throws IOException {
        out.write(b);
        atLineStart = b == '\n';
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return;
        }
        out.write(b, off, len);
        atLineStart = b[off + len - 1] == '\n';
    }

    /** Ends a partly written line, if any. */
    synchronized void endLine() throws IOException {
        if (!atLineStart) {
            write('\n');
        }
    }
}
