package org.dtprobed.jail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.dtprobed.dof.DofHelper;

/** One blob of the shared DOF corpus with the helper and pid its client sent (when recorded). */
public record CorpusBlob(String name, byte[] dof, DofHelper helper, long pid) {
    /** Where the corpus lives (the parser tests' convention: {@code ../shared}, or {@code $DTP_SHARED}). */
    public static Path directory() {
        return org.dtprobed.dof.Corpus.dir();
    }

    public static List<CorpusBlob> all() {
        try (Stream<Path> files = Files.list(directory())) {
            List<CorpusBlob> out = new ArrayList<>();
            for (Path p : files.filter(f -> f.toString().endsWith(".dof")).sorted().toList()) {
                out.add(load(p));
            }
            if (out.isEmpty()) {
                throw new IllegalStateException("no .dof files in " + directory());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static CorpusBlob load(Path dof) throws IOException {
        String name = dof.getFileName().toString().replaceFirst("\\.dof$", "");
        Path helperFile = dof.resolveSibling(name + ".helper.txt");
        DofHelper helper = new DofHelper(name.replaceAll("[^A-Za-z0-9]", "_"), 0, 0);
        long pid = -1;
        if (Files.exists(helperFile)) {
            Map<String, String> kv = new HashMap<>();
            for (String line : Files.readAllLines(helperFile)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    kv.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
            helper = new DofHelper(kv.get("dofhp_mod"), Long.decode(kv.get("dofhp_addr")), Long.decode(kv.get("dofhp_dof")));
            pid = Long.parseLong(kv.get("pid"));
        }
        return new CorpusBlob(name, Files.readAllBytes(dof), helper, pid);
    }

    @Override
    public String toString() {
        return name;
    }
}
