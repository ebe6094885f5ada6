package org.dtprobed.adopt;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Positional reads of an object file (a file channel, or bytes in memory for tests). */
public interface ElfSource {
    long size() throws IOException;

    /** Fills {@code dst} from {@code position}; a short file is an {@link EOFException}. */
    void read(long position, ByteBuffer dst) throws IOException;

    static ElfSource of(FileChannel ch) {
        return new ElfSource() {
            @Override
            public long size() throws IOException {
                return ch.size();
            }

            @Override
            public void read(long position, ByteBuffer dst) throws IOException {
                long at = position;
                while (dst.hasRemaining()) {
                    int n = ch.read(dst, at);
                    if (n < 0) {
                        throw new EOFException("end of file at byte " + at);
                    }
                    at += n;
                }
            }
        };
    }

    static ElfSource of(byte[] bytes) {
        return new ElfSource() {
            @Override
            public long size() {
                return bytes.length;
            }

            @Override
            public void read(long position, ByteBuffer dst) throws IOException {
                if (position < 0 || position > bytes.length || dst.remaining() > bytes.length - position) {
                    throw new EOFException("end of file at byte " + bytes.length);
                }
                dst.put(bytes, (int) position, dst.remaining());
            }
        };
    }
}
