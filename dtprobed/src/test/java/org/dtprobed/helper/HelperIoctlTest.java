package org.dtprobed.helper;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HelperIoctlTest {
    @Test
    void numbersAsDtraceUtilsDefinesThem() {
        assertThat(HelperIoctl.ADDDOF_CMD).isEqualTo(0x4050d803);
        assertThat(HelperIoctl.REMOVE_CMD).isEqualTo(0x4004d802);
        assertThat(HelperIoctl.ADD_LEGACY_CMD).isEqualTo(0x4040d801);
        assertThat(HelperIoctl.REMOVE_BY_VALUE_CMD).isEqualTo(0xd802);
    }

    @Test
    void classification() {
        assertThat(HelperIoctl.of(0x4050d803)).isEqualTo(HelperIoctl.ADDDOF);
        assertThat(HelperIoctl.of(0x64746803)).isEqualTo(HelperIoctl.ADDDOF);
        assertThat(HelperIoctl.of(0x4004d802)).isEqualTo(HelperIoctl.REMOVE);
        assertThat(HelperIoctl.of(0xd802)).isEqualTo(HelperIoctl.REMOVE);
        assertThat(HelperIoctl.of(0x4040d801)).isEqualTo(HelperIoctl.UNKNOWN);
        assertThat(HelperIoctl.of(0)).isEqualTo(HelperIoctl.UNKNOWN);
    }
}
