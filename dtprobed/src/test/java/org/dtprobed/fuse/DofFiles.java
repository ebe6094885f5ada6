package org.dtprobed.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.dtprobed.testkit.Corpus;

/** DOF blobs for the transport tests: the shared corpus and variants derived from it. */
final class DofFiles {
    static final Path CORPUS = Corpus.dir();
    static final int OFF_LOADSZ = 40;
    static final int OFF_FILESZ = 48;

    private DofFiles() {
    }

    static List<Path> corpus() {
        return Corpus.blobs();
    }

    /**
     * A valid DOF of {@code size} bytes: the original followed by zeros that no section covers,
     * with loadsz and filesz raised to match (the parser accepts unreferenced loadable bytes).
     */
    static byte[] padded(Path original, int size) throws IOException {
        byte[] b = Arrays.copyOf(Files.readAllBytes(original), size);
        ByteBuffer h = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(OFF_LOADSZ, size).putLong(OFF_FILESZ, size);
        return b;
    }

    /** A copy whose header claims {@code loadsz} bytes. */
    static byte[] claiming(Path original, long loadsz) throws IOException {
        byte[] b = Files.readAllBytes(original);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(OFF_LOADSZ, loadsz).putLong(OFF_FILESZ, loadsz);
        return b;
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < size; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    static Path write(Path dir, String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }
}
