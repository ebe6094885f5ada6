package org.dtprobed.stash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.dtprobed.protocol.RegistrationKey;
import org.dtprobed.testkit.ChildJvms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The named offsets of {@link StashLayout} checked against values stored for a real DOF blob. */
class StashLayoutTest {
    @TempDir
    Path dir;

    @Test
    void storedValuesOfARealRegistrationMatchTheNamedOffsets() throws Exception {
        Fixtures.Blob b = Fixtures.blob("libusdt-2");
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            RegistrationKey k = s.commit(b.record(4242), b.dof(), b.parse(4242)).key();
            byte[] key = RegistrationKeyCodec.live(k);
            ByteBuffer kb = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(key).hasSize(StashLayout.REG_KEY_SIZE);
            assertThat(kb.getInt(StashLayout.REG_KEY_OFF_PID)).isEqualTo(4242);
            assertThat(kb.getInt(StashLayout.REG_KEY_OFF_KIND)).isEqualTo(StashLayout.KEY_LIVE);
            assertThat(kb.getLong(StashLayout.REG_KEY_OFF_GEN)).isZero();

            byte[] v = s.files().registrations.get(key);
            ByteBuffer vb = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(vb.getShort(StashLayout.VALUE_OFF_VERSION)).isEqualTo((short) StashLayout.REGISTRATION_VERSION);
            assertThat(vb.getShort(StashLayout.VALUE_OFF_KIND)).isEqualTo((short) StashLayout.KIND_REGISTRATION);
            CRC32C crc = new CRC32C();
            crc.update(v, StashLayout.VALUE_HEADER_SIZE, v.length - StashLayout.VALUE_HEADER_SIZE);
            assertThat(Integer.toUnsignedLong(vb.getInt(StashLayout.VALUE_OFF_CRC))).isEqualTo(crc.getValue());
            assertThat(vb.getInt(StashLayout.VALUE_HEADER_SIZE)).as("payload starts with the pid").isEqualTo(4242);

            byte[] dofKey = ContentHash.of(b.dof()).toBytes();
            byte[] raw = s.files().rawDof.get(dofKey);
            ByteBuffer rb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(rb.getShort(StashLayout.VALUE_OFF_KIND)).isEqualTo((short) StashLayout.KIND_RAW_DOF);
            assertThat(rb.getInt(StashLayout.VALUE_HEADER_SIZE)).isEqualTo(b.dof().length);
            assertThat(raw[StashLayout.VALUE_HEADER_SIZE + 4]).as("DOF magic follows").isEqualTo((byte) 0x7F);
            assertThat(new String(raw, StashLayout.VALUE_HEADER_SIZE + 5, 3, StandardCharsets.US_ASCII)).isEqualTo("DOF");

            ParseKey pk = ParseKey.of(ContentHash.of(b.dof()), b.helper(), k.pid());
            ByteBuffer pkb = ByteBuffer.wrap(pk.toBytes()).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(pkb.getLong(StashLayout.PARSED_KEY_OFF_VARIANT) & 0xFF).as("pid digits")
                    .isEqualTo(Integer.toString(k.pid()).length());
            assertThat(s.files().parsed.containsKey(pk.toBytes())).isTrue();

            byte[] pv = s.files().pids.get(PidRecord.key(4242, 1));
            ByteBuffer pb = ByteBuffer.wrap(pv).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(pv).hasSize(StashLayout.PID_VALUE_SIZE);
            assertThat(pb.getLong(StashLayout.PID_OFF_NEXT_GEN)).as("generation 0 and the ones reserved after it")
                    .isEqualTo(1 + Stash.GENERATIONS_RESERVED);
            assertThat(pb.getLong(StashLayout.PID_OFF_START_TIME)).isEqualTo(b.record(4242).process().startTime());
            assertThat(pb.getLong(StashLayout.PID_OFF_EXEC_INO)).isEqualTo(777);
        }
    }

    @Test
    void chronicleUsesThePregeneratedClassSoNoJavacRunsAtStart() throws Exception {
        try (Stash s = Stash.open(Fixtures.config(dir))) {
            Class<?> c = Class.forName("net.openhft.chronicle.hash.VanillaGlobalMutableState$$Native");
            String where = c.getProtectionDomain().getCodeSource().getLocation().toString();
            assertThat(where).as("loaded from this module, not compiled at run time").contains("stash-format");
            assertThat(c.getClassLoader()).isSameAs(Stash.class.getClassLoader());
        }
        // without the jdk.compiler export Chronicle could not run javac: a child JVM opening the
        // stash without it proves the pre-generated class is what Chronicle uses
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(ChildJvms.java()));
        ChildJvms.flags().stream().filter(a -> !a.contains("jdk.compiler")).forEach(cmd::add);
        cmd.addAll(java.util.List.of("-cp", System.getProperty("java.class.path"), OpenCloseMain.class.getName(), dir.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("OK ").doesNotContain("javac").doesNotContain("CompilerUtils");
    }
}
