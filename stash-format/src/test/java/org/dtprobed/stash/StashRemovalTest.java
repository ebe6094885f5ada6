package org.dtprobed.stash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dtprobed.protocol.RegistrationKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StashRemovalTest {
    @TempDir
    Path dir;

    private static List<Long> counts(Stash s) {
        return s.files().sizes();
    }

    @Test
    void removingEverythingLeavesNothingBehindAndFreesRawDofWithItsLastReference() throws Exception {
        Fixtures.Blob a = Fixtures.blob("libusdt-2");
        Fixtures.Blob b = Fixtures.blob("libusdt-5");
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            RegistrationKey a1 = s.commit(a.record(10), a.dof(), a.parse(10)).key();
            RegistrationKey a2 = s.commit(a.record(11), a.dof(), a.parse(11)).key();
            RegistrationKey b1 = s.commit(b.record(12), b.dof(), b.parse(12)).key();
            assertThat(s.stats().rawDof()).isEqualTo(2);
            assertThat(s.remove(a1.pid(), a1.generation())).isTrue();
            assertThat(s.rawDof(ContentHash.of(a.dof()))).as("still referenced by pid 11").isPresent();
            assertThat(s.remove(a2.pid(), a2.generation())).isTrue();
            assertThat(s.rawDof(ContentHash.of(a.dof()))).as("last reference gone").isEmpty();
            assertThat(s.findParsed(ContentHash.of(a.dof()), a.helper().module(), a2.pid())).isEmpty();
            assertThat(s.removePid(b1.pid())).isEqualTo(1);
            assertThat(s.removePid(10) + s.removePid(11)).isZero();
            List<Long> sizes = counts(s);
            // registrations, dof, parsed, pids all back to zero (negative and meta are not registrations)
            assertThat(sizes.subList(0, 4)).containsOnly(0L);
            assertThat(s.stats().registrations()).isZero();
            assertThat(new StashView(s.files()).check(false)).isEmpty();
        }
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            assertThat(counts(s).subList(0, 4)).containsOnly(0L);
            assertThat(s.recovery().orphanDof() + s.recovery().orphanParsed()).isZero();
        }
    }

    @Test
    void removingAnUnknownRegistrationIsNotAnError() throws Exception {
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            assertThat(s.remove(4242, 7)).isFalse();
            assertThat(s.remove(-1, 0)).isFalse();
            assertThat(s.remove(1, -5)).isFalse();
            assertThat(s.remove(1, Long.MAX_VALUE)).isFalse();
            assertThat(s.removePid(4242)).isZero();
        }
    }

    @Test
    void pruneDropsDeadReusedAndExecdPidsAndKeepsLiveOnes() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-1");
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            for (int pid = 20; pid < 24; pid++) {
                s.commit(b.record(pid), b.dof(), b.parse(pid));
            }
            Map<Integer, ProcessIdentity> now = new HashMap<>();
            now.put(20, b.record(20).process());                                  // alive, unchanged
            now.put(21, new ProcessIdentity(999_999, 2049, 777));                 // pid reused
            now.put(22, new ProcessIdentity(b.record(22).process().startTime(), 2049, 778)); // exec'd
            // 23 dead
            List<Integer> pruned = s.prune(pid -> Optional.ofNullable(now.get(pid)));
            assertThat(pruned).containsExactly(21, 22, 23);
            assertThat(s.byPid(20)).hasSize(1);
            for (int pid = 21; pid < 24; pid++) {
                assertThat(s.byPid(pid)).isEmpty();
            }
            assertThat(new StashView(s.files()).check(false)).isEmpty();
        }
    }

    @Test
    void aReusedPidStartsAgainAtZeroAndAnExecdPidKeepsCounting() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-1");
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            RegistrationRecord first = b.record(30);
            s.commit(first, b.dof(), b.parse(30));
            s.commit(StashRoundTripTest.withMapping(first, 0x1000), b.dof(), b.parse(30));
            RegistrationRecord execd = new RegistrationRecord(30, first.mapping(), first.helper(),
                    new ProcessIdentity(first.process().startTime(), 2049, 999));
            RegistrationKey k = s.commit(execd, b.dof(), b.parse(30)).key();
            assertThat(k.generation()).isEqualTo(2);
            assertThat(s.byPid(30)).extracting(Registration::key).containsExactly(k);
            RegistrationRecord reused = new RegistrationRecord(30, first.mapping(), first.helper(),
                    new ProcessIdentity(first.process().startTime() + 5, 2049, 777));
            RegistrationKey k2 = s.commit(reused, b.dof(), b.parse(30)).key();
            assertThat(k2.generation()).isZero();
            assertThat(s.byPid(30)).extracting(Registration::key).containsExactly(k2);
        }
    }

    /**
     * Each pid that registered twice holds two pid-record slots: a stash sized for N
     * registrations must still take as many pids that each re-registered (a lost REMOVE, or a
     * program and one library), not stop at N / 2.
     */
    @Test
    void asManyPidsAsRegistrationsFitEvenWhenEachRegisteredTwice() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-3");
        int n = 40;
        // one registration more than the pids hold: a re-registration is written before the one it replaces goes
        try (Stash s = Stash.open(StashConfig.at(dir).withMaxRegistrations(n + 1))) {
            for (int pid = 100; pid < 100 + n; pid++) {
                s.commit(b.record(pid), b.dof(), b.parse(pid));
                RegistrationKey again = s.commit(b.record(pid), b.dof(), b.parse(pid)).key();
                assertThat(again.generation()).as("pid %d", pid).isEqualTo(1);
            }
            for (int pid = 100; pid < 100 + n; pid++) {
                assertThat(s.byPid(pid)).hasSize(1);
            }
        }
    }

    @Test
    void reRegisteringTheSameMappingAndDofAddressReplacesTheLostOne() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-3");
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            RegistrationKey k0 = s.commit(b.record(40), b.dof(), b.parse(40)).key();
            RegistrationKey k1 = s.commit(b.record(40), b.dof(), b.parse(40)).key();
            assertThat(k1.generation()).isEqualTo(1);
            assertThat(s.byPid(40)).extracting(Registration::key).containsExactly(k1);
            assertThat(s.registration(k0)).isEmpty();
            // a second provider in the same anonymous mapping at another address is kept
            Fixtures.Blob other = Fixtures.blob("libusdt-4");
            RegistrationRecord r = new RegistrationRecord(40, b.record(40).mapping(), other.helper(), b.record(40).process());
            s.commit(r, other.dof(), other.parse(40));
            assertThat(s.byPid(40)).hasSize(2);
        }
    }

    @Test
    void aPidRecordUpdateCutShortByACrashKeepsThePreviousValueSoNoGenerationIsHandedOutTwice() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-1");
        long reserved = Stash.GENERATIONS_RESERVED;
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            // generation 0 wrote next=1+reserved into slot 1; each registration replaces the one before
            for (long g = 0; g <= reserved; g++) {
                assertThat(s.commit(b.record(60), b.dof(), b.parse(60)).key().generation()).isEqualTo(g);
            }
            assertThat(s.remove(60, reserved)).isTrue();
            // the next commit was cut short while writing its record into slot 0: that slot is
            // garbage (what Chronicle's recovery would have deleted), slot 1 still holds the one before
            s.files().pids.put(PidRecord.key(60, 0), new byte[] {1, 2, 3});
        }
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            RegistrationKey k = s.commit(b.record(60), b.dof(), b.parse(60)).key();
            assertThat(k.generation()).as(reserved + " was handed out and removed; " + (reserved + 1) + " never was")
                    .isEqualTo(reserved + 1);
            assertThat(new StashView(s.files()).check(false)).isEmpty();
        }
    }

    @Test
    void aCommitBeyondTheSizedEntriesIsRefusedAsFullAndNothingElseIsHarmed() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-1");
        StashConfig c = Fixtures.config(dir).withRegistrations(3);
        try (Stash s = Stash.open(c)) {
            for (int pid = 70; pid < 73; pid++) {
                s.commit(b.record(pid), b.dof(), b.parse(pid));
            }
            StashException e = org.junit.jupiter.api.Assertions.assertThrows(StashException.class,
                    () -> s.commit(b.record(73), b.dof(), b.parse(73)));
            assertThat(e.kind()).isEqualTo(StashException.Kind.FULL);
            assertThat(e.errno()).isEqualTo(28);
            assertThat(e.getMessage()).contains("registrations full: 3 entries");
            assertThat(s.stats().registrations()).isEqualTo(3);
            assertThat(s.remove(70, 0)).isTrue();
            assertThat(s.commit(b.record(73), b.dof(), b.parse(73)).key().generation()).isZero();
            assertThat(new StashView(s.files()).check(false)).isEmpty();
        }
    }
}
