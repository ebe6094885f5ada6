package org.dtprobed.stash;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.protocol.RegistrationKey;
import org.junit.jupiter.api.Test;

/** Registration values: version 2 carries the adopted flag; version 1 values (no flags byte) still decode. */
class RegistrationVersionTest {
    private static final RegistrationKey KEY = new RegistrationKey(42, 3);
    private static final Mapping MAPPING = new Mapping(2049, 77, 0x400000, "/usr/bin/prog");
    private static final DofHelper HELPER = new DofHelper("prog", 0, 0x401000);
    private static final ProcessIdentity PROCESS = new ProcessIdentity(1234, 2049, 77);
    private static final ContentHash DOF = ContentHash.of(new byte[] {1, 2, 3});

    @Test
    void theAdoptedFlagRoundTrips() throws Exception {
        for (boolean adopted : new boolean[] {false, true}) {
            Registration r = new Registration(KEY, new RegistrationRecord(42, MAPPING, HELPER, PROCESS, adopted), DOF,
                    3, 1_800_000_000_000L, StashLayout.PARSED_VERSION, List.of());
            assertThat(RegistrationCodec.decode(RegistrationCodec.encode(r), "r")).isEqualTo(r);
        }
    }

    @Test
    void aVersionOneValueDecodesAsNotAdopted() throws Exception {
        // the layout before issue 13, written field by field: no flags byte
        RecordOutput out = new RecordOutput(StashLayout.KIND_REGISTRATION, 1, 256);
        out.u32(42).u64(3).u64(1_800_000_000_000L);
        out.u64(MAPPING.dev()).u64(MAPPING.inode()).u64(MAPPING.start()).str(MAPPING.path(), "path");
        out.str(HELPER.module(), "module").u64(HELPER.loadBase()).u64(HELPER.dofAddress());
        out.u64(PROCESS.startTime()).u64(PROCESS.execDev()).u64(PROCESS.execInode());
        out.bytes(DOF.toBytes()).u64(3);
        out.u16(StashLayout.PARSED_VERSION).u32(4).u32(0); // probe records: a count of 0
        Registration r = RegistrationCodec.decode(out.finish(), "v1");
        assertThat(r.record()).isEqualTo(new RegistrationRecord(42, MAPPING, HELPER, PROCESS));
        assertThat(r.record().adopted()).isFalse();
        assertThat(r.probes()).isEmpty();
    }
}
