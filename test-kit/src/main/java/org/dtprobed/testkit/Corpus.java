package org.dtprobed.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The shared corpus of real DOF made outside this project: {@code $DTP_SHARED/dof-corpus}, else
 * {@code ../shared/dof-corpus} beside the checkout. Each {@code NAME.dof} may have a
 * {@code NAME.helper.txt} with the {@code dof_helper_t} and pid its client sent.
 */
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

    /** The checkout's root: the first ancestor of the working directory holding scripts/test. */
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

    /**
     * The {@code key=value} lines of {@code NAME.helper.txt} beside a {@code NAME.dof} ({@code dofhp_mod},
     * {@code dofhp_addr}, {@code dofhp_dof}, {@code pid}, {@code loadsz}); empty when the blob has none.
     */
    public static Optional<Map<String, String>> helperFields(Path dof) {
        Path file = dof.resolveSibling(dof.getFileName().toString().replaceFirst("\\.dof$", "") + ".helper.txt");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Map<String, String> kv = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    kv.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.of(kv);
    }
}
