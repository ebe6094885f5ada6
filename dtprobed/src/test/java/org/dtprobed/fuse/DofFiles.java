package org.dtprobed.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** DOF blobs for the transport tests: the shared corpus and variants derived from it. */
final class DofFiles {
    /** The shared corpus: {@code $DTP_SHARED/dof-corpus}, else {@code ../shared/dof-corpus} beside the checkout. */
    static final Path CORPUS = corpusDir();
    static final int OFF_LOADSZ = 40;
    static final int OFF_FILESZ = 48;

    private DofFiles() {
    }

    static Path corpusDir() {
        String env = System.getenv("DTP_SHARED");
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("scripts/test"))) {
            p = p.getParent();
        }
        Path shared = env != null ? Path.of(env) : p == null ? Path.of("shared") : p.resolveSibling("shared");
        Path dir = shared.resolve("dof-corpus");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("DOF corpus not found at " + dir + " (set DTP_SHARED)");
        }
        return dir;
    }

    static List<Path> corpus() throws IOException {
        try (Stream<Path> s = Files.list(CORPUS)) {
            return s.filter(p -> p.toString().endsWith(".dof")).sorted().collect(Collectors.toList());
        }
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
