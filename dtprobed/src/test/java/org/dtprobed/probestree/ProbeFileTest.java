package org.dtprobed.probestree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.dtprobed.protocol.ProbeEntry;
import org.junit.jupiter.api.Test;

class ProbeFileTest {
    static byte[] oracleExample() throws IOException {
        try (InputStream in = ProbeFileTest.class.getResourceAsStream("/probestree/dtutest693-prog-main-hello.hex")) {
            StringBuilder hex = new StringBuilder();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (!line.startsWith("#")) {
                    hex.append(line.replace(" ", ""));
                }
            }
            return HexFormat.of().parseHex(hex);
        }
    }

    @Test
    void decodesTheFileOraclesDaemonWrote() throws IOException {
        byte[] blob = oracleExample();
        assertThat(blob).hasSize(144);
        ProbeFile.Content c = decode(blob);
        assertThat(c.provider()).isEqualTo("dtutest");
        assertThat(c.providerProbes()).isEqualTo(3);
        assertThat(List.of(c.module(), c.function(), c.name())).containsExactly("prog", "main", "hello");
        assertThat(c.sites()).containsExactly(new ProbeEntry.Site(0x4012d5, false), new ProbeEntry.Site(0x4012fd, true));
    }

    @Test
    void encodesByteForByteWhatOraclesDaemonWrote() throws IOException {
        ProbeFile.Content c = new ProbeFile.Content("dtutest", 3, "prog", "main", "hello",
                List.of(new ProbeEntry.Site(0x4012d5, false), new ProbeEntry.Site(0x4012fd, true)));
        assertThat(ProbeFile.encode(c)).isEqualTo(oracleExample());
    }

    @Test
    void refusesFilesDtraceWouldMisread() throws IOException {
        byte[] good = oracleExample();
        assertThatThrownBy(() -> ProbeFile.decode(new byte[0])).hasMessageContaining("shorter than the version");
        assertThatThrownBy(() -> ProbeFile.decode(withLong(good, 0, 2))).hasMessageContaining("version 2");
        assertThatThrownBy(() -> ProbeFile.decode(java.util.Arrays.copyOf(good, 100)))
                .isInstanceOf(ProbeFile.FormatException.class);
        assertThatThrownBy(() -> ProbeFile.decode(withLong(good, 8, 1L << 40))).hasMessageContaining("has size");
        assertThatThrownBy(() -> ProbeFile.decode(withLong(good, 8 + 32 + 16, Long.MAX_VALUE)))
                .hasMessageContaining("do not fit");
        assertThatThrownBy(() -> ProbeFile.decode(withLong(good, 8 + 8, 1))).hasMessageContaining("type 1");
        byte[] longer = java.util.Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> ProbeFile.decode(longer)).hasMessageContaining("after the last tracepoint");
        byte[] noNul = good.clone();
        noNul[8 + 24 + 7] = 'x'; // the provider name's NUL
        assertThatThrownBy(() -> ProbeFile.decode(noNul)).hasMessageContaining("NUL-terminated");
    }

    /** Whatever the bytes, a FormatException or a decoding, never anything else. */
    @Test
    void mutatedFilesFailOnlyWithFormatException() throws IOException {
        byte[] good = oracleExample();
        Random r = new Random(0x15);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = r.nextInt(4) == 0 ? java.util.Arrays.copyOf(good, r.nextInt(good.length + 40)) : good.clone();
            for (int k = r.nextInt(6); k >= 0 && b.length > 0; k--) {
                b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            }
            try {
                ProbeFile.Content c = ProbeFile.decode(b);
                assertThat(ProbeFile.encode(c)).as("a file that decodes encodes back to itself").isEqualTo(b);
            } catch (ProbeFile.FormatException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }

    private static ProbeFile.Content decode(byte[] b) {
        try {
            return ProbeFile.decode(b);
        } catch (ProbeFile.FormatException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] withLong(byte[] b, int at, long v) {
        byte[] out = b.clone();
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
        return out;
    }
}
