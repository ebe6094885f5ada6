package org.dtprobed.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.dtprobed.fuse.FuseFrames.hex;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reply encodings against hex fixtures written from linux/fuse.h. */
class FuseRepliesTest {
    @Test
    void errorReply() {
        assertThat(hex(FuseReplies.error(0x1122334455667788L, 22)))
                .isEqualTo("10000000" + "eaffffff" + "8877665544332211");
    }

    @Test
    void ioctlResult() {
        assertThat(hex(FuseReplies.ioctl(5, 7))).isEqualTo("20000000" + "00000000" + "0500000000000000"
                + "07000000" + "00000000" + "00000000" + "00000000");
    }

    @Test
    void ioctlRetryWithIovecs() {
        byte[] r = FuseReplies.ioctlRetry(9, List.of(new FuseIovec(0x7ffd00001000L, 80), new FuseIovec(0x10, 64)));
        assertThat(hex(r)).isEqualTo("40000000" + "00000000" + "0900000000000000"
                + "00000000" + "04000000" + "02000000" + "00000000"
                + "00100000fd7f0000" + "5000000000000000"
                + "1000000000000000" + "4000000000000000");
    }

    @Test
    void cuseInitCarriesDevnameAndUnrestrictedIoctls() {
        byte[] r = FuseReplies.cuseInit(1, 38, 131072, 131072, "dtrace/helper");
        ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(0)).isEqualTo(r.length).isEqualTo(16 + 80 + "DEVNAME=dtrace/helper\0".length());
        assertThat(b.getInt(16)).isEqualTo(7);
        assertThat(b.getInt(20)).isEqualTo(38);
        assertThat(b.getInt(28)).isEqualTo(1); // CUSE_UNRESTRICTED_IOCTL
        assertThat(b.getInt(32)).isEqualTo(131072);
        assertThat(b.getInt(36)).isEqualTo(131072);
        assertThat(new String(r, 96, r.length - 96, java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("DEVNAME=dtrace/helper\0");
    }

    @Test
    void entryAndAttrLayout() {
        FuseAttr a = new FuseAttr(2, 0, FuseAttr.S_IFREG | 0666, 1, 0, 0, 1000);
        ByteBuffer e = ByteBuffer.wrap(FuseReplies.entry(3, 2, a, 1)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(e.getInt(0)).isEqualTo(16 + 128);
        assertThat(e.getLong(16)).isEqualTo(2);
        assertThat(e.getLong(16 + 40)).isEqualTo(2); // attr.ino
        assertThat(e.getInt(16 + 40 + 60)).isEqualTo(0100666); // attr.mode
        ByteBuffer g = ByteBuffer.wrap(FuseReplies.attr(4, a, 1)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(g.getInt(0)).isEqualTo(16 + 104);
        assertThat(g.getInt(16 + 16 + 60)).isEqualTo(0100666);
    }

    @Test
    void readdirPagesByOffset() {
        List<FuseReplies.DirEntry> entries = List.of(new FuseReplies.DirEntry(1, ".", 4),
                new FuseReplies.DirEntry(1, "..", 4), new FuseReplies.DirEntry(2, "helper", 8));
        byte[] all = FuseReplies.readdir(1, entries, 0, 4096);
        assertThat(all.length).isEqualTo(16 + 32 + 32 + 32);
        byte[] rest = FuseReplies.readdir(1, entries, 2, 4096);
        assertThat(rest.length).isEqualTo(16 + 32);
        assertThat(new String(rest, 16 + 24, 6, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("helper");
        assertThat(FuseReplies.readdir(1, entries, 3, 4096).length).isEqualTo(16);
        assertThat(FuseReplies.readdir(1, entries, 0, 40).length).isEqualTo(16 + 32); // only what fits
    }

    @Test
    void initNegotiation() {
        FuseInHeader h = new FuseInHeader(104, 26, 1, 0, 0, 0, 0, 0);
        FuseInitNegotiation newer = FuseInitNegotiation.fuse(new FuseInit(h, 7, 45, 4096, 0, 0), 131072);
        assertThat(newer.established()).isTrue();
        assertThat(newer.minor()).isEqualTo(38);
        ByteBuffer b = ByteBuffer.wrap(newer.reply()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(0)).isEqualTo(16 + 64);
        assertThat(b.getInt(16 + 20)).isEqualTo(131072); // max_write

        FuseInitNegotiation older = FuseInitNegotiation.fuse(new FuseInit(h, 7, 22, 4096, 0, 0), 131072);
        assertThat(older.minor()).isEqualTo(22);
        assertThat(older.reply().length).isEqualTo(16 + 24);

        FuseInitNegotiation major8 = FuseInitNegotiation.fuse(new FuseInit(h, 8, 0, 0, 0, 0), 131072);
        assertThat(major8.established()).isFalse();
        assertThat(hex(major8.reply())).isEqualTo("18000000" + "00000000" + "0100000000000000" + "0700000000000000");

        FuseInitNegotiation major6 = FuseInitNegotiation.fuse(new FuseInit(h, 6, 0, 0, 0, 0), 131072);
        assertThat(major6.established()).isFalse();
        assertThat(ByteBuffer.wrap(major6.reply()).order(ByteOrder.LITTLE_ENDIAN).getInt(4)).isEqualTo(-71);

        FuseInitNegotiation cuse = FuseInitNegotiation.cuse(new CuseInit(h, 7, 10, 1), 4096, 4096, "x");
        assertThat(cuse.established()).isFalse();
    }
}
