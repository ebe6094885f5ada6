package org.dtprobed.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The decoder fed the way netty's EmbeddedChannel tests feed theirs: whole, byte by byte, in random splits. */
class FuseDecoderTest {
    private static final int MAX = 128 * 1024 + 4096;

    private FuseDecoder decoder = new FuseDecoder(MAX);
    /** Bytes handed to the decoder but not consumed; must be empty after each test. */
    private ByteBuffer cumulation = ByteBuffer.allocate(0);

    @AfterEach
    void nothingLeftOver() {
        assertThat(cumulation.remaining()).as("bytes left in the cumulation").isZero();
    }

    static LongStream seeds() {
        return LongStream.range(1, 41);
    }

    /** Appends {@code chunk} and decodes every complete frame. */
    private List<FuseRequest> feed(byte[] chunk) throws FuseProtocolException {
        ByteBuffer merged = ByteBuffer.allocate(cumulation.remaining() + chunk.length);
        merged.put(cumulation).put(chunk).flip();
        cumulation = merged;
        List<FuseRequest> out = new ArrayList<>();
        FuseRequest r;
        while ((r = decoder.decode(cumulation)) != null) {
            out.add(r);
        }
        return out;
    }

    private List<FuseRequest> feedSplit(byte[] all, SplittableRandom rnd) throws FuseProtocolException {
        List<FuseRequest> out = new ArrayList<>();
        int pos = 0;
        while (pos < all.length) {
            int n = Math.min(all.length - pos, 1 + rnd.nextInt(Math.min(97, all.length)));
            byte[] chunk = java.util.Arrays.copyOfRange(all, pos, pos + n);
            out.addAll(feed(chunk));
            pos += n;
        }
        return out;
    }

    private static byte[] sampleStream() {
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        s.writeBytes(FuseFrames.request(26, 1, 0, 0, FuseFrames.ints(7, 45, 131072, 0x1234, 0x5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
        s.writeBytes(FuseFrames.request(1, 2, 1, 42, "helper\0".getBytes(StandardCharsets.UTF_8)));
        s.writeBytes(FuseFrames.request(3, 3, 2, 42, new byte[16]));
        s.writeBytes(FuseFrames.request(14, 4, 2, 42, FuseFrames.ints(0x8002, 0)));
        byte[] helper = new byte[80];
        helper[0] = 'a';
        s.writeBytes(FuseFrames.ioctl(5, 4242, 0, 0x4050d803, 0x7ffd1234L, helper));
        s.writeBytes(FuseFrames.request(36, 6, 0, 42, FuseFrames.ints(5, 0)));
        s.writeBytes(FuseFrames.request(2, 7, 2, 42, FuseFrames.ints(1, 0)));
        s.writeBytes(FuseFrames.request(18, 8, 2, 42, new byte[24]));
        s.writeBytes(FuseFrames.request(16, 9, 2, 42, new byte[64])); // WRITE: not served
        s.writeBytes(FuseFrames.request(4096, 10, 0, 0, FuseFrames.ints(7, 38, 0, 1)));
        return s.toByteArray();
    }

    private static void checkSample(List<FuseRequest> got) {
        assertThat(got).hasSize(10);
        FuseInit init = (FuseInit) got.get(0);
        assertThat(init.major()).isEqualTo(7);
        assertThat(init.minor()).isEqualTo(45);
        assertThat(init.maxReadahead()).isEqualTo(131072);
        assertThat(init.flags()).isEqualTo(0x1234);
        assertThat(init.flags2()).isEqualTo(5);
        assertThat(((FuseLookup) got.get(1)).name()).isEqualTo("helper");
        assertThat(got.get(1).header().nodeId()).isEqualTo(1);
        assertThat(got.get(2)).isInstanceOf(FuseGetattr.class);
        assertThat(((FuseOpen) got.get(3)).flags()).isEqualTo(0x8002);
        FuseIoctl io = (FuseIoctl) got.get(4);
        assertThat(io.cmd()).isEqualTo(0x4050d803);
        assertThat(io.arg()).isEqualTo(0x7ffd1234L);
        assertThat(io.inSize()).isEqualTo(80);
        assertThat(io.in()[0]).isEqualTo((byte) 'a');
        assertThat(io.header().pid()).isEqualTo(4242);
        assertThat(io.header().uid()).isEqualTo(1000);
        assertThat(io.header().gid()).isEqualTo(1001);
        assertThat(io.unrestricted()).isFalse();
        assertThat(((FuseInterrupt) got.get(5)).target()).isEqualTo(5);
        assertThat(((FuseForget) got.get(6)).lookups()).isEqualTo(1);
        assertThat(got.get(7)).isInstanceOf(FuseRelease.class);
        assertThat(got.get(8)).isInstanceOf(FuseUnsupported.class);
        assertThat(got.get(8).header().opcode()).isEqualTo(16);
        CuseInit cuse = (CuseInit) got.get(9);
        assertThat(cuse.minor()).isEqualTo(38);
        assertThat(cuse.flags()).isEqualTo(1);
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i).unique()).isEqualTo(i + 1);
        }
    }

    @Test
    void wholeStream() throws Exception {
        checkSample(feed(sampleStream()));
    }

    @Test
    void oneByteAtATime() throws Exception {
        byte[] all = sampleStream();
        List<FuseRequest> got = new ArrayList<>();
        for (byte b : all) {
            got.addAll(feed(new byte[] {b}));
        }
        checkSample(got);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void randomSplits(long seed) throws Exception {
        List<FuseRequest> got = feedSplit(sampleStream(), new SplittableRandom(seed));
        assertThat(got).as("seed %d", seed).hasSize(10);
        checkSample(got);
    }

    @Test
    void nothingUntilTheFrameIsComplete() throws Exception {
        byte[] frame = FuseFrames.request(3, 9, 1, 1, new byte[16]);
        assertThat(feed(java.util.Arrays.copyOf(frame, 3))).isEmpty();
        assertThat(feed(java.util.Arrays.copyOfRange(frame, 3, frame.length - 1))).isEmpty();
        assertThat(feed(new byte[] {frame[frame.length - 1]})).hasSize(1);
    }

    @Test
    void oldKernelInitWithoutFlags2() throws Exception {
        FuseInit init = (FuseInit) feed(FuseFrames.request(26, 1, 0, 0, FuseFrames.ints(7, 31, 4096, 9))).get(0);
        assertThat(init.minor()).isEqualTo(31);
        assertThat(init.flags2()).isZero();
    }

    @Test
    void extensionsAreSkipped() throws Exception {
        byte[] f = FuseFrames.request(14, 3, 2, 0, 0, 5, 2, FuseFrames.ints(2, 0));
        FuseOpen open = (FuseOpen) feed(f).get(0);
        assertThat(open.header().extLength()).isEqualTo(16);
        assertThat(open.flags()).isEqualTo(2);
    }

    @Test
    void lengthBelowTheHeaderIsRefused() {
        byte[] f = FuseFrames.request(3, 1, 1, 1, new byte[0]);
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 39);
        assertThatThrownBy(() -> feed(f)).isInstanceOf(FuseProtocolException.class)
                .hasMessage("message length 39 is below the 40-byte header");
    }

    @Test
    void oversizedFrameIsSkippedAndTheNextOneDecodes() throws Exception {
        decoder = new FuseDecoder(200);
        byte[] big = FuseFrames.request(16, 1, 2, 1, new byte[300]);
        byte[] next = FuseFrames.request(3, 2, 1, 1, new byte[16]);
        // the length is peeked before anything is allocated, the first bytes are dropped ...
        assertThatThrownBy(() -> feed(java.util.Arrays.copyOf(big, 100))).isInstanceOf(FuseProtocolException.class)
                .hasMessage("message length 340 exceeds the maximum 200");
        // ... and so is the rest when it arrives, however it is split
        assertThat(feed(java.util.Arrays.copyOfRange(big, 100, 250))).isEmpty();
        byte[] tailAndNext = new byte[big.length - 250 + next.length];
        System.arraycopy(big, 250, tailAndNext, 0, big.length - 250);
        System.arraycopy(next, 0, tailAndNext, big.length - 250, next.length);
        List<FuseRequest> got = feed(tailAndNext);
        assertThat(got).hasSize(1);
        assertThat(got.get(0).unique()).isEqualTo(2);
    }

    @Test
    void ioctlInSizeMustMatchTheBytesThatFollow() {
        byte[] f = FuseFrames.ioctl(1, 1, 0, 0x4050d803, 0, new byte[80]);
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putInt(40 + 24, 81);
        assertThatThrownBy(() -> feed(f)).hasMessage("FUSE_IOCTL: in_size 81 but 80 bytes follow");
    }

    @Test
    void hugeIoctlInSizeIsRefusedWithoutAllocating() {
        byte[] f = FuseFrames.ioctl(1, 1, 0, 0x4050d803, 0, new byte[0]);
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putInt(40 + 24, -1);
        assertThatThrownBy(() -> feed(f)).hasMessage("FUSE_IOCTL: in_size 4294967295 but 0 bytes follow");
    }

    @Test
    void shortBodiesAreRefusedWithTheOpcode() {
        assertThatThrownBy(() -> feed(FuseFrames.request(14, 1, 2, 1, new byte[4])))
                .hasMessage("OPEN: body is 4 bytes, needs 8");
        assertThatThrownBy(() -> feed(FuseFrames.request(39, 2, 2, 1, new byte[31])))
                .hasMessage("IOCTL: body is 31 bytes, needs 32");
        assertThatThrownBy(() -> feed(FuseFrames.request(4096, 3, 0, 0, new byte[12])))
                .hasMessage("CUSE_INIT: body is 12 bytes, needs 16");
    }

    @Test
    void lookupNameMustBeTerminated() {
        assertThatThrownBy(() -> feed(FuseFrames.request(1, 1, 1, 1, "helper".getBytes(StandardCharsets.UTF_8))))
                .hasMessage("LOOKUP: name of 6 bytes is not NUL-terminated");
    }

    @Test
    void extensionsLongerThanTheMessageAreRefused() {
        byte[] f = FuseFrames.request(3, 1, 1, 0, 0, 1, 0, new byte[8]);
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putShort(36, (short) 3); // 24 bytes; only 8 follow the header
        assertThatThrownBy(() -> feed(f)).hasMessage("opcode 3: extensions of 24 bytes exceed the message length 48");
    }

    @Test
    void unknownOpcodeIsUnsupportedNotAnError() throws Exception {
        FuseRequest r = feed(FuseFrames.request(9999, 5, 1, 1, new byte[3])).get(0);
        assertThat(r).isInstanceOf(FuseUnsupported.class);
        assertThat(r.header().opcode()).isEqualTo(9999);
    }
}
