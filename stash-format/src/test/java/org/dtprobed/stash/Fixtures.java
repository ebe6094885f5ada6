package org.dtprobed.stash;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dtprobed.dof.DofFormatException;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;

/** Real DOF from the shared corpus, parsed with the real parser, and registration records for it. */
public final class Fixtures {
    /** {@code $DTP_SHARED/dof-corpus}, else {@code ../shared/dof-corpus} beside the checkout, else /work/shared's. */
    public static final Path CORPUS = corpus();
    static final List<String> LIBUSDT = List.of("libusdt-1", "libusdt-2", "libusdt-3", "libusdt-4", "libusdt-5");

    /** One corpus blob with the helper its client sent. */
    record Blob(String name, byte[] dof, DofHelper helper, int pid) {
        ParsedDof parse(int asPid) {
            try {
                return new DofParser().parse(ByteBuffer.wrap(dof), helper, asPid);
            } catch (DofFormatException e) {
                throw new AssertionError(name + ": " + e.getMessage(), e);
            }
        }

        RegistrationRecord record(int asPid) {
            return new RegistrationRecord(asPid, new Mapping(0, 0, helper.dofAddress() & ~0xFFFL, "[heap]"), helper,
                    new ProcessIdentity(1000 + asPid, 2049, 777));
        }
    }

    private Fixtures() {
    }

    private static Path corpus() {
        String env = System.getenv("DTP_SHARED");
        if (env != null) {
            return Path.of(env, "dof-corpus");
        }
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("scripts/test"))) {
            p = p.getParent();
        }
        if (p != null && Files.isDirectory(p.resolveSibling("shared").resolve("dof-corpus"))) {
            return p.resolveSibling("shared").resolve("dof-corpus");
        }
        return Path.of("/work/shared/dof-corpus");
    }

    static Blob blob(String name) {
        try {
            byte[] dof = Files.readAllBytes(CORPUS.resolve(name + ".dof"));
            Map<String, String> kv = new HashMap<>();
            for (String line : Files.readAllLines(CORPUS.resolve(name + ".helper.txt"))) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    kv.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
            DofHelper h = new DofHelper(kv.get("dofhp_mod"), Long.decode(kv.get("dofhp_addr")),
                    Long.decode(kv.get("dofhp_dof")));
            return new Blob(name, dof, h, Integer.parseInt(kv.get("pid")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static StashConfig config(Path dir) {
        return StashConfig.small(dir);
    }

    /** Room for everything the crash test's 20 writers leave behind, so that no commit is refused. */
    static StashConfig crashConfig(Path dir) {
        StashConfig c = StashConfig.small(dir);
        return c.withRegistrations(new MapSizing(16_384, 3 * 1024, 1));
    }
}
