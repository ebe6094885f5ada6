package org.dtprobed.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.write.DofWriter;
import org.dtprobed.dof.write.ProbeSpec;
import org.dtprobed.protocol.PidSummary;
import org.dtprobed.protocol.ProbeDescription;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.protocol.RegistrationKey;
import org.junit.jupiter.api.Test;

/** The in-memory index: updates, matching, scoping, counts and the ordered event stream. */
class ProbeIndexTest {
    private static List<String> names(List<ProbeEntry> l) {
        return l.stream().map(ProbeEntry::fullName).toList();
    }

    private static ProbeIndex sample() {
        ProbeIndex ix = new ProbeIndex();
        ix.add(Probes.registration(100, 0, 1, "alpha:f1:start", "alpha:f1:stop", "beta:f2:tick"));
        ix.add(Probes.registration(100, 0, 2, "alpha:g:lib"));
        ix.add(Probes.registration(2000, 1000, 1, "alpha:f1:start"));
        ix.add(Probes.registration(2001, 1001, 7, "gamma:h:x"));
        return ix;
    }

    @Test
    void countsRegistrationsPerUidThroughEveryRemoval() {
        // the quotas (issue 19) read these counts
        ProbeIndex ix = sample();
        assertThat(ix.registrationCount(0)).isEqualTo(2);
        assertThat(ix.registrationCount(1000)).isEqualTo(1);
        assertThat(ix.registrationCount(4242)).isZero();
        ix.add(Probes.registration(100, 0, 2, "alpha:g:again")); // replaces generation 2: still two
        assertThat(ix.registrationCount(0)).isEqualTo(2);
        ix.removeRegistration(100, 1);
        assertThat(ix.registrationCount(0)).isEqualTo(1);
        ix.add(Probes.registration(100, 0, 3, "alpha:g:exec"), List.of(new RegistrationKey(100, 2))); // the commit dropped 2
        assertThat(ix.registrationCount(0)).isEqualTo(1);
        ix.removePid(100);
        ix.removePid(2000);
        assertThat(ix.registrationCount(0)).isZero();
        assertThat(ix.registrationCount(1000)).isZero();
        assertThat(ix.registrationCount(1001)).isEqualTo(1);
    }

    @Test
    void matchesByProviderWithAndWithoutPidSuffix() {
        ProbeIndex ix = sample();
        assertThat(names(ix.match(ProbeDescription.parse("alpha:::"), OptionalInt.empty(), Scope.all())))
                .containsExactly("alpha100:prog:f1:start", "alpha100:prog:f1:stop", "alpha100:prog:g:lib",
                        "alpha2000:prog:f1:start");
        assertThat(names(ix.match(ProbeDescription.parse("alpha2000:::"), OptionalInt.empty(), Scope.all())))
                .containsExactly("alpha2000:prog:f1:start");
        assertThat(names(ix.match(ProbeDescription.parse("alpha200:::"), OptionalInt.empty(), Scope.all())))
                .isEmpty();
        assertThat(names(ix.match(ProbeDescription.parse("*a100:::start"), OptionalInt.empty(), Scope.all())))
                .containsExactly("alpha100:prog:f1:start");
        assertThat(ix.match(ProbeDescription.all(), OptionalInt.empty(), Scope.all())).hasSize(6);
        assertThat(names(ix.match(ProbeDescription.parse("start"), OptionalInt.of(2000), Scope.all())))
                .containsExactly("alpha2000:prog:f1:start");
    }

    @Test
    void scopeHidesOtherUsersProcesses() {
        ProbeIndex ix = sample();
        assertThat(names(ix.match(ProbeDescription.all(), OptionalInt.empty(), Scope.ofUid(1000))))
                .containsExactly("alpha2000:prog:f1:start");
        assertThat(ix.match(ProbeDescription.all(), OptionalInt.of(100), Scope.ofUid(1000))).isEmpty();
        assertThat(ix.pids(Scope.ofUid(1001))).containsExactly(new PidSummary(2001, 1001, 1, 1));
        assertThat(ix.pids(Scope.all())).extracting(PidSummary::pid).containsExactly(100, 2000, 2001);
        assertThat(ix.pids(Scope.all()).get(0)).isEqualTo(new PidSummary(100, 0, 2, 4));
    }

    @Test
    void removalsUpdateEveryView() {
        ProbeIndex ix = sample();
        assertThat(ix.removeRegistration(100, 1)).isTrue();
        assertThat(ix.removeRegistration(100, 1)).isFalse();
        assertThat(names(ix.match(ProbeDescription.parse("alpha:::"), OptionalInt.empty(), Scope.all())))
                .containsExactly("alpha100:prog:g:lib", "alpha2000:prog:f1:start");
        assertThat(ix.match(ProbeDescription.parse("beta:::"), OptionalInt.empty(), Scope.all())).isEmpty();
        assertThat(ix.removePid(100)).isEqualTo(1);
        assertThat(ix.removePid(100)).isZero();
        assertThat(ix.probeCount()).isEqualTo(2);
        assertThat(ix.registrationCount()).isEqualTo(2);
        assertThat(ix.pidCount()).isEqualTo(2);
    }

    @Test
    void eventsArriveInOrderWithConsecutiveSequenceNumbers() {
        ProbeIndex ix = sample();
        List<IndexEvent> events = new ArrayList<>();
        try (ProbeIndex.Subscription sub = ix.subscribe(events::add, true)) {
            assertThat(sub.seq()).isEqualTo(4);
            assertThat(sub.snapshot()).hasSize(4);
            ix.add(Probes.registration(300, 0, 1, "delta:f:a"));
            ix.removeRegistration(300, 1);
            ix.add(Probes.registration(100, 0, 2, "alpha:g:lib2")); // replaces: removal first, then registration
            ix.removePid(2000);
            // a commit that dropped generation 2: the new registration first, then what the stash no longer holds
            ix.add(Probes.registration(100, 0, 3, "alpha:g:lib2"), List.of(new RegistrationKey(100, 2)));
        }
        ix.add(Probes.registration(301, 0, 1, "delta:f:a"));
        assertThat(events).extracting(IndexEvent::seq).containsExactly(5L, 6L, 7L, 8L, 9L, 10L, 11L);
        assertThat(events).extracting(e -> e.getClass().getSimpleName() + " " + e.pid() + "/" + e.generation())
                .containsExactly("Registered 300/1", "Removed 300/1", "Removed 100/2", "Registered 100/2",
                        "Removed 2000/1", "Registered 100/3", "Removed 100/2");
    }

    /**
     * A re-registration with the probes of a registration its commit dropped takes that one's
     * place (no sorting, no name ids taken or given back); the index then answers exactly as one
     * built from the live registrations, through random re-registrations with the same probes,
     * with other probes and removals, and its name tables are empty once everything is gone.
     */
    @Test
    void reRegistrationsTakingTheDroppedOnesPlaceAnswerAsAnIndexBuiltFromTheLiveOnes() {
        String[][] dofs = {
            {"alpha:f1:start", "alpha:f1:stop", "beta:f2:tick", "alpha:f0:zz"},
            {"alpha:f1:start", "gamma:h:x"},
            {"delta:f:a"},
        };
        java.util.SplittableRandom random = new java.util.SplittableRandom(16);
        ProbeIndex ix = new ProbeIndex();
        java.util.Map<RegistrationKey, List<ProbeEntry>> live = new java.util.TreeMap<>();
        List<IndexEvent> events = new ArrayList<>();
        ix.subscribe(events::add, false);
        long gen = 0;
        for (int step = 0; step < 2_000; step++) {
            int pid = 100 + random.nextInt(3);
            int uid = pid == 102 ? 1000 : 0;
            List<RegistrationKey> ofPid = live.keySet().stream().filter(k -> k.pid() == pid).toList();
            if (!ofPid.isEmpty() && random.nextInt(5) == 0) {
                RegistrationKey k = ofPid.get(random.nextInt(ofPid.size()));
                assertThat(ix.removeRegistration(pid, k.generation())).isTrue();
                live.remove(k);
            } else {
                List<ProbeEntry> reg = Probes.registration(pid, uid, ++gen, dofs[random.nextInt(dofs.length)]);
                List<RegistrationKey> dropped = ofPid.isEmpty() || random.nextBoolean() ? List.of()
                        : List.of(ofPid.get(random.nextInt(ofPid.size())));
                int before = events.size();
                ix.add(reg, dropped);
                dropped.forEach(live::remove);
                live.put(new RegistrationKey(pid, gen), reg);
                assertThat(events.subList(before, events.size()))
                        .extracting(e -> e.getClass().getSimpleName() + " " + e.pid() + "/" + e.generation())
                        .containsExactlyElementsOf(java.util.stream.Stream.concat(
                                java.util.stream.Stream.of("Registered " + pid + "/" + gen),
                                dropped.stream().map(k -> "Removed " + k.pid() + "/" + k.generation())).toList());
            }
            ProbeIndex model = ProbeIndex.build(live.values().stream().flatMap(List::stream).toList());
            for (String d : new String[] {":::", "alpha:::", "alpha101:::", "::f1:", ":::start", "*a:::", "::h:x"}) {
                for (Scope scope : new Scope[] {Scope.all(), Scope.ofUid(1000)}) {
                    assertThat(ix.match(ProbeDescription.parse(d), OptionalInt.empty(), scope))
                            .as("%s at step %d", d, step)
                            .isEqualTo(model.match(ProbeDescription.parse(d), OptionalInt.empty(), scope));
                }
            }
            assertThat(ix.pids(Scope.all())).isEqualTo(model.pids(Scope.all()));
            assertThat(ix.probeCount()).isEqualTo(model.probeCount());
            assertThat(ix.registrationCount(0)).isEqualTo(model.registrationCount(0));
        }
        for (RegistrationKey k : List.copyOf(live.keySet())) {
            ix.removeRegistration(k.pid(), k.generation());
        }
        assertThat(ix.match(ProbeDescription.all(), OptionalInt.empty(), Scope.all())).isEmpty();
        // every name id given back: a name table that kept one would still match it
        ix.add(Probes.registration(7, 0, 1, "omega:o:o"));
        assertThat(ix.match(ProbeDescription.parse("alpha:::"), OptionalInt.empty(), Scope.all())).isEmpty();
        assertThat(ix.match(ProbeDescription.parse("::f1:"), OptionalInt.empty(), Scope.all())).isEmpty();
    }

    /**
     * A commit for a reused pid drops the old process's registrations, one of them under the key the
     * new registration gets (generation 0 again): the add replaces that one, the others go after it.
     */
    @Test
    void aReusedPidsDroppedKeysIncludingTheNewOneLeaveOnlyTheNewRegistration() {
        ProbeIndex ix = sample();
        List<IndexEvent> events = new ArrayList<>();
        try (ProbeIndex.Subscription sub = ix.subscribe(events::add, false)) {
            ix.add(Probes.registration(100, 0, 1, "alpha:new:one"),
                    List.of(new RegistrationKey(100, 1), new RegistrationKey(100, 2)));
        }
        assertThat(events).extracting(e -> e.getClass().getSimpleName() + " " + e.pid() + "/" + e.generation())
                .containsExactly("Removed 100/1", "Registered 100/1", "Removed 100/2");
        assertThat(names(ix.match(ProbeDescription.parse("alpha100:::"), OptionalInt.empty(), Scope.all())))
                .containsExactly("alpha100:prog:new:one");
        assertThat(ix.registrationCount(0)).isEqualTo(1);
    }

    /** What a prune or a refused commit removed from the stash leaves the index, by key; a key not here is no error. */
    @Test
    void removedRegistrationsLeaveByKeyAndOthersOfThePidStay() {
        ProbeIndex ix = sample();
        assertThat(ix.removeRegistrations(List.of(new RegistrationKey(100, 2), new RegistrationKey(100, 9)))).isEqualTo(1);
        assertThat(ix.removeRegistrations(List.of())).isZero();
        assertThat(names(ix.match(ProbeDescription.parse("alpha100:::"), OptionalInt.empty(), Scope.all())))
                .containsExactly("alpha100:prog:f1:start", "alpha100:prog:f1:stop");
        assertThat(ix.registrationCount()).isEqualTo(3);
    }

    @Test
    void aFailingListenerHarmsNeitherTheIndexNorOtherListeners() {
        ProbeIndex ix = new ProbeIndex();
        List<IndexEvent> events = new ArrayList<>();
        ix.subscribe(e -> {
            throw new IllegalStateException("broken watcher");
        }, false);
        ix.subscribe(events::add, false);
        ix.add(Probes.registration(1, 0, 1, "a:f:n"));
        assertThat(ix.probeCount()).isEqualTo(1);
        assertThat(events).hasSize(1);
    }

    @Test
    void addRefusesMixedOrEmptyRegistrations() {
        ProbeIndex ix = new ProbeIndex();
        List<ProbeEntry> mixed = new ArrayList<>(Probes.registration(1, 0, 1, "a:f:n"));
        mixed.addAll(Probes.registration(1, 0, 2, "a:f:m"));
        assertThatThrownBy(() -> ix.add(mixed)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must share pid, generation and uid");
        assertThatThrownBy(() -> ix.add(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThat(ix.probeCount()).isZero();
    }

    @Test
    void buildGroupsTheStashContentsByRegistration() {
        List<ProbeEntry> all = new ArrayList<>(Probes.registration(5, 0, 1, "p:f:a", "p:f:b"));
        all.addAll(Probes.registration(6, 0, 3, "q:f:a"));
        ProbeIndex ix = ProbeIndex.build(all);
        assertThat(ix.registrationCount()).isEqualTo(2);
        assertThat(ix.probeCount()).isEqualTo(3);
        assertThat(ix.removeRegistration(6, 3)).isTrue();
    }

    @Test
    void entriesFromAParsedDofCarryEverySiteRelocated() throws Exception {
        byte[] dof = DofWriter.builder().version(3).relocations(true)
                .provider("shop", ProbeSpec.builder("checkout", "begin").address(0x1130).args("int", "char *")
                        .offsets(4, 9).enabledOffsets(2).build())
                .build();
        long base = 0x5555_0000_0000L;
        ParsedDof parsed = new DofParser().parse(ByteBuffer.wrap(dof), new DofHelper("shopd", base, 0), 77);
        ProbeEntry.Mapping m = new ProbeEntry.Mapping(1, 2, "/usr/sbin/shopd", base, 0);
        List<ProbeEntry> entries = Probes.fromParsed(parsed, base, 77, 1000, 3, m);
        assertThat(entries).singleElement().satisfies(e -> {
            assertThat(e.fullName()).isEqualTo("shop77:shopd:checkout:begin");
            assertThat(e.sites()).containsExactly(new ProbeEntry.Site(base + 0x1134, false),
                    new ProbeEntry.Site(base + 0x1139, false), new ProbeEntry.Site(base + 0x1132, true));
            assertThat(e.nativeTypes()).containsExactly("int", "char *");
            assertThat(e.argmap()).containsExactly(0, 1);
            assertThat(e.mapping().fileOffset(base + 0x1134)).isEqualTo(0x1134);
            assertThat(e.uid()).isEqualTo(1000);
            assertThat(e.generation()).isEqualTo(3);
        });
    }
}
