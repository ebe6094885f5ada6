package org.dtprobed.jail;

import org.dtprobed.dof.wire.WireFormatException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The frame decoder fed the EmbeddedChannel way: byte by byte, in random splits, and mutated. */
class FrameDecoderTest {
    private FrameDecoder decoder = new FrameDecoder(1 << 20);

    @AfterEach
    void nothingLeftOver() {
        assertThat(decoder.idle()).as("a partial frame is still buffered").isTrue();
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    /** READY-typed frame, request id 0x0102030405060708, body "abc". */
    private static final String FIXTURE = "4454504a 0100 1000 0807060504030201 03000000 616263";

    @Test
    void theHeaderLayoutIsPinnedByAHexFixture() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new FrameWriter(out).write(FrameType.READY, 0x0102030405060708L, "abc".getBytes());
        assertThat(HexFormat.of().formatHex(out.toByteArray())).isEqualTo(FIXTURE.replace(" ", ""));
        Frame f = decoder.decode(ByteBuffer.wrap(hex(FIXTURE))).orElseThrow();
        assertThat(f.type()).isEqualTo(FrameType.READY);
        assertThat(f.requestId()).isEqualTo(0x0102030405060708L);
        assertThat(f.body()).containsExactly('a', 'b', 'c');
    }

    @Test
    void oneByteAtATimeGivesNothingUntilTheLastByte() throws Exception {
        byte[] bytes = hex(FIXTURE);
        for (int i = 0; i < bytes.length - 1; i++) {
            assertThat(decoder.decode(ByteBuffer.wrap(bytes, i, 1))).as("after byte %d", i).isEmpty();
        }
        assertThat(decoder.decode(ByteBuffer.wrap(bytes, bytes.length - 1, 1))).isPresent();
    }

    static Stream<Long> seeds() {
        return LongStream.range(0, 20).map(i -> 0xF4A3E000L + i).boxed();
    }

    /** {@code count} PARSED frames, request ids 0.., with random bodies of {@code size}'s lengths (into {@code bodies}). */
    private static byte[] frames(SplittableRandom r, int count, java.util.function.IntSupplier size, List<byte[]> bodies)
            throws java.io.IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameWriter w = new FrameWriter(out);
        for (int i = 0; i < count; i++) {
            byte[] body = new byte[size.getAsInt()];
            r.nextBytes(body);
            bodies.add(body);
            w.write(FrameType.PARSED, i, body);
        }
        return out.toByteArray();
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void randomSplitsOfManyFramesDecodeToTheSameFrames(long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        List<byte[]> bodies = new ArrayList<>();
        byte[] all = frames(r, 30, () -> r.nextInt(3) == 0 ? 0 : r.nextInt(5000), bodies);
        List<Frame> got = new ArrayList<>();
        int at = 0;
        while (at < all.length) {
            int n = Math.min(all.length - at, 1 + r.nextInt(r.nextBoolean() ? 7 : 9000));
            ByteBuffer chunk = ByteBuffer.wrap(all, at, n);
            Optional<Frame> f;
            while ((f = decoder.decode(chunk)).isPresent()) {
                got.add(f.get());
            }
            assertThat(chunk.hasRemaining()).as("seed %d", seed).isFalse();
            at += n;
        }
        assertThat(got).as("seed %d", seed).hasSize(30);
        for (int i = 0; i < 30; i++) {
            assertThat(got.get(i).requestId()).isEqualTo(i);
            assertThat(got.get(i).body()).as("seed %d frame %d", seed, i).isEqualTo(bodies.get(i));
        }
    }

    @Test
    void aWrongMagicNamesTheFieldAndValue() {
        assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(hex("4454504b 0100 1000 0000000000000000 00000000"))))
                .isInstanceOf(WireFormatException.class)
                .hasMessage("frame at byte 0: magic is 0x4b505444, expected 0x4a505444");
        assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(hex(FIXTURE))))
                .hasMessage("decoder stopped after an earlier error");
        resetForAfterEach();
    }

    @Test
    void aWrongVersionIsRefused() {
        assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(hex("4454504a 0200 1000 0000000000000000 00000000"))))
                .hasMessage("frame at byte 4: version is 2, expected 1");
        resetForAfterEach();
    }

    @Test
    void anUnknownTypeIsRefused() {
        assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(hex("4454504a 0100 ffff 0000000000000000 00000000"))))
                .hasMessage("frame at byte 6: type 65535 is unknown");
        resetForAfterEach();
    }

    @Test
    void aBodyAboveTheMaximumIsRefusedBeforeAllocating() {
        assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(hex("4454504a 0100 1100 0000000000000000 ffffffff"))))
                .hasMessage("frame at byte 16: body length 4294967295 exceeds the maximum 1048576");
        resetForAfterEach();
    }

    @Test
    void errorsGiveThePositionOfTheBadFrameInTheStream() throws Exception {
        ByteBuffer in = ByteBuffer.wrap(hex(FIXTURE + "4454504a 0100 1000 0000000000000000 01001000"));
        assertThat(decoder.decode(in)).isPresent();
        assertThatThrownBy(() -> decoder.decode(in)).isInstanceOf(WireFormatException.class)
                .hasMessage("frame at byte 39: body length 1048577 exceeds the maximum 1048576");
        resetForAfterEach();
    }

    @Test
    void theReaderTellsACleanEndFromAnEndInsideAFrame() throws Exception {
        byte[] two = hex(FIXTURE + FIXTURE);
        FrameReader r = new FrameReader(new ByteArrayInputStream(two), 100);
        assertThat(r.read()).isNotNull();
        assertThat(r.read()).isNotNull();
        assertThat(r.read()).isNull();
        byte[] cut = hex(FIXTURE.substring(0, FIXTURE.length() - 2));
        FrameReader r2 = new FrameReader(new ByteArrayInputStream(cut), 100);
        assertThatThrownBy(r2::read).isInstanceOf(EOFException.class).hasMessage("stream ended inside a frame");
    }

    /**
     * The reader over a stream that hands out a random few bytes to a few hundred KiB per read:
     * bodies beyond its buffer are read straight into the frame's array, and every frame comes out
     * whole and in order.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void theReaderGivesTheSameFramesFromAStreamOfAnySplitWithBodiesBeyondItsBuffer(long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        List<byte[]> bodies = new ArrayList<>();
        byte[] all = frames(r, 12, () -> r.nextInt(3) == 0 ? r.nextInt(100) : r.nextInt(300_000), bodies);
        java.io.InputStream trickle = new ByteArrayInputStream(all) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1 + r.nextInt(r.nextBoolean() ? 9 : 400_000)));
            }
        };
        FrameReader reader = new FrameReader(trickle, 1 << 20);
        for (int i = 0; i < bodies.size(); i++) {
            Frame f = reader.read();
            assertThat(f.requestId()).as("seed %d", seed).isEqualTo(i);
            assertThat(f.body()).as("seed %d frame %d", seed, i).isEqualTo(bodies.get(i));
        }
        assertThat(reader.read()).isNull();
    }

    /** A failed decoder is discarded with its child; the leftover check needs a fresh one. */
    private void resetForAfterEach() {
        decoder = new FrameDecoder(1 << 20);
    }
}
