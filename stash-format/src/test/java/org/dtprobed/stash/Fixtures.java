package org.dtprobed.stash;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dtprobed.dof.DofFormatException;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.testkit.Corpus;

/** Real DOF from the shared corpus, parsed with the real parser, and registration records for it. */
public final class Fixtures {
    public static final Path CORPUS = Corpus.dir();
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

    static Blob blob(String name) {
        Path file = CORPUS.resolve(name + ".dof");
        Map<String, String> kv = Corpus.helperFields(file)
                .orElseThrow(() -> new IllegalStateException(file + " has no .helper.txt"));
        DofHelper h = new DofHelper(kv.get("dofhp_mod"), Long.decode(kv.get("dofhp_addr")), Long.decode(kv.get("dofhp_dof")));
        return new Blob(name, Corpus.read(file), h, Integer.parseInt(kv.get("pid")));
    }

    static StashConfig config(Path dir) {
        return StashConfig.small(dir);
    }

    /** Room for everything the crash test's 20 writers leave behind, so that no commit is refused. */
    static StashConfig crashConfig(Path dir) {
        StashConfig c = StashConfig.small(dir);
        return c.withRegistrations(16_384).withChunks(16_384);
    }
}
