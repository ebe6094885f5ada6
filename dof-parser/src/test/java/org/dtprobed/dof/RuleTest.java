package org.dtprobed.dof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;
import org.dtprobed.dof.write.DofWriter;
import org.dtprobed.dof.write.ProbeSpec;
import org.dtprobed.dof.write.SharedArgumentsDof;
import org.dtprobed.linux.Errno;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * One test per rule, each with the smallest DOF that breaks only that rule: a valid blob from
 * {@link DofWriter} with one field changed. The last check makes sure no rule goes untested.
 */
class RuleTest {
    private static final Set<DofRule> COVERED = EnumSet.noneOf(DofRule.class);
    private static final DofHelper HELPER = new DofHelper("mod", 0x5555_0000_0000L, 0x5555_0000_1000L);

    /** Sections: 0 STRTAB, 1 PROBES, 2 PRARGS, 3 PROFFS, 4 PRENOFFS, 5 PROVIDER, 6 RELTAB, 7 URELHDR. */
    static byte[] minimal() {
        return DofWriter.builder().version(3).relocations(true)
                .provider("prov", ProbeSpec.builder("func", "name").address(0x1000).args("int")
                        .offsets(0x10).enabledOffsets(0x20).build())
                .build();
    }

    static Blob blob() {
        return new Blob(minimal());
    }

    static DofFormatException fails(byte[] dof, DofRule rule) {
        return fails(new DofParser(), dof, rule);
    }

    static DofFormatException fails(DofParser parser, byte[] dof, DofRule rule) {
        DofFormatException e = catchThrowableOfType(DofFormatException.class,
                () -> parser.parse(ByteBuffer.wrap(dof), HELPER, 1234));
        assertThat(e).as("expected " + rule).isNotNull();
        assertThat(e.rule()).as(e.getMessage()).isEqualTo(rule);
        assertThat(e.getMessage()).contains(rule.summary());
        COVERED.add(rule);
        return e;
    }

    static ParsedDof warns(byte[] dof, DofHelper helper, long pid, DofRule rule) throws DofFormatException {
        ParsedDof parsed = new DofParser().parse(ByteBuffer.wrap(dof), helper, pid);
        assertThat(parsed.violations()).extracting(PolicyViolation::rule).contains(rule);
        assertThat(parsed.registrable()).isFalse();
        COVERED.add(rule);
        return parsed;
    }

    static ParsedDof warns(byte[] dof, DofRule rule) throws DofFormatException {
        return warns(dof, HELPER, 1234, rule);
    }

    @Test
    void theMinimalBlobIsValidAndRelocated() throws Exception {
        ParsedDof d = new DofParser().parse(ByteBuffer.wrap(minimal()), HELPER, 1234);
        assertThat(d.violations()).isEmpty();
        ParsedProbe p = d.providers().get(0).probes().get(0);
        assertThat(p.storedAddress()).isEqualTo(0x1000);
        assertThat(p.relocated()).isTrue();
        assertThat(p.addressAt(HELPER.loadBase())).isEqualTo(HELPER.loadBase() + 0x1000);
        assertThat(p.sitesAt(HELPER.loadBase())).containsExactly(new ProbeSite(HELPER.loadBase() + 0x1010, false),
                new ProbeSite(HELPER.loadBase() + 0x1020, true));
    }

    @Test
    void theResultDoesNotDependOnTheLoadBase() throws Exception {
        ParsedDof here = new DofParser().parse(ByteBuffer.wrap(minimal()), HELPER, 1234);
        ParsedDof there = new DofParser().parse(ByteBuffer.wrap(minimal()),
                new DofHelper(HELPER.module(), 0x7f00_0000_0000L, HELPER.dofAddress()), 1234);
        assertThat(there).isEqualTo(here);
        ParsedProbe p = here.providers().get(0).probes().get(0);
        assertThat(p.storedSites()).containsExactly(new ProbeSite(0x1010, false), new ProbeSite(0x1020, true));
        assertThat(p.sitesAt(0x7f00_0000_0000L)).containsExactly(new ProbeSite(0x7f00_0000_1010L, false),
                new ProbeSite(0x7f00_0000_1020L, true));
        assertThat(p.sitesAt(0)).isEqualTo(p.storedSites());
    }

    @Nested
    class Header {
        @Test
        void truncated() {
            fails(blob().truncated(63), DofRule.HEADER_TRUNCATED);
        }

        @Test
        void loadSizeAtTheLimit() {
            DofFormatException e = fails(blob().u64(DofHeader.OFF_LOADSZ, DofLimits.DEFAULT_MAX_LOAD_SIZE).bytes(),
                    DofRule.LOAD_SIZE_TOO_LARGE);
            assertThat(e.errno()).isEqualTo(Errno.E2BIG);
        }

        @Test
        void loadSizeNegativeAsSigned() {
            fails(blob().u64(DofHeader.OFF_LOADSZ, -1).bytes(), DofRule.LOAD_SIZE_TOO_LARGE);
        }

        @Test
        void loadSizeBelowHeader() {
            fails(blob().u64(DofHeader.OFF_LOADSZ, 63).bytes(), DofRule.LOAD_SIZE_TOO_SMALL);
        }

        @Test
        void loadSizeBeyondInput() {
            byte[] b = minimal();
            fails(new Blob(b).truncated(b.length - 1), DofRule.LOAD_SIZE_EXCEEDS_INPUT);
        }

        @Test
        void magic() {
            fails(blob().u8(1, 'X').bytes(), DofRule.BAD_MAGIC);
        }

        @Test
        void model() {
            fails(blob().u8(DofHeader.ID_MODEL, 3).bytes(), DofRule.BAD_MODEL);
        }

        @Test
        void encoding() {
            fails(blob().u8(DofHeader.ID_ENCODING, 2).bytes(), DofRule.BAD_ENCODING);
        }

        @Test
        void version() {
            fails(blob().u8(DofHeader.ID_VERSION, 4).bytes(), DofRule.BAD_VERSION);
            fails(blob().u8(DofHeader.ID_VERSION, 0).bytes(), DofRule.BAD_VERSION);
        }

        @Test
        void difVersion() {
            fails(blob().u8(DofHeader.ID_DIFVERS, 1).bytes(), DofRule.BAD_DIF_VERSION);
        }

        @Test
        void difRegisters() {
            fails(blob().u8(DofHeader.ID_DIFIREG, 9).bytes(), DofRule.BAD_DIF_REGISTERS);
            fails(blob().u8(DofHeader.ID_DIFTREG, 9).bytes(), DofRule.BAD_DIF_REGISTERS);
        }

        @Test
        void identPad() {
            fails(blob().u8(DofHeader.ID_PAD + 5, 1).bytes(), DofRule.NONZERO_IDENT_PAD);
        }

        @Test
        void flags() {
            fails(blob().u32(DofHeader.OFF_FLAGS, 1).bytes(), DofRule.NONZERO_FLAGS);
        }

        @Test
        void sectionHeaderSizeBelow32() {
            fails(blob().u32(DofHeader.OFF_SECSIZE, 24).bytes(), DofRule.BAD_SECTION_HEADER_SIZE);
            fails(blob().u32(DofHeader.OFF_SECSIZE, 0).bytes(), DofRule.BAD_SECTION_HEADER_SIZE);
        }

        @Test
        void sectionTableOutOfBounds() {
            fails(blob().u32(DofHeader.OFF_SECNUM, 0xFFFF_FFFFL).bytes(), DofRule.SECTION_TABLE_OUT_OF_BOUNDS);
            fails(blob().u64(DofHeader.OFF_SECOFF, 1L << 62).bytes(), DofRule.SECTION_TABLE_OUT_OF_BOUNDS);
            fails(blob().u64(DofHeader.OFF_SECOFF, 0).bytes(), DofRule.SECTION_TABLE_OUT_OF_BOUNDS);
        }

        @Test
        void sectionTableMisaligned() {
            fails(blob().u64(DofHeader.OFF_SECOFF, 68).bytes(), DofRule.SECTION_TABLE_MISALIGNED);
            fails(blob().u32(DofHeader.OFF_SECSIZE, 36).bytes(), DofRule.SECTION_TABLE_MISALIGNED);
        }

        @Test
        void tooManySections() {
            fails(new DofParser(new DofLimits(DofLimits.DEFAULT_MAX_LOAD_SIZE, 7, 10)), minimal(),
                    DofRule.TOO_MANY_SECTIONS);
        }
    }

    @Nested
    class Sections {
        @Test
        void loadableWithoutLoadFlag() {
            fails(blob().sectionField(1, DofSectionHeader.OFF_FLAGS, 0, 4).bytes(), DofRule.SECTION_NOT_LOADED);
        }

        @Test
        void alignmentNotAPowerOfTwo() {
            fails(blob().sectionField(1, DofSectionHeader.OFF_ALIGN, 3, 4).bytes(), DofRule.BAD_SECTION_ALIGNMENT);
        }

        @Test
        void misaligned() {
            Blob b = blob();
            b.sectionField(1, DofSectionHeader.OFF_OFFSET, b.sectionOffset(1) + 4, 8);
            fails(b.bytes(), DofRule.SECTION_MISALIGNED);
        }

        @Test
        void alignmentZeroActsAsDtprobedsUnsignedWrap() {
            fails(blob().sectionField(1, DofSectionHeader.OFF_ALIGN, 0, 4).bytes(), DofRule.SECTION_MISALIGNED);
        }

        @Test
        void outOfBounds() {
            fails(blob().sectionField(1, DofSectionHeader.OFF_SIZE, 1 << 20, 8).bytes(), DofRule.SECTION_OUT_OF_BOUNDS);
            fails(blob().sectionField(1, DofSectionHeader.OFF_SIZE, -8, 8).bytes(), DofRule.SECTION_OUT_OF_BOUNDS);
            fails(blob().sectionField(1, DofSectionHeader.OFF_OFFSET, -8, 8).bytes(), DofRule.SECTION_OUT_OF_BOUNDS);
        }

        @Test
        void emptyStringTable() {
            fails(blob().sectionField(0, DofSectionHeader.OFF_SIZE, 0, 8).bytes(), DofRule.EMPTY_STRTAB);
        }

        @Test
        void stringTableWithoutFinalNul() {
            Blob b = blob();
            fails(b.u8(b.sectionOffset(0) + b.sectionSize(0) - 1, 'x').bytes(), DofRule.STRTAB_NOT_TERMINATED);
        }

        @Test
        void referenceToAMissingSection() {
            fails(blob().u32(blob().providerField(DofProviderRecord.OFF_PROBES), 99).bytes(),
                    DofRule.BAD_SECTION_REFERENCE);
        }

        @Test
        void referenceToASectionOfAnotherType() {
            fails(blob().u32(blob().providerField(DofProviderRecord.OFF_PROFFS), 2).bytes(),
                    DofRule.BAD_SECTION_REFERENCE);
        }
    }

    @Nested
    class Relocations {
        @Test
        void headerTooSmall() {
            fails(blob().sectionField(7, DofSectionHeader.OFF_SIZE, 8, 8).bytes(), DofRule.BAD_RELOCATION_HEADER);
        }

        @Test
        void tableEntrySize() {
            fails(blob().sectionField(6, DofSectionHeader.OFF_ENTSIZE, 16, 4).bytes(), DofRule.BAD_RELOCATION_TABLE);
        }

        @Test
        void targetOutOfBounds() {
            Blob b = blob();
            fails(b.u64(b.sectionOffset(6) + DofRelocation.DESC_OFF_OFFSET, 44).bytes(), DofRule.RELOCATION_OUT_OF_BOUNDS);
        }

        @Test
        void targetMisaligned() {
            Blob b = blob();
            fails(b.u64(b.sectionOffset(6) + DofRelocation.DESC_OFF_OFFSET, 4).bytes(), DofRule.RELOCATION_MISALIGNED);
        }

        @Test
        void unknownType() {
            Blob b = blob();
            fails(b.u32(b.sectionOffset(6) + DofRelocation.DESC_OFF_TYPE, 7).bytes(), DofRule.BAD_RELOCATION_TYPE);
        }

        @Test
        void valueAboveTheBaseIsLeftAlone() throws Exception {
            Blob b = blob();
            long already = HELPER.loadBase() + 0x1000;
            b.u64(b.probeField(0, DofProbeRecord.OFF_ADDR), already);
            ParsedProbe p = new DofParser().parse(ByteBuffer.wrap(b.bytes()), HELPER, 1).providers().get(0).probes().get(0);
            assertThat(p.addressAt(HELPER.loadBase())).isEqualTo(already);
            assertThat(p.addressAt(already + 1)).isEqualTo(already + already + 1);
        }

        @Test
        void targetInsideAProbeEntryButNotItsAddress() {
            Blob b = blob();
            fails(b.u64(b.sectionOffset(6) + DofRelocation.DESC_OFF_OFFSET, 8).bytes(),
                    DofRule.RELOCATION_NOT_PROBE_ADDRESS);
        }

        @Test
        void targetInAnotherSectionType() {
            Blob b = blob();
            // dofr_tgtsec: the relocation table itself instead of the PROBES section
            fails(b.u32(b.sectionOffset(7) + DofRelocation.HDR_OFF_TGTSEC, 6).bytes(),
                    DofRule.RELOCATION_NOT_PROBE_ADDRESS);
        }
    }

    @Nested
    class Providers {
        @Test
        void providerSectionTooSmallForItsVersion() {
            fails(blob().sectionField(5, DofSectionHeader.OFF_SIZE, 40, 8).bytes(), DofRule.BAD_PROVIDER_SECTION);
        }

        @Test
        void probesEntrySizeBelow48() {
            fails(blob().sectionField(1, DofSectionHeader.OFF_ENTSIZE, 40, 4).bytes(), DofRule.BAD_PROBES_SECTION);
            fails(blob().sectionField(1, DofSectionHeader.OFF_ENTSIZE, 0, 4).bytes(), DofRule.BAD_PROBES_SECTION);
        }

        @Test
        void offsetsEntrySize() {
            fails(blob().sectionField(3, DofSectionHeader.OFF_ENTSIZE, 8, 4).bytes(), DofRule.BAD_OFFSETS_SECTION);
        }

        @Test
        void enabledOffsetsEntrySizeWhichDtprobedNeverChecks() {
            fails(blob().sectionField(4, DofSectionHeader.OFF_ENTSIZE, 2, 4).bytes(), DofRule.BAD_OFFSETS_SECTION);
        }

        @Test
        void argsEntrySize() {
            fails(blob().sectionField(2, DofSectionHeader.OFF_ENTSIZE, 2, 4).bytes(), DofRule.BAD_ARGS_SECTION);
        }

        @Test
        void stringOutOfBounds() {
            Blob b = blob();
            DofFormatException e = fails(b.u32(b.probeField(0, DofProbeRecord.OFF_FUNC), b.sectionSize(0)).bytes(),
                    DofRule.STRING_OUT_OF_BOUNDS);
            assertThat(e.section()).isEqualTo(5);
            assertThat(e.probe()).isZero();
            assertThat(e.getMessage()).startsWith("section 5: probe 0: ").contains("function name");
        }

        @Test
        void stringsTooLong() {
            fails(DofWriter.builder().provider("p".repeat(64), ProbeSpec.builder("f", "n").offsets(1).build()).build(),
                    DofRule.STRING_TOO_LONG);
            fails(DofWriter.builder().provider("p", ProbeSpec.builder("f".repeat(128), "n").offsets(1).build()).build(),
                    DofRule.STRING_TOO_LONG);
            fails(DofWriter.builder().provider("p", ProbeSpec.builder("f", "n".repeat(64)).offsets(1).build()).build(),
                    DofRule.STRING_TOO_LONG);
            fails(DofWriter.builder().provider("p", ProbeSpec.builder("f", "n").args("t".repeat(128)).offsets(1).build())
                    .build(), DofRule.STRING_TOO_LONG);
        }

        @Test
        void longestNamesDTraceAllows() throws Exception {
            byte[] b = DofWriter.builder().provider("p", ProbeSpec.builder("f".repeat(127), "n".repeat(63))
                    .args("t".repeat(127)).offsets(1).build()).build();
            assertThat(new DofParser().parse(ByteBuffer.wrap(b), HELPER, 1).violations()).isEmpty();
        }

        @Test
        void offsetsOutOfBounds() {
            Blob b = blob();
            fails(b.u16(b.probeField(0, DofProbeRecord.OFF_NOFFS), 2).bytes(), DofRule.OFFSETS_OUT_OF_BOUNDS);
        }

        @Test
        void enabledOffsetsOutOfBounds() {
            Blob b = blob();
            fails(b.u16(b.probeField(0, DofProbeRecord.OFF_NENOFFS), 2).bytes(), DofRule.ENABLED_OFFSETS_OUT_OF_BOUNDS);
        }

        @Test
        void enabledOffsetsWithoutASection() {
            Blob b = blob();
            fails(b.u32(b.providerField(DofProviderRecord.OFF_PRENOFFS), 0).bytes(),
                    DofRule.ENABLED_OFFSETS_OUT_OF_BOUNDS);
        }

        @Test
        void argsOutOfBounds() {
            Blob b = blob();
            fails(b.u32(b.probeField(0, DofProbeRecord.OFF_ARGIDX), 5).bytes(), DofRule.ARGS_OUT_OF_BOUNDS);
        }

        @Test
        void argmapEqualToNargcWhichDtprobedAccepts() {
            Blob b = blob();
            fails(b.u8(b.sectionOffset(2), 1).bytes(), DofRule.ARGMAP_OUT_OF_RANGE);
        }

        @Test
        void probePad() {
            Blob b = blob();
            fails(b.u32(b.probeField(0, DofProbeRecord.OFF_PAD2), 1).bytes(), DofRule.NONZERO_PROBE_PAD);
            fails(blob().u16(blob().probeField(0, DofProbeRecord.OFF_PAD1), 1).bytes(), DofRule.NONZERO_PROBE_PAD);
        }

        @Test
        void tooManyProbes() {
            byte[] two = DofWriter.builder().provider("p", ProbeSpec.builder("f", "a").offsets(1).build(),
                    ProbeSpec.builder("f", "b").offsets(2).build()).build();
            fails(new DofParser(new DofLimits(DofLimits.DEFAULT_MAX_LOAD_SIZE, 100, 1)), two, DofRule.TOO_MANY_PROBES);
        }

        @Test
        void aSmallBlobWithALargeResultIsRefusedWithItsOwnErrno() {
            // issue 19, attack 1: probes sharing one long argument-type list, ~50 KB of DOF
            byte[] dof = SharedArgumentsDof.build("amp", 500, 255, 100);
            assertThat(dof.length).isLessThan(100_000);
            DofFormatException e = fails(dof, DofRule.RESULT_TOO_LARGE);
            assertThat(e.rule().errno()).isEqualTo(org.dtprobed.linux.Errno.EOVERFLOW);
            assertThat(e.getMessage()).contains("maximum " + DofLimits.DEFAULT_MAX_RESULT_BYTES);
            // the bound is checked probe by probe: fewer than all 500 were built
            assertThat(e.probe()).isLessThan(400);
        }

        @Test
        void theSameShapeBelowTheBoundParses() throws DofFormatException {
            ParsedDof d = new DofParser().parse(ByteBuffer.wrap(SharedArgumentsDof.build("amp", 50, 255, 100)), HELPER, 1);
            assertThat(d.probeCount()).isEqualTo(50);
            assertThat(d.providers().get(0).probes().get(49).nativeTypes()).hasSize(255);
        }
    }

    @Nested
    class Policy {
        @Test
        void moduleNameNotTerminated() {
            byte[] raw = new DofHelper("m", 0, 0).encode();
            java.util.Arrays.fill(raw, 0, DofHelper.MODULE_SIZE, (byte) 'a');
            assertThatThrownBy(() -> DofHelper.decode(ByteBuffer.wrap(raw)))
                    .isInstanceOfSatisfying(DofFormatException.class,
                            e -> assertThat(e.rule()).isEqualTo(DofRule.HELPER_MODULE_NOT_TERMINATED));
            COVERED.add(DofRule.HELPER_MODULE_NOT_TERMINATED);
        }

        @Test
        void unsafeNames() throws Exception {
            warns(DofWriter.builder().provider("../../x", ProbeSpec.builder("f", "n").offsets(1).build()).build(),
                    DofRule.UNSAFE_NAME);
            warns(DofWriter.builder().provider("p", ProbeSpec.builder("a/b", "n").offsets(1).build()).build(),
                    DofRule.UNSAFE_NAME);
            warns(DofWriter.builder().provider("p", ProbeSpec.builder("f", "a:b").offsets(1).build()).build(),
                    DofRule.UNSAFE_NAME);
            warns(DofWriter.builder().provider("p", ProbeSpec.builder("f", "..").offsets(1).build()).build(),
                    DofRule.UNSAFE_NAME);
            warns(minimal(), new DofHelper("..", 0, 0), 1, DofRule.UNSAFE_NAME);
            warns(minimal(), new DofHelper("a\0b", 0, 0), 1, DofRule.UNSAFE_NAME);
        }

        @Test
        void emptyName() throws Exception {
            warns(DofWriter.builder().provider("p", ProbeSpec.builder("f", "").offsets(1).build()).build(),
                    DofRule.EMPTY_NAME);
        }

        @Test
        void nameNotUtf8() throws Exception {
            Blob b = blob();
            long nameAt = b.sectionOffset(0) + b.b.getInt((int) b.probeField(0, DofProbeRecord.OFF_NAME));
            PolicyViolation v = warns(b.u8(nameAt, 0xFF).bytes(), DofRule.NAME_NOT_UTF8).violations().get(0);
            assertThat(v.message()).contains("probe name");
        }

        @Test
        void providerNameWithPidTooLong() throws Exception {
            byte[] b = DofWriter.builder().provider("p".repeat(60), ProbeSpec.builder("f", "n").offsets(1).build()).build();
            assertThat(new DofParser().parse(ByteBuffer.wrap(b), HELPER, 123).violations()).isEmpty();
            warns(b, HELPER, 1234, DofRule.PROVIDER_NAME_TOO_LONG);
            warns(b, HELPER, DofParser.UNKNOWN_PID, DofRule.PROVIDER_NAME_TOO_LONG);
        }

        @Test
        void zeroSites() throws Exception {
            warns(DofWriter.builder().provider("p", ProbeSpec.builder("f", "n").build()).build(), DofRule.ZERO_SITES);
            ParsedDof v2 = warns(DofWriter.builder().version(2)
                    .provider("p", ProbeSpec.builder("f", "n").enabledOffsets(4).build()).build(), DofRule.ZERO_SITES);
            assertThat(v2.violations().get(0).message()).contains("ignored below DOF version 3");
        }

        @Test
        void duplicateSite() throws Exception {
            warns(DofWriter.builder().provider("p", ProbeSpec.builder("f", "n").offsets(8, 8).build()).build(),
                    DofRule.DUPLICATE_SITE);
        }

        @Test
        void noProviders() throws Exception {
            warns(DofWriter.builder().build(), DofRule.NO_PROVIDERS);
        }
    }

    @AfterAll
    static void everyRuleHasATest() {
        assertThat(EnumSet.complementOf(EnumSet.copyOf(COVERED))).as("rules without a test").isEmpty();
    }
}
