package org.dtprobed.adopt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.dtprobed.dof.write.DofWriter;
import org.dtprobed.dof.write.ProbeSpec;
import org.junit.jupiter.api.Test;

/**
 * The ELF reader reads files of any process as root: hostile input. Besides the plain cases, a
 * seeded fuzz run over real and built objects (truncations at every length, huge counts, offsets
 * past the end, overlapping sections, random bytes in the header and section table): every input
 * either reads or is refused with an {@link ElfException}, never another exception, and no input
 * makes it read more than its bounds.
 */
class ElfReaderTest {
    private static final byte[] DOF = DofWriter.builder().version(2).relocations(true)
            .provider("prov", ProbeSpec.builder("fn", "go").address(0x1000).offsets(4).build()).build();
    private static final long READ_BOUND = 64 + ElfReader.MAX_SECTION_TABLE + ElfReader.MAX_NAMES + 64;

    @Test
    void findsTheDofSectionOfABuiltObject() throws Exception {
        byte[] elf = ElfImage.build(ElfReader.ET_DYN, DOF);
        ElfObject o = ElfReader.read(ElfSource.of(elf));
        assertThat(o.type()).isEqualTo(ElfReader.ET_DYN);
        assertThat(o.hasDof()).isTrue();
        assertThat(o.dofAddress()).isEqualTo(ElfImage.DOF_ADDRESS);
        assertThat(ElfReader.readDof(ElfSource.of(elf), o, 1 << 20)).isEqualTo(DOF);
    }

    @Test
    void anObjectWithoutTheSectionHasNoDof() throws Exception {
        ElfObject o = ElfReader.read(ElfSource.of(ElfImage.build(ElfReader.ET_EXEC, null)));
        assertThat(o.hasDof()).isFalse();
        assertThat(o.type()).isEqualTo(ElfReader.ET_EXEC);
    }

    @Test
    void realBinariesOfThisMachineReadWithoutDof() throws Exception {
        for (String p : new String[] {"/bin/sleep", "/bin/true", "/usr/bin/env"}) {
            try (FileChannel ch = FileChannel.open(Path.of(p))) {
                ElfObject o = ElfReader.read(ElfSource.of(ch));
                assertThat(o.hasDof()).as(p).isFalse();
                assertThat(o.type()).as(p).isIn(ElfReader.ET_EXEC, ElfReader.ET_DYN);
            }
        }
    }

    @Test
    void aDofSectionAboveTheCapIsRefusedBeforeReading() throws Exception {
        byte[] elf = ElfImage.build(ElfReader.ET_DYN, DOF);
        ElfObject o = ElfReader.read(ElfSource.of(elf));
        ElfException e = assertThrows(ElfException.class, () -> ElfReader.readDof(ElfSource.of(elf), o, DOF.length - 1));
        assertThat(e).hasMessageContaining("exceeds the DOF size cap");
    }

    @Test
    void hostileFieldsAreRefusedWithTheirValue() {
        byte[] good = ElfImage.build(ElfReader.ET_DYN, DOF);
        int dofHeader = ElfImage.sectionHeader(good, 1);
        refused(with(good, b -> b.putShort(ElfImage.OFF_SHNUM, (short) 0xfffe)), "section headers");
        refused(with(good, b -> b.putLong(ElfImage.OFF_SHOFF, Long.MAX_VALUE)), "past the end");
        refused(with(good, b -> b.putLong(ElfImage.OFF_SHOFF, -8)), "past the end");
        refused(with(good, b -> b.putShort(ElfImage.OFF_SHENTSIZE, (short) 8)), "e_shentsize 8");
        refused(with(good, b -> b.putShort(ElfImage.OFF_SHSTRNDX, (short) 7)), "e_shstrndx 7");
        refused(with(good, b -> b.putLong(dofHeader + ElfImage.SH_OFF_OFFSET, good.length - 4)), ".SUNW_dof");
        refused(with(good, b -> b.putLong(dofHeader + ElfImage.SH_OFF_SIZE, -1)), ".SUNW_dof");
        refused(with(good, b -> b.putInt(dofHeader + ElfImage.SH_OFF_TYPE, ElfReader.SHT_NOBITS)), "SHT_NOBITS");
        refused(with(good, b -> b.put(4, (byte) 3)), "EI_CLASS 3");
        refused(with(good, b -> b.put(5, (byte) 2)), "little-endian");
        refused(with(good, b -> b.put(0, (byte) 0)), "not ELF");
        // extended numbering pointing at a count far beyond the bound
        refused(with(good, b -> {
            b.putShort(ElfImage.OFF_SHNUM, (short) 0);
            b.putLong(ElfImage.sectionHeader(good, 0) + ElfImage.SH_OFF_SIZE, 1L << 40);
        }), "section headers");
    }

    @Test
    void overlappingSectionsAreReadAsTheyAre() throws Exception {
        byte[] good = ElfImage.build(ElfReader.ET_DYN, DOF);
        int dofHeader = ElfImage.sectionHeader(good, 1);
        // .SUNW_dof covering the ELF header and the section table too: bytes, not a crash
        byte[] elf = with(good, b -> b.putLong(dofHeader + ElfImage.SH_OFF_OFFSET, 0)
                .putLong(dofHeader + ElfImage.SH_OFF_SIZE, good.length));
        ElfObject o = ElfReader.read(ElfSource.of(elf));
        assertThat(ElfReader.readDof(ElfSource.of(elf), o, 1 << 20)).hasSize(good.length);
    }

    @Test
    void everyTruncationReadsOrIsRefused() throws Exception {
        for (byte[] elf : new byte[][] {ElfImage.build(ElfReader.ET_DYN, DOF), Files.readAllBytes(Path.of("/bin/true"))}) {
            for (int n = 0; n < elf.length; n += n < 4096 ? 1 : 97) {
                byte[] cut = java.util.Arrays.copyOf(elf, n);
                readsOrRefuses(cut, "truncated to " + n);
            }
        }
    }

    @Test
    void seededMutationsOfHeaderAndSectionTableReadOrAreRefused() throws Exception {
        byte[][] seeds = {ElfImage.build(ElfReader.ET_DYN, DOF), ElfImage.build(ElfReader.ET_EXEC, null),
                Files.readAllBytes(Path.of("/bin/true"))};
        Random r = new Random(0x13_13_13L);
        for (int iter = 0; iter < 20_000; iter++) {
            byte[] elf = seeds[iter % seeds.length].clone();
            ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
            long shoff = b.getLong(ElfImage.OFF_SHOFF);
            int changes = 1 + r.nextInt(6);
            for (int c = 0; c < changes; c++) {
                int region = r.nextInt(3);
                int at = region == 0 || shoff <= 0 || shoff >= elf.length ? r.nextInt(64)
                        : region == 1 ? (int) shoff + r.nextInt((int) Math.min(elf.length - shoff, 256))
                        : r.nextInt(elf.length);
                at = Math.min(at, elf.length - 8);
                switch (r.nextInt(4)) {
                    case 0 -> elf[at] = (byte) r.nextInt(256);
                    case 1 -> b.putLong(at, r.nextLong());
                    case 2 -> b.putLong(at, -1L >>> r.nextInt(64));
                    default -> b.putInt(at, r.nextInt(elf.length * 2 + 1));
                }
            }
            readsOrRefuses(elf, "seed 0x131313 iteration " + iter);
        }
    }

    private static void readsOrRefuses(byte[] elf, String what) throws IOException {
        AtomicLong read = new AtomicLong();
        ElfSource counting = counting(ElfSource.of(elf), read);
        try {
            ElfObject o = ElfReader.read(counting);
            if (o.hasDof()) {
                ElfReader.readDof(counting, o, 1 << 20);
            }
        } catch (ElfException e) {
            assertThat(e.getMessage()).as(what).isNotBlank();
        } catch (EOFException e) {
            throw new AssertionError(what + ": read past the end instead of refusing", e);
        }
        assertThat(read.get()).as(what + ": bytes read").isLessThanOrEqualTo(READ_BOUND + (1 << 20));
    }

    private static ElfSource counting(ElfSource s, AtomicLong read) {
        return new ElfSource() {
            @Override
            public long size() throws IOException {
                return s.size();
            }

            @Override
            public void read(long position, ByteBuffer dst) throws IOException {
                read.addAndGet(dst.remaining());
                s.read(position, dst);
            }
        };
    }

    private static void refused(byte[] elf, String message) {
        ElfException e = assertThrows(ElfException.class, () -> {
            ElfObject o = ElfReader.read(ElfSource.of(elf));
            if (o.hasDof()) {
                ElfReader.readDof(ElfSource.of(elf), o, 1 << 20);
            }
        });
        assertThat(e).hasMessageContaining(message);
    }

    private static byte[] with(byte[] good, java.util.function.Consumer<ByteBuffer> change) {
        byte[] copy = good.clone();
        change.accept(ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN));
        return copy;
    }
}
