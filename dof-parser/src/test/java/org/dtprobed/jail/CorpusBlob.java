package org.dtprobed.jail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.testkit.Corpus;

/** One blob of the shared DOF corpus with the helper and pid its client sent (when recorded). */
public record CorpusBlob(String name, byte[] dof, DofHelper helper, long pid) {
    /** Where the corpus lives (the parser tests' convention: {@code ../shared}, or {@code $DTP_SHARED}). */
    public static Path directory() {
        return Corpus.dir();
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
        Optional<Map<String, String>> kv = Corpus.helperFields(dof);
        DofHelper helper = kv.map(CorpusBlob::helper).orElse(new DofHelper(name.replaceAll("[^A-Za-z0-9]", "_"), 0, 0));
        long pid = kv.map(f -> Long.parseLong(f.get("pid"))).orElse(-1L);
        return new CorpusBlob(name, Files.readAllBytes(dof), helper, pid);
    }

    /** The {@code dof_helper_t} a corpus blob's client sent, from its {@link Corpus#helperFields}. */
    public static DofHelper helper(Map<String, String> f) {
        return new DofHelper(f.get("dofhp_mod"), Long.decode(f.get("dofhp_addr")), Long.decode(f.get("dofhp_dof")));
    }

    @Override
    public String toString() {
        return name;
    }
}
