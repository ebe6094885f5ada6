package org.dtprobed.stash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.dtprobed.protocol.RegistrationKey;
import org.junit.jupiter.api.Test;

/** The one RegistrationKey's stash bytes: the layout, and the range a stored key must hold. */
class RegistrationKeyCodecTest {
    @Test
    void liveAndBackupKeysDecodeToTheSameKeyAndDifferOnlyInTheirKind() throws Exception {
        RegistrationKey k = new RegistrationKey(4242, Integer.MAX_VALUE);
        byte[] live = RegistrationKeyCodec.live(k);
        byte[] backup = RegistrationKeyCodec.backup(k);
        assertThat(RegistrationKeyCodec.decode(live)).isEqualTo(k);
        assertThat(RegistrationKeyCodec.decode(backup)).isEqualTo(k);
        assertThat(RegistrationKeyCodec.isBackup(live)).isFalse();
        assertThat(RegistrationKeyCodec.isBackup(backup)).isTrue();
        assertThat(ByteBuffer.wrap(backup).order(ByteOrder.LITTLE_ENDIAN).getInt(StashLayout.REG_KEY_OFF_KIND))
                .isEqualTo(StashLayout.KEY_BACKUP);
    }

    @Test
    void storedBytesOutsideTheKeyRangeAreCorrupt() {
        for (long[] pidGen : new long[][] {{0, 0}, {-5, 0}, {7, -1}, {7, 1L << 31}}) {
            ByteBuffer b = ByteBuffer.allocate(StashLayout.REG_KEY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(StashLayout.REG_KEY_OFF_PID, (int) pidGen[0]).putInt(StashLayout.REG_KEY_OFF_KIND, StashLayout.KEY_LIVE)
                    .putLong(StashLayout.REG_KEY_OFF_GEN, pidGen[1]);
            assertThatThrownBy(() -> RegistrationKeyCodec.decode(b.array())).isInstanceOf(StashException.class)
                    .satisfies(e -> assertThat(((StashException) e).kind()).isEqualTo(StashException.Kind.CORRUPT));
        }
        assertThatThrownBy(() -> RegistrationKeyCodec.decode(new byte[15])).isInstanceOf(StashException.class)
                .hasMessageContaining("registration key of 15 bytes");
    }

    @Test
    void aKeyOutsideTheStoredRangeIsNeverWritten() {
        // the index bounds one pid's range with these; the stash must never take one for a registration
        assertThatThrownBy(() -> RegistrationKeyCodec.live(new RegistrationKey(7, Long.MIN_VALUE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("generation must be in [0, 2^31)");
        assertThatThrownBy(() -> RegistrationKeyCodec.live(new RegistrationKey(0, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pid must be positive");
        assertThat(RegistrationKeyCodec.inRange(7, Integer.MAX_VALUE)).isTrue();
        assertThat(RegistrationKeyCodec.inRange(7, 1L << 31)).isFalse();
    }
}
