package org.dtprobed.stash;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.dtprobed.protocol.RegistrationKey;

/**
 * A registration key's bytes in {@code registrations-2.cm3} (offsets in {@link StashLayout}), and
 * the range a stored key may hold: a positive pid and a generation in [0, 2^31), the ADDDOF
 * ioctl's non-negative {@code int} return value.
 */
public final class RegistrationKeyCodec {
    private RegistrationKeyCodec() {
    }

    /** The key of a live registration. */
    public static byte[] live(RegistrationKey key) {
        return bytes(key, StashLayout.KEY_LIVE);
    }

    /** Key of the copy kept while {@link Stash#rebuildParsed} replaces this registration's value. */
    static byte[] backup(RegistrationKey key) {
        return bytes(key, StashLayout.KEY_BACKUP);
    }

    private static byte[] bytes(RegistrationKey key, int kind) {
        checkRange(key.pid(), key.generation());
        ByteBuffer b = ByteBuffer.allocate(StashLayout.REG_KEY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(StashLayout.REG_KEY_OFF_PID, key.pid());
        b.putInt(StashLayout.REG_KEY_OFF_KIND, kind);
        b.putLong(StashLayout.REG_KEY_OFF_GEN, key.generation());
        return b.array();
    }

    /** Whether stored key bytes are a rebuild backup rather than a live registration. */
    static boolean isBackup(byte[] key) {
        return key.length == StashLayout.REG_KEY_SIZE
                && ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).getInt(StashLayout.REG_KEY_OFF_KIND) == StashLayout.KEY_BACKUP;
    }

    /** Decodes a live or backup key. */
    public static RegistrationKey decode(byte[] key) throws StashException {
        if (key.length != StashLayout.REG_KEY_SIZE) {
            throw new StashException(StashException.Kind.CORRUPT, "registration key of " + key.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN);
        int kind = b.getInt(StashLayout.REG_KEY_OFF_KIND);
        if (kind != StashLayout.KEY_LIVE && kind != StashLayout.KEY_BACKUP) {
            throw new StashException(StashException.Kind.CORRUPT, "registration key kind " + kind);
        }
        return stored(b.getInt(StashLayout.REG_KEY_OFF_PID), b.getLong(StashLayout.REG_KEY_OFF_GEN),
                "registration key");
    }

    /** A key read from the stash ({@code what} names where): CORRUPT when outside the range a key is stored with. */
    static RegistrationKey stored(int pid, long generation, String what) throws StashException {
        try {
            checkRange(pid, generation);
        } catch (IllegalArgumentException e) {
            throw new StashException(StashException.Kind.CORRUPT, what + ": " + e.getMessage());
        }
        return new RegistrationKey(pid, generation);
    }

    /** Whether a REMOVE's pid and generation can name a stored registration at all. */
    static boolean inRange(int pid, long generation) {
        return pid > 0 && generation >= 0 && generation <= Integer.MAX_VALUE;
    }

    private static void checkRange(int pid, long generation) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, got " + pid);
        }
        if (generation < 0 || generation > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("generation must be in [0, 2^31), got " + generation);
        }
    }
}
