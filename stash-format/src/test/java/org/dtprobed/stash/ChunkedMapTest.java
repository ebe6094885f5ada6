package org.dtprobed.stash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Set;
import java.util.SplittableRandom;
import org.dtprobed.protocol.RegistrationKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The slot-and-chunks framing of layout 2 ({@link ChunkedMap}) on real Chronicle Map files. */
class ChunkedMapTest {
    @TempDir
    Path dir;

    private StashFiles open() throws StashException {
        return StashFiles.openOwned(StashConfig.small(dir), Set.of(), new ArrayList<>(), phase -> { });
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    @Test
    void valuesOfEveryLengthAroundTheSlotAndChunkBoundariesComeBackAsStored() throws Exception {
        int inline = StashLayout.REGISTRATION_SLOT_SIZE - StashLayout.SLOT_HEADER_SIZE;
        int[] lengths = {0, 1, inline - 1, inline, inline + 1, inline + StashLayout.CHUNK_SIZE,
            inline + StashLayout.CHUNK_SIZE + 1, 200_000};
        try (StashFiles f = open()) {
            for (int i = 0; i < lengths.length; i++) {
                byte[] k = RegistrationKeyCodec.live(new RegistrationKey(100 + i, 0));
                f.registrations.put(k, random(lengths[i], i));
            }
            for (int i = 0; i < lengths.length; i++) {
                byte[] k = RegistrationKeyCodec.live(new RegistrationKey(100 + i, 0));
                assertThat(f.registrations.get(k)).as("length " + lengths[i]).isEqualTo(random(lengths[i], i));
            }
            long chunks = 0;
            for (int n : lengths) {
                chunks += f.registrations.chunksFor(n);
            }
            assertThat(f.chunks.longSize()).isEqualTo(chunks);
            assertThat(f.registrations.chunksFor(inline)).isZero();
            assertThat(f.registrations.chunksFor(inline + 1)).isOne();
        }
    }

    @Test
    void aShorterValueInPlaceOfALongerOneLeavesNoChunkBehindAndARemovalTakesAll() throws Exception {
        try (StashFiles f = open()) {
            byte[] k = RegistrationKeyCodec.live(new RegistrationKey(7, 0));
            f.registrations.put(k, random(50_000, 1));
            f.registrations.put(k, random(5_000, 2));
            assertThat(f.registrations.get(k)).isEqualTo(random(5_000, 2));
            assertThat(f.chunks.longSize()).isEqualTo(f.registrations.chunksFor(5_000));
            assertThat(f.registrations.remove(k)).isEqualTo(5_000);
            assertThat(f.chunks.longSize()).isZero();
            assertThat(f.registrations.remove(k)).isEqualTo(-1);
            assertThat(f.registrations.get(k)).isNull();
        }
    }

    @Test
    void aValueWhoseChunkIsMissingIsRefusedByItsCodecNotTakenForWhole() throws Exception {
        try (StashFiles f = open()) {
            byte[] dof = random(20_000, 3);
            ContentHash h = ContentHash.of(dof);
            f.rawDof.put(h.toBytes(), RawDofCodec.encode(dof));
            assertThat(RawDofCodec.decode(f.rawDof.get(h.toBytes()), "whole")).isEqualTo(dof);
            // a crash between the chunks and the slot of a replacement, or a lost chunk
            f.chunks.remove(ChunkedMap.chunkKey(StashLayout.SLOT_TAG_RAW_DOF, h.toBytes(), 2));
            assertThatThrownBy(() -> RawDofCodec.decode(f.rawDof.get(h.toBytes()), "torn"))
                    .isInstanceOf(StashException.class).hasMessageContaining("torn");
        }
    }

    @Test
    void chunksThatNoValueOwnsAreCollectedAndOwnedOnesAreKept() throws Exception {
        try (StashFiles f = open()) {
            byte[] owned = RegistrationKeyCodec.live(new RegistrationKey(9, 0));
            f.registrations.put(owned, random(20_000, 4));
            long kept = f.chunks.longSize();
            // chunks written before a slot that never came, one beyond a value's count, and a
            // key of another shape
            f.chunks.put(ChunkedMap.chunkKey(StashLayout.SLOT_TAG_REGISTRATIONS, RegistrationKeyCodec.live(new RegistrationKey(10, 0)), 0),
                    new byte[StashLayout.CHUNK_SIZE]);
            f.chunks.put(ChunkedMap.chunkKey(StashLayout.SLOT_TAG_REGISTRATIONS, owned, (int) kept),
                    new byte[StashLayout.CHUNK_SIZE]);
            f.chunks.put(ChunkedMap.chunkKey(99, owned, 0), new byte[StashLayout.CHUNK_SIZE]);
            assertThat(f.collectOrphanChunks()).isEqualTo(3);
            assertThat(f.chunks.longSize()).isEqualTo(kept);
            assertThat(f.registrations.get(owned)).isEqualTo(random(20_000, 4));
        }
    }
}
