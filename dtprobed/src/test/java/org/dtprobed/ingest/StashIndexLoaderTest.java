package org.dtprobed.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.protocol.ProbeDescription;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.query.ProbeIndex;
import org.dtprobed.query.Scope;
import org.dtprobed.stash.ContentHash;
import org.dtprobed.stash.Mapping;
import org.dtprobed.stash.ProcessIdentity;
import org.dtprobed.stash.RegistrationRecord;
import org.dtprobed.stash.Stash;
import org.dtprobed.stash.StashConfig;
import org.dtprobed.testkit.Corpus;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The start-up index load: the stash open hands each registration to one of the loader's threads
 * through a short queue (more registrations than it holds here, so the open waits on it), the
 * looks at {@code /proc} happen there, and after {@link StashIndexLoader#awaitLooks} the index
 * holds the live process's probes and none of the gone ones'.
 */
class StashIndexLoaderTest {
    private static final int PID = (int) ProcessHandle.current().pid();
    /** Above the kernel's largest pid_max (2^22): no process has these. */
    private static final int GONE = 5_000_000;
    private static final int GONE_COUNT = 700;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} looking threads")
    @ValueSource(ints = {1, 2})
    void theOpenHandsEveryRegistrationToTheLooksAndTheIndexKeepsTheLiveOnes(int lookers) throws Exception {
        StashConfig config = StashConfig.small(tmp);
        ParsedDof parsed = fill(config);
        ProcLiveness liveness = new ProcLiveness(ProcFs.SYSTEM);
        ProbeIndex index;
        try (StashIndexLoader loader = new StashIndexLoader(ProcFs.SYSTEM, liveness, new SharedProbeParts(), lookers);
             Stash stash = Stash.open(config, loader)) {
            loader.awaitLooks();
            assertThat(stash.recovery().staleRegistrations()).isZero();
            assertThat(liveness.identity(GONE)).isEmpty();
            assertThat(liveness.identity(PID)).isPresent();
            index = loader.index(List.of());
        }
        assertThat(index.pidCount()).isEqualTo(1);
        assertThat(index.probeCount()).isEqualTo(parsed.probeCount()).isPositive();
    }

    /**
     * The start-up's asking looks (PROCMAP_QUERY where the kernel has it) give the index and the
     * pruning what the text's looks give, probe for probe (this corpus DOF's sites are absolute and
     * unmapped here: the holes' path; mapped addresses agree in AddressSpaceTest), the executable's
     * identity included, and leave no maps file open (of their own: the test JVM's earlier tests may
     * hold some).
     */
    @ParameterizedTest(name = "{0} looking threads")
    @ValueSource(ints = {1, 2})
    void theAskingLooksAgreeWithTheTextsAndLeaveNoMapsFileOpen(int lookers) throws Exception {
        StashConfig config = StashConfig.small(tmp);
        ParsedDof parsed = fill(config);
        List<String> byRoute = new ArrayList<>();
        long mapsFilesBefore = openMapsFiles();
        for (ProcLiveness liveness : List.of(new ProcLiveness(ProcFs.SYSTEM), ProcLiveness.asking(ProcFs.SYSTEM))) {
            ProbeIndex index;
            try (StashIndexLoader loader = new StashIndexLoader(ProcFs.SYSTEM, liveness, new SharedProbeParts(), lookers);
                 Stash stash = Stash.open(config, loader)) {
                loader.awaitLooks();
                assertThat(liveness.identity(GONE)).isEmpty();
                byRoute.add(liveness.identity(PID).orElseThrow().toString());
                index = loader.index(List.of());
            }
            List<ProbeEntry> entries = index.match(ProbeDescription.all(), OptionalInt.empty(), Scope.all());
            assertThat(entries).hasSize(parsed.probeCount());
            byRoute.add(entries.stream().map(Object::toString).sorted().toList().toString());
            assertThat(openMapsFiles()).as("maps files left open").isLessThanOrEqualTo(mapsFilesBefore);
        }
        assertThat(byRoute.get(2)).isEqualTo(byRoute.get(0));
        assertThat(byRoute.get(3)).isEqualTo(byRoute.get(1));
    }

    /** One registration of libusdt-2 for this JVM and each of {@link #GONE_COUNT} gone pids; its parse. */
    private static ParsedDof fill(StashConfig config) throws Exception {
        byte[] dof = Corpus.read("libusdt-2.dof");
        DofHelper helper = new DofHelper("libusdt", 0x55c58f5ea000L, 0x55c58f5ea000L);
        ParsedDof parsed = new DofParser().parse(ByteBuffer.wrap(dof), helper, PID);
        ContentHash hash = ContentHash.of(dof);
        try (Stash stash = Stash.open(config)) {
            for (int pid : pids()) {
                stash.commit(new RegistrationRecord(pid, new Mapping(0, 0, helper.dofAddress(), "[heap]"), helper,
                        new ProcessIdentity(1, 2049, 42)), dof, parsed, hash);
            }
        }
        return parsed;
    }

    private static long openMapsFiles() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(f -> {
                try {
                    return Files.readSymbolicLink(f).toString().endsWith("/maps");
                } catch (IOException e) {
                    return false; // the listing's own descriptor, closed by now
                }
            }).count();
        }
    }

    private static int[] pids() {
        int[] pids = new int[GONE_COUNT + 1];
        for (int i = 0; i < GONE_COUNT; i++) {
            pids[i] = GONE + i;
        }
        pids[GONE_COUNT] = PID;
        return pids;
    }
}
