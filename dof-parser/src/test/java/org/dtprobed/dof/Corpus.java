package org.dtprobed.dof;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The shared corpus of real DOF made outside this project ({@code ../shared/dof-corpus}). */
public final class Corpus {
    private Corpus() {
    }

    public static Path dir() {
        String env = System.getenv("DTP_SHARED");
        Path shared = env != null ? Path.of(env) : repoRoot().resolveSibling("shared");
        Path dir = shared.resolve("dof-corpus");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("DOF corpus not found at " + dir + " (set DTP_SHARED)");
        }
        return dir;
    }

    /** The checkout's root: the first ancestor of the working directory holding .ci or scripts/test. */
    public static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("scripts/test"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("not inside a dtprobed checkout");
        }
        return p;
    }

    public static List<Path> blobs() {
        try (Stream<Path> s = Files.list(dir())) {
            return s.filter(f -> f.toString().endsWith(".dof")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] read(String name) {
        return read(dir().resolve(name));
    }
}
