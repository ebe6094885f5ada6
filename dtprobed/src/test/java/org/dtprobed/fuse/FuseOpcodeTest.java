package org.dtprobed.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FuseOpcodeTest {
    @Test
    void wireValuesAreUniqueAndLookUp() {
        assertThat(Arrays.stream(FuseOpcode.values()).map(FuseOpcode::code).distinct().count())
                .isEqualTo(FuseOpcode.values().length);
        for (FuseOpcode op : FuseOpcode.values()) {
            assertThat(FuseOpcode.of(op.code())).contains(op);
        }
        assertThat(FuseOpcode.of(7)).isEmpty();
        assertThat(FuseOpcode.of(-1)).isEmpty();
    }

    @Test
    void valuesFromTheReference() {
        assertThat(FuseOpcode.OPEN.code()).isEqualTo(14);
        assertThat(FuseOpcode.RELEASE.code()).isEqualTo(18);
        assertThat(FuseOpcode.INIT.code()).isEqualTo(26);
        assertThat(FuseOpcode.INTERRUPT.code()).isEqualTo(36);
        assertThat(FuseOpcode.IOCTL.code()).isEqualTo(39);
        assertThat(FuseOpcode.CUSE_INIT.code()).isEqualTo(4096);
        assertThat(FuseOpcode.FORGET.expectsReply()).isFalse();
        assertThat(FuseOpcode.IOCTL.expectsReply()).isTrue();
    }
}
