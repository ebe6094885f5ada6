package org.dtprobed.stash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dtprobed.dof.DofLimits;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.write.DofWriter;
import org.dtprobed.dof.write.ProbeSpec;
import org.dtprobed.protocol.RegistrationKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What a stash sized for N registrations holds (issue 20): the measured value sizes behind
 * docs/STASH-FORMAT.md's table; N registrations that fit their slot exactly; larger ones take 4 KiB
 * chunks from the shared pool and are refused with FULL (ENOSPC) when it is used up, before any
 * write; no file grows by a byte on the way (layout 1 grew registrations.cm3 31.6 -> 63.2 MB with
 * 150-probe DOF and failed at the 17th extra tier); and every registration acknowledged on the way
 * is there after a reopen.
 */
class StashSizingTest {
    @TempDir
    Path dir;

    private static ParsedDof parse(byte[] dof) throws Exception {
        return new DofParser().parse(ByteBuffer.wrap(dof), StashFullDiskIT.HELPER, 1);
    }

    /** The measured sizes docs/STASH-FORMAT.md gives (deterministic: DofWriter output and our codecs). */
    @ParameterizedTest
    @CsvSource({"1, 376, 307", "20, 2189, 2692", "150, 14829, 19232", "1500, 148729, 193632"}) // +1: the flags byte of REGISTRATION_VERSION 2
    void registrationValuesGrowAbout128BytesPerProbe(int probes, int rawBytes, int valueBytes) throws Exception {
        byte[] dof = StashFullDiskIT.dof(probes);
        ParsedDof p = parse(dof);
        RegistrationKey k = new RegistrationKey(1, 0);
        Registration r = new Registration(k, StashFullDiskIT.record(1), ContentHash.of(dof), dof.length, 0,
                StashLayout.PARSED_VERSION, ParsedCodec.probeRecords(k, p, 0));
        assertThat(dof.length).isEqualTo(rawBytes);
        assertThat(RegistrationCodec.encode(r).length).isEqualTo(valueBytes);
    }

    @Test
    void nRegistrationsOfTheSizedAverageFitExactly() throws Exception {
        StashConfig c = StashConfig.small(dir).withMaxRegistrations(300);
        byte[] dof = StashFullDiskIT.dof(20);
        ParsedDof p = parse(dof);
        assertThat(fill(c, dof, p)).isEqualTo(300);
    }

    @ParameterizedTest
    @CsvSource({"150, 19232, 14829, 17988", "1500, 193632, 148729, 181588"})
    void largerRegistrationsTakeChunksUntilThePoolIsUsedUpAndNoFileGrows(int probes, int valueBytes, int rawBytes,
                                                                         int parsedBytes) throws Exception {
        StashConfig c = StashConfig.small(dir);
        byte[] dof = StashFullDiskIT.dof(probes);
        ParsedDof p = parse(dof);
        // one raw DOF and one parse-cache entry (same content, any base), then chunks per registration
        long pool = c.chunks() - chunks(StashLayout.RAW_DOF_SLOT_SIZE, rawBytes + 12)
                - chunks(StashLayout.PARSED_SLOT_SIZE, parsedBytes);
        int n = fill(c, dof, p);
        assertThat(n).as("as many as the chunk pool holds").isEqualTo((int) (pool / chunks(StashLayout.REGISTRATION_SLOT_SIZE,
                valueBytes)));
        for (String f : StashFiles.ALL) {
            assertThat(Files.size(dir.resolve(f))).as(f + " did not grow").isEqualTo(createdSizes.get(f));
        }
    }

    /**
     * The probes of the largest DOF the daemon accepts, as far as the stash is concerned: the most
     * whose parse result stays within {@link DofLimits#DEFAULT}'s 8 MiB, with the longest provider
     * name a 7-digit pid leaves (56 bytes: it is repeated in every probe record, while the parser's
     * result budget counts it once) and short other names. Found by bisection (2026-12-06); the
     * shape of dtrace -G ({@link StashFullDiskIT#dof}) stops at 60,315 probes (7.97 MB value, 6.16 MB
     * DOF: 3,448 chunks), this one at 108,161 (12.7 MB value, 6.33 MB DOF: 4,650 chunks).
     */
    static final int LARGEST_PROBES = 108_161;

    static byte[] largestShape(int probes) {
        ProbeSpec[] specs = new ProbeSpec[probes];
        for (int i = 0; i < probes; i++) {
            specs[i] = ProbeSpec.builder("f", Integer.toString(i, 36)).address(0x401000 + 16L * i).offsets(5).build();
        }
        return DofWriter.builder().provider("p".repeat(56), specs).build();
    }

    /**
     * {@code --max-registrations N} holds for any accepted DOF when the pool is sized for it
     * ({@code --stash-chunks}, docs/STASH-FORMAT.md): N registrations of the largest DOF the daemon
     * accepts fit, the next is refused with FULL (ENOSPC) before any write, no file grows, and all N
     * are there after a reopen.
     */
    @Test
    void nRegistrationsOfTheLargestAcceptedDofFitAPoolSizedForThem() throws Exception {
        assertThatThrownBy(() -> parse(largestShape(LARGEST_PROBES + 1))).as("one probe more is refused")
                .hasMessageContaining("maximum " + DofLimits.DEFAULT_MAX_RESULT_BYTES);
        byte[] dof = largestShape(LARGEST_PROBES);
        assertThat((long) dof.length).isLessThan(DofLimits.DEFAULT_MAX_LOAD_SIZE);
        ParsedDof p = parse(dof);
        RegistrationKey k = new RegistrationKey(1000, 0);
        int value = RegistrationCodec.encode(new Registration(k, StashFullDiskIT.record(1000), ContentHash.of(dof),
                dof.length, 0, StashLayout.PARSED_VERSION, ParsedCodec.probeRecords(k, p, 0))).length;
        long perRegistration = chunks(StashLayout.REGISTRATION_SLOT_SIZE, value);
        long dofChunks = chunks(StashLayout.RAW_DOF_SLOT_SIZE, RawDofCodec.encode(dof).length);
        assertThat(perRegistration + dofChunks).as("the help's and the spec's figure").isEqualTo(4_650);
        int n = 3;
        StashConfig c = StashConfig.small(dir).withMaxRegistrations(n).withChunks(n * perRegistration + dofChunks);
        assertThat(fill(c, dof, p)).isEqualTo(n);
        for (String f : StashFiles.ALL) {
            assertThat(Files.size(dir.resolve(f))).as(f + " did not grow").isEqualTo(createdSizes.get(f));
        }
    }

    /**
     * A stash keeps the sizing it was created with: opened again with a larger request it still
     * refuses beyond what its files hold (admitting more would chain Chronicle tiers onto them).
     */
    @Test
    void anExistingStashKeepsItsSizingWhateverTheNextOpenAsks() throws Exception {
        byte[] dof = StashFullDiskIT.dof(20);
        ParsedDof p = parse(dof);
        try (Stash s = Stash.open(StashConfig.small(dir).withMaxRegistrations(4))) {
            s.commit(StashFullDiskIT.record(1000), dof, p);
        }
        try (Stash s = Stash.open(StashConfig.small(dir).withMaxRegistrations(400))) {
            assertThat(s.config().registrations()).isEqualTo(4);
            assertThat(s.config().chunks()).isEqualTo(StashConfig.chunksFor(4));
            assertThat(s.config().pids().entries()).isEqualTo(StashConfig.pidsFor(4).entries());
            for (int pid = 1001; pid < 1004; pid++) {
                s.commit(StashFullDiskIT.record(pid), dof, p);
            }
            StashException e = assertThrows(StashException.class, () -> s.commit(StashFullDiskIT.record(1004), dof, p));
            assertThat(e.kind()).isEqualTo(StashException.Kind.FULL);
            assertThat(e.getMessage()).contains("registrations full: 4 entries");
        }
    }

    /** Chunks a value of {@code bytes} takes beyond a slot of {@code slot} bytes. */
    private static long chunks(int slot, int bytes) {
        int inline = slot - StashLayout.SLOT_HEADER_SIZE;
        return bytes <= inline ? 0 : (bytes - inline + StashLayout.CHUNK_SIZE - 1) / StashLayout.CHUNK_SIZE;
    }

    /** Every file's size as created, before the first commit. */
    private final java.util.Map<String, Long> createdSizes = new java.util.HashMap<>();

    /** Commits distinct pids until the stash refuses; returns how many it took, checked after a reopen. */
    private int fill(StashConfig c, byte[] dof, ParsedDof p) throws Exception {
        List<RegistrationKey> acked = new ArrayList<>();
        StashException refusal = null;
        try (Stash s = Stash.open(c)) {
            for (String f : StashFiles.ALL) {
                createdSizes.put(f, Files.size(dir.resolve(f)));
            }
            for (int pid = 1000; refusal == null; pid++) {
                try {
                    acked.add(s.commit(StashFullDiskIT.record(pid), dof, p).key());
                } catch (StashException e) {
                    refusal = e;
                }
            }
        }
        assertThat(refusal.kind()).as(refusal.getMessage()).isEqualTo(StashException.Kind.FULL);
        assertThat(refusal.errno()).isEqualTo(28);
        try (Stash s = Stash.open(c)) {
            assertThat(s.recovery().damagedFiles()).isEmpty();
            assertThat(s.stats().registrations()).isEqualTo(acked.size());
            for (RegistrationKey k : acked) {
                assertThat(s.registration(k)).isPresent();
            }
            assertThat(new StashView(s.files()).check(false)).isEmpty();
        }
        return acked.size();
    }
}
