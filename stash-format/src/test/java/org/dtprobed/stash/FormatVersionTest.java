package org.dtprobed.stash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dtprobed.dof.DofParser;
import org.dtprobed.protocol.RegistrationKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Probe records written under another parsed version are rebuilt from raw DOF; registrations stay. */
class FormatVersionTest {
    @TempDir
    Path dir;

    private static final DofReparser PARSER = (raw, helper, pid) -> new DofParser().parse(ByteBuffer.wrap(raw), helper, pid);

    @Test
    void anotherParsedVersionIsRebuiltFromRawDofAndRegistrationsAreKept() throws Exception {
        List<RegistrationKey> keys = new ArrayList<>();
        List<Registration> before = new ArrayList<>();
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            for (String n : Fixtures.LIBUSDT) {
                Fixtures.Blob b = Fixtures.blob(n);
                keys.add(s.commit(b.record(500 + keys.size()), b.dof(), b.parse(500 + keys.size())).key());
            }
            for (RegistrationKey k : keys) {
                Registration r = s.registration(k).orElseThrow();
                before.add(r);
                // what an older daemon would have left: the same registration, probes in version 0
                s.files().registrations.put(RegistrationKeyCodec.live(k), RegistrationCodec.encode(r, StashLayout.PARSED_VERSION - 1));
            }
        }
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            assertThat(s.recovery().staleRegistrations()).isEqualTo(keys.size());
            assertThat(s.recovery().orphanParsed()).as("the parse cache itself is in the current version").isZero();
            for (RegistrationKey k : keys) {
                Registration r = s.registration(k).orElseThrow();
                assertThat(r.stale()).isTrue();
                assertThat(r.probes()).isEmpty();
            }
            List<ProbeRecord> probes = new ArrayList<>();
            s.forEachProbe(probes::add);
            assertThat(probes).as("stale registrations offer no probes until rebuilt").isEmpty();

            Stash.RebuildReport rep = s.rebuildParsed(PARSER, false);
            assertThat(rep.rebuilt()).isEqualTo(keys.size());
            assertThat(rep.removed()).isZero();
            for (int i = 0; i < keys.size(); i++) {
                assertThat(s.registration(keys.get(i))).contains(before.get(i));
            }
            assertThat(s.rebuildParsed(PARSER, false).rebuilt()).as("nothing stale any more").isZero();
            assertThat(s.rebuildParsed(PARSER, true).rebuilt()).as("forced").isEqualTo(keys.size());
            assertThat(new StashView(s.files()).check(false)).isEmpty();
        }
    }

    /**
     * Issue 13: parse-cache values of version 2 held a result relocated for the load base in their
     * key. A stash that still has them drops them at open (they would give wrong sites at another
     * base); the registrations keep their probe records, and the cache refills from new parses.
     */
    @Test
    void parseCacheEntriesOfTheLoadBaseKeyedVersionAreDroppedAtOpen() throws Exception {
        Fixtures.Blob b = Fixtures.blob(Fixtures.LIBUSDT.get(0));
        RegistrationKey k;
        ContentHash h = ContentHash.of(b.dof());
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            k = s.commit(b.record(700), b.dof(), b.parse(700)).key();
            ParseKey current = ParseKey.of(h, b.helper(), 700);
            byte[] v = s.files().parsed.get(current.toBytes());
            assertThat(v).as("the commit filled the parse cache").isNotNull();
            byte[] old = v.clone();
            old[StashLayout.VALUE_OFF_VERSION] = 2;
            old[StashLayout.VALUE_OFF_VERSION + 1] = 0;
            // what a version-2 daemon wrote: keyed by (content, load base), value version 2
            s.files().parsed.put(new ParseKey(h, b.helper().loadBase()).toBytes(), old);
            s.files().parsed.put(current.toBytes(), old);
        }
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            assertThat(s.recovery().orphanParsed()).isEqualTo(2);
            assertThat(s.files().parsed.longSize()).isZero();
            assertThat(s.findParsed(h, b.helper().module(), 700)).isEmpty();
            assertThat(s.registration(k).orElseThrow().probes()).isNotEmpty();
            s.commit(b.record(701), b.dof(), b.parse(701));
            assertThat(s.findParsed(h, b.helper().module(), 700)).as("refilled, in the current version")
                    .contains(b.parse(701));
        }
    }

    @Test
    void aRebuildInterruptedAfterItsBackupIsRestoredFromTheBackup() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-2");
        RegistrationKey k;
        Registration r;
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            k = s.commit(b.record(600), b.dof(), b.parse(600)).key();
            r = s.registration(k).orElseThrow();
            // the state a crash in the middle of rebuildOne leaves: backup written, live value destroyed
            s.files().registrations.put(RegistrationKeyCodec.backup(k), s.files().registrations.get(RegistrationKeyCodec.live(k)));
            s.files().registrations.remove(RegistrationKeyCodec.live(k));
        }
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            assertThat(s.registration(k)).contains(r);
            assertThat(s.files().registrations.containsKey(RegistrationKeyCodec.backup(k))).isFalse();
        }
    }

    @Test
    void aNewerLayoutIsRefusedWithAClearError() throws Exception {
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            StashMeta.put(s.files().meta, StashMeta.LAYOUT_VERSION, StashLayout.LAYOUT_VERSION + 1);
        }
        StashException e = assertThrows(StashException.class, () -> Stash.open(Fixtures.config(dir)));
        assertThat(e.getMessage()).contains("layout version " + (StashLayout.LAYOUT_VERSION + 1)).contains("newer");
    }

    @Test
    void aRegistrationWhoseDofNoLongerParsesIsRemovedByTheRebuild() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-1");
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            RegistrationKey k = s.commit(b.record(700), b.dof(), b.parse(700)).key();
            Stash.RebuildReport rep = s.rebuildParsed((raw, h, pid) -> {
                throw new org.dtprobed.dof.DofFormatException(org.dtprobed.dof.DofRule.BAD_MAGIC, "new rule");
            }, true);
            assertThat(rep.removed()).isEqualTo(1);
            assertThat(s.registration(k)).isEmpty();
            assertThat(s.stats().rawDof()).isZero();
        }
    }
}
