package org.dtprobed.stash;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A registration's identity: the registering pid and its generation (the ADDDOF ioctl's return
 * value; allocated per pid from 0 and never reused while the pid lives).
 */
public record RegistrationKey(int pid, long generation) implements Comparable<RegistrationKey> {
    public RegistrationKey {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, got " + pid);
        }
        if (generation < 0 || generation > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("generation must be in [0, 2^31), got " + generation);
        }
    }

    public byte[] toBytes() {
        return bytes(StashLayout.KEY_LIVE);
    }

    /** Key of the copy kept while {@link Stash#rebuildParsed} replaces this registration's value. */
    byte[] backupBytes() {
        return bytes(StashLayout.KEY_BACKUP);
    }

    private byte[] bytes(int kind) {
        ByteBuffer b = ByteBuffer.allocate(StashLayout.REG_KEY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(StashLayout.REG_KEY_OFF_PID, pid);
        b.putInt(StashLayout.REG_KEY_OFF_KIND, kind);
        b.putLong(StashLayout.REG_KEY_OFF_GEN, generation);
        return b.array();
    }

    /** Whether stored key bytes are a rebuild backup rather than a live registration. */
    static boolean isBackup(byte[] key) {
        return key.length == StashLayout.REG_KEY_SIZE
                && ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).getInt(StashLayout.REG_KEY_OFF_KIND) == StashLayout.KEY_BACKUP;
    }

    /** Decodes a live or backup key. */
    public static RegistrationKey fromBytes(byte[] key) throws StashException {
        if (key.length != StashLayout.REG_KEY_SIZE) {
            throw new StashException(StashException.Kind.CORRUPT, "registration key of " + key.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN);
        int kind = b.getInt(StashLayout.REG_KEY_OFF_KIND);
        if (kind != StashLayout.KEY_LIVE && kind != StashLayout.KEY_BACKUP) {
            throw new StashException(StashException.Kind.CORRUPT, "registration key kind " + kind);
        }
        try {
            return new RegistrationKey(b.getInt(StashLayout.REG_KEY_OFF_PID), b.getLong(StashLayout.REG_KEY_OFF_GEN));
        } catch (IllegalArgumentException e) {
            throw new StashException(StashException.Kind.CORRUPT, "registration key: " + e.getMessage());
        }
    }

    @Override
    public int compareTo(RegistrationKey o) {
        int c = Integer.compare(pid, o.pid);
        return c != 0 ? c : Long.compare(generation, o.generation);
    }

    @Override
    public String toString() {
        return pid + "/" + generation;
    }
}
