package org.dtprobed.stash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
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
                    acked.add(s.commit(StashFullDiskIT.record(pid), dof, p));
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
