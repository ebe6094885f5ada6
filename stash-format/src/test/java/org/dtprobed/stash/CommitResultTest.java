package org.dtprobed.stash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.dtprobed.protocol.RegistrationKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Stash#commit} says what it dropped, each drop with its reason, so that the daemon's index
 * follows the stash without asking it back: a lost REMOVE (REPLACED), an exec, a reused pid, and
 * what a refused commit had dropped before the refusal.
 */
class CommitResultTest {
    @TempDir
    Path dir;

    private static List<RegistrationKey> keys(Stash s, int pid) throws StashException {
        return s.byPid(pid).stream().map(Registration::key).toList();
    }

    private static CommitResult.Dropped dropped(RegistrationKey k, Stash.DropCause cause) {
        return new CommitResult.Dropped(k, cause);
    }

    @Test
    void aFirstRegistrationDropsNothing() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-1");
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            CommitResult r = s.commit(b.record(20), b.dof(), b.parse(20));
            assertThat(r.key()).isEqualTo(new RegistrationKey(20, 0));
            assertThat(r.dropped()).isEmpty();
            // another object of the same pid is no replacement
            CommitResult other = s.commit(StashRoundTripTest.withMapping(b.record(20), 0x1000), b.dof(), b.parse(20));
            assertThat(other.dropped()).isEmpty();
            assertThat(keys(s, 20)).containsExactly(r.key(), other.key());
        }
    }

    @Test
    void theSameMappingAndDofAddressAgainDropsTheLostOneAsReplaced() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-3");
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            RegistrationKey k0 = s.commit(b.record(40), b.dof(), b.parse(40)).key();
            CommitResult r = s.commit(b.record(40), b.dof(), b.parse(40));
            assertThat(r.key()).isEqualTo(new RegistrationKey(40, 1));
            assertThat(r.dropped()).containsExactly(dropped(k0, Stash.DropCause.REPLACED));
            assertThat(keys(s, 40)).containsExactly(r.key());
        }
    }

    /** Two objects of one process registered: their keys. */
    private static List<RegistrationKey> twoObjects(Stash s, Fixtures.Blob b, int pid) throws StashException {
        RegistrationRecord first = b.record(pid);
        return List.of(s.commit(first, b.dof(), b.parse(pid)).key(),
                s.commit(StashRoundTripTest.withMapping(first, 0x1000), b.dof(), b.parse(pid)).key());
    }

    /** The first object of {@code pid} registered again by a process of this start time and executable inode. */
    private static RegistrationRecord laterProcess(Fixtures.Blob b, int pid, long startTimeDelta, long exeInode) {
        RegistrationRecord first = b.record(pid);
        return new RegistrationRecord(pid, first.mapping(), first.helper(),
                new ProcessIdentity(first.process().startTime() + startTimeDelta, 2049, exeInode));
    }

    @Test
    void anExecDropsEveryRegistrationOfTheOldImageAndKeepsCounting() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-1");
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            List<RegistrationKey> old = twoObjects(s, b, 30);
            CommitResult r = s.commit(laterProcess(b, 30, 0, 999), b.dof(), b.parse(30));
            assertThat(r.key()).isEqualTo(new RegistrationKey(30, 2));
            assertThat(r.dropped()).containsExactly(dropped(old.get(0), Stash.DropCause.EXEC),
                    dropped(old.get(1), Stash.DropCause.EXEC));
            assertThat(r.droppedKeys()).isEqualTo(old);
            assertThat(keys(s, 30)).containsExactly(r.key());
        }
    }

    /**
     * An object registered again and again (each commit replaces the one before) has its pid record
     * written once in {@link Stash#GENERATIONS_RESERVED} commits, always ahead of every generation
     * handed out; after a reopen the pid goes on from the stored record, never below; an exec
     * writes the new image's record above the reserved one, in the other slot.
     */
    @Test
    void aPidRecordReservesGenerationsAheadAndNoneIsHandedOutTwice() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-1");
        long last = -1;
        java.util.Set<Long> storedValues = new java.util.TreeSet<>();
        for (int open = 0; open < 2; open++) {
            try (Stash s = Stash.open(Fixtures.config(dir))) {
                for (int i = 0; i < 200; i++) {
                    long gen = s.commit(b.record(35), b.dof(), b.parse(35)).key().generation();
                    assertThat(gen).isGreaterThan(last);
                    last = gen;
                    long stored = PidRecord.read(s.files().pids, 35).nextGeneration();
                    assertThat(stored).isGreaterThan(gen).isLessThanOrEqualTo(gen + 2 + Stash.GENERATIONS_RESERVED);
                    storedValues.add(stored);
                    assertThat(keys(s, 35)).containsExactly(new RegistrationKey(35, gen));
                }
            }
        }
        assertThat(storedValues.size()).isLessThanOrEqualTo(2 * (200 / (int) Stash.GENERATIONS_RESERVED + 2));
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            PidRecord before = PidRecord.read(s.files().pids, 35);
            RegistrationRecord execd = laterProcess(b, 35, 0, 999);
            long gen = s.commit(execd, b.dof(), b.parse(35)).key().generation();
            assertThat(gen).isGreaterThan(last);
            PidRecord after = PidRecord.read(s.files().pids, 35);
            assertThat(after.identity()).isEqualTo(execd.process());
            assertThat(after.nextGeneration()).isGreaterThan(before.nextGeneration());
            assertThat(after.nextGeneration() & 1).isNotEqualTo(before.nextGeneration() & 1);
        }
    }

    /** A reused pid starts again at generation 0: the dropped key can equal the new one. */
    @Test
    void aReusedPidDropsTheOldProcesssRegistrationsEvenUnderTheNewKey() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-1");
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            List<RegistrationKey> old = twoObjects(s, b, 31);
            RegistrationRecord reused = laterProcess(b, 31, 5, 777);
            CommitResult r = s.commit(reused, b.dof(), b.parse(31));
            assertThat(r.key()).isEqualTo(old.get(0));
            assertThat(r.dropped()).containsExactly(dropped(old.get(0), Stash.DropCause.REUSED),
                    dropped(old.get(1), Stash.DropCause.REUSED));
            assertThat(keys(s, 31)).containsExactly(r.key());
            assertThat(s.registration(r.key()).orElseThrow().record().process()).isEqualTo(reused.process());
        }
    }

    /** Refused after the exec's drop (the pid's generations are exhausted): the drop stands and is said. */
    @Test
    void aRefusedCommitSaysWhatItHadDroppedBeforeTheRefusal() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-1");
        RegistrationKey k0;
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            k0 = s.commit(b.record(32), b.dof(), b.parse(32)).key();
            new PidRecord(Integer.MAX_VALUE + 1L, b.record(32).process()).write(s.files().pids, 32);
        }
        // reopened: a stash takes the pid records it did not write itself from the file
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            RegistrationRecord execd = laterProcess(b, 32, 0, 999);
            StashException e = assertThrows(StashException.class, () -> s.commit(execd, b.dof(), b.parse(32)));
            assertThat(e.kind()).isEqualTo(StashException.Kind.FULL);
            assertThat(e.getMessage()).contains("generations exhausted");
            assertThat(e.dropped()).containsExactly(dropped(k0, Stash.DropCause.EXEC));
            assertThat(keys(s, 32)).isEmpty();
            // a refusal that dropped nothing says so
            StashException again = assertThrows(StashException.class, () -> s.commit(execd, b.dof(), b.parse(32)));
            assertThat(again.dropped()).isEmpty();
        }
    }

    @Test
    void aPruneSaysWhichRegistrationsItRemoved() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-1");
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            List<RegistrationKey> both = twoObjects(s, b, 33);
            RegistrationKey other = s.commit(b.record(34), b.dof(), b.parse(34)).key();
            Stash.Pruned p = s.prunePid(33, pid -> java.util.Optional.empty()).orElseThrow();
            assertThat(p.cause()).isEqualTo(Stash.DropCause.EXIT);
            assertThat(p.removed()).isEqualTo(both);
            assertThat(p.registrations()).isEqualTo(2);
            assertThat(keys(s, 34)).containsExactly(other);
        }
    }
}
