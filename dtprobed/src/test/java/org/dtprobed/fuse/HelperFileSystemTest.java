package org.dtprobed.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.dtprobed.helper.IoctlReply;
import org.junit.jupiter.api.Test;

/** The one-file filesystem's answers to everything but a good ioctl, frame in, reply bytes out. */
class HelperFileSystemTest {
    final HelperFileSystem fs = new HelperFileSystem("test", 131072, r -> new IoctlReply.Result(42));

    int error(byte[] reply) {
        return -ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN).getInt(4);
    }

    byte[] handle(byte[] frame) throws Exception {
        return fs.handle(new FuseDecoder(1 << 20).decode(ByteBuffer.wrap(frame)));
    }

    static byte[] name(String s) {
        return (s + "\0").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void lookupFindsOnlyTheHelperFileInTheRoot() throws Exception {
        ByteBuffer entry = ByteBuffer.wrap(handle(FuseFrames.request(1, 1, 1, 1, name("helper"))))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(entry.getInt(4)).isZero();
        assertThat(entry.getLong(16)).isEqualTo(HelperFileSystem.FILE);
        assertThat(entry.getInt(16 + 40 + 60)).isEqualTo(0100666);
        assertThat(error(handle(FuseFrames.request(1, 2, 1, 1, name("other"))))).isEqualTo(2);
        assertThat(error(handle(FuseFrames.request(1, 3, 1, 1, name("..helper"))))).isEqualTo(2);
        assertThat(error(handle(FuseFrames.request(1, 4, 2, 1, name("helper"))))).isEqualTo(2);
    }

    @Test
    void attributesOpenAndTheRest() throws Exception {
        assertThat(error(handle(FuseFrames.request(3, 1, 99, 1, new byte[16])))).isEqualTo(2);
        ByteBuffer root = ByteBuffer.wrap(handle(FuseFrames.request(3, 2, 1, 1, new byte[16])))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(root.getInt(16 + 16 + 60)).isEqualTo(040755);
        assertThat(error(handle(FuseFrames.request(14, 3, 1, 1, FuseFrames.ints(0, 0))))).isEqualTo(21);
        assertThat(error(handle(FuseFrames.request(14, 4, 2, 1, FuseFrames.ints(2, 0))))).isZero();
        assertThat(error(handle(FuseFrames.request(27, 5, 2, 1, FuseFrames.ints(0, 0))))).isEqualTo(20);
        assertThat(error(handle(FuseFrames.request(15, 6, 2, 1, new byte[40])))).isEqualTo(38); // READ
        assertThat(error(handle(FuseFrames.request(16, 7, 2, 1, new byte[80])))).isEqualTo(38); // WRITE
        assertThat(error(handle(FuseFrames.request(4, 8, 2, 1, new byte[88])))).isEqualTo(38); // SETATTR
        assertThat(error(handle(FuseFrames.request(17, 9, 1, 1, new byte[0])))).isZero();
        assertThat(handle(FuseFrames.request(2, 10, 2, 1, FuseFrames.ints(1, 0)))).isNull(); // FORGET
        assertThat(handle(FuseFrames.request(36, 11, 0, 1, FuseFrames.ints(4, 0)))).isNull(); // INTERRUPT
        assertThat(error(handle(FuseFrames.request(38, 12, 0, 1, new byte[0])))).isZero(); // DESTROY
        assertThat(error(handle(FuseFrames.request(25, 13, 2, 1, new byte[24])))).as("FLUSH: none, the kernel stops asking")
                .isEqualTo(38);
    }

    @Test
    void ioctlOnlyOnTheFile() throws Exception {
        assertThat(error(handle(FuseFrames.request(39, 1, 1, 1, new byte[32])))).isEqualTo(38);
        ByteBuffer ok = ByteBuffer.wrap(handle(FuseFrames.ioctl(2, 1, 0, 0x4050d803, 0, new byte[80])))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(ok.getInt(16)).isEqualTo(42);
    }

    private static long openedHandle(byte[] reply) {
        ByteBuffer b = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(4)).isZero();
        return b.getLong(16);
    }

    private static byte[] release(long unique, long fh) {
        ByteBuffer body = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(fh);
        return FuseFrames.request(FuseOpcode.RELEASE.code(), unique, HelperFileSystem.FILE, 0, body.array());
    }

    private static byte[] ioctlOn(long unique, long fh, int pid) {
        byte[] frame = FuseFrames.ioctl(unique, pid, 0, 0x4050d803, 0, new byte[80]);
        ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN).putLong(40, fh);
        return frame;
    }

    /**
     * dlclose on the FUSE file (docs/transport.md): only a release of a handle that saw no ioctl is
     * told, with the process the watch named at the open; forged, repeated and untracked handles
     * tell nothing, and nothing is left tracked.
     */
    @Test
    void aReleaseWithoutAnIoctlIsToldWithTheOpenersProcessAndNothingElseIs() throws Exception {
        List<Integer> told = new ArrayList<>();
        OpenWatch watch = new OpenWatch() {
            @Override
            public int opened(int tid) {
                return tid == 77 ? 0 : tid + 1000;
            }

            @Override
            public void releasedWithoutIoctl(int process) {
                told.add(process);
            }
        };
        HelperFileSystem watched = new HelperFileSystem("test", 131072, r -> new IoctlReply.Result(0), watch);
        FuseDecoder decoder = new FuseDecoder(1 << 20);
        java.util.function.Function<byte[], byte[]> handle = f -> {
            try {
                return watched.handle(decoder.decode(ByteBuffer.wrap(f)));
            } catch (FuseProtocolException e) {
                throw new AssertionError(e);
            }
        };
        long a = openedHandle(handle.apply(FuseFrames.request(14, 1, 2, 5, FuseFrames.ints(2, 0))));
        long b = openedHandle(handle.apply(FuseFrames.request(14, 2, 2, 6, FuseFrames.ints(2, 0))));
        long c = openedHandle(handle.apply(FuseFrames.request(14, 3, 2, 77, FuseFrames.ints(2, 0))));
        assertThat(a).isNotZero().isNotEqualTo(b);
        assertThat(c).as("a process of no interest is not tracked").isZero();
        assertThat(watched.untouchedOpenFiles()).isEqualTo(2);
        assertThat(error(handle.apply(ioctlOn(4, b, 6)))).isZero();
        assertThat(error(handle.apply(release(5, b)))).isZero();
        assertThat(error(handle.apply(release(6, c)))).isZero();
        assertThat(error(handle.apply(release(7, 0xdead_beefL)))).isZero();
        assertThat(told).isEmpty();
        assertThat(error(handle.apply(release(8, a)))).isZero();
        assertThat(error(handle.apply(release(9, a)))).isZero();
        assertThat(told).containsExactly(1005);
        assertThat(watched.untouchedOpenFiles()).isZero();
    }
}
