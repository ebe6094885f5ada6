package org.dtprobed.stash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.dtprobed.dof.DofParser;
import org.dtprobed.protocol.RegistrationKey;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real layout-1 stash (src/test/resources/layout1, written by the build before layout 2) opened
 * by this build: migrated with every registration, its probes and its raw DOF intact, the
 * layout-1 files gone; and a migration cut short at either step is finished by the next open.
 */
class LayoutOneMigrationTest {
    /** What the fixture holds: registration key -> probes (its README). */
    private static final Map<String, Integer> HELD = new TreeMap<>();

    static {
        int[] probes = {1, 5, 2, 2, 100};
        for (int pid : new int[] {4100, 4101}) {
            for (int g = 0; g < probes.length; g++) {
                HELD.put(pid + "/" + g, probes[g]);
            }
        }
        HELD.put("4200/0", 150);
    }

    @TempDir
    Path tmp;
    Path dir;

    @BeforeEach
    void unpack() throws Exception {
        Path tgz = Path.of(LayoutOneMigrationTest.class.getResource("/layout1/stash-layout1.tar.gz").toURI());
        Process p = new ProcessBuilder("tar", "xzf", tgz.toString(), "-C", tmp.toString()).inheritIO().start();
        assertThat(p.waitFor()).isZero();
        dir = tmp.resolve("v1stash");
        assertThat(dir.resolve(LayoutOneMigration.REGISTRATIONS)).exists();
    }

    @Test
    void everyRegistrationOfALayoutOneStashIsMigratedWhole() throws Exception {
        assertMigrated();
        // the migrated stash takes commits and reopens like any other
        Fixtures.Blob b = Fixtures.blob("libusdt-1");
        RegistrationKey k;
        try (Stash s = Stash.open(StashConfig.small(dir))) {
            assertThat(s.recovery().corruptRegistrations()).isZero();
            k = s.commit(b.record(4300), b.dof(), b.parse(4300)).key();
        }
        try (Stash s = Stash.open(StashConfig.small(dir))) {
            assertThat(s.registration(k)).isPresent();
            assertThat(s.stats().registrations()).isEqualTo(HELD.size() + 1);
        }
    }

    @Test
    void aMigrationCutShortBeforeItsLayoutTwoFilesWereWholeStartsAgain() throws Exception {
        // what a kill in the middle of the copy leaves: layout-2 files of any state beside the
        // untouched layout-1 ones (here: an empty stash's files, and one cut to a few bytes)
        try (Stash s = Stash.open(StashConfig.small(tmp.resolve("other")))) {
            assertThat(s.stats().registrations()).isZero();
        }
        for (String f : StashFiles.ALL) {
            Files.copy(tmp.resolve("other").resolve(f), dir.resolve(f));
        }
        Files.write(dir.resolve(StashFiles.CHUNKS), new byte[100]);
        assertMigrated();
    }

    @Test
    void layoutOneFilesLeftByADeletionCutShortAreDeletedAndNothingIsLost() throws Exception {
        Path keep = tmp.resolve("dof-copy");
        Files.copy(dir.resolve(LayoutOneMigration.RAW_DOF), keep);
        assertMigrated();
        // a kill between deleting the other layout-1 files and registrations.cm3 (deleted last)
        // leaves some of them: without registrations.cm3 they are only deleted
        Files.copy(keep, dir.resolve(LayoutOneMigration.RAW_DOF));
        try (Stash s = Stash.open(StashConfig.small(dir))) {
            assertThat(s.stats().registrations()).isEqualTo(HELD.size());
        }
        assertThat(dir.resolve(LayoutOneMigration.RAW_DOF)).doesNotExist();
    }

    private void assertMigrated() throws Exception {
        Map<String, Integer> found = new TreeMap<>();
        try (Stash s = Stash.open(StashConfig.small(dir))) {
            List<Registration> regs = new ArrayList<>();
            s.forEachRegistration(regs::add);
            for (Registration r : regs) {
                RegistrationKey k = r.key();
                byte[] raw = s.rawDof(r.dofKey()).orElseThrow();
                assertThat(ContentHash.of(raw)).isEqualTo(r.dofKey());
                assertThat(r.probes()).as(k.toString()).isEqualTo(ParsedCodec.probeRecords(k,
                        new DofParser().parse(ByteBuffer.wrap(raw), r.record().helper(), k.pid()), r.record().helper().loadBase()));
                found.put(k.toString(), r.probes().size());
            }
            assertThat(new StashView(s.files()).check(false)).isEmpty();
            assertThat(StashMeta.get(s.files().meta, StashMeta.LAYOUT_VERSION)).isEqualTo(StashLayout.LAYOUT_VERSION);
        }
        assertThat(found).isEqualTo(HELD);
        for (String f : LayoutOneMigration.FILES) {
            assertThat(dir.resolve(f)).as("layout-1 " + f).doesNotExist();
        }
    }

}
