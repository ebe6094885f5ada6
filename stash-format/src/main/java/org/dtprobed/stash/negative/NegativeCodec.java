package org.dtprobed.stash.negative;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.dtprobed.stash.RecordInput;
import org.dtprobed.stash.RecordOutput;
import org.dtprobed.stash.StashException;
import org.dtprobed.stash.StashLayout;

/**
 * Negative-cache key and value, {@link StashLayout#NEGATIVE_VERSION} 2. Key: u64 dev, u64 inode.
 * Value after the common header: u64 size, u64 mtimeNanos, u64 recordedAtMillis, u8 verdict,
 * str reason, str path (version 2; "" when unknown). Version 1 values (no path) still decode.
 */
public final class NegativeCodec {
    private NegativeCodec() {
    }

    public static byte[] key(long dev, long inode) {
        ByteBuffer b = ByteBuffer.allocate(StashLayout.NEG_KEY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(StashLayout.NEG_KEY_OFF_DEV, dev).putLong(StashLayout.NEG_KEY_OFF_INO, inode);
        return b.array();
    }

    static byte[] encode(NegativeEntry e) throws StashException {
        return new RecordOutput(StashLayout.KIND_NEGATIVE, StashLayout.NEGATIVE_VERSION, 64)
                .u64(e.size()).u64(e.mtimeNanos()).u64(e.recordedAtMillis()).u8(e.verdict().wire())
                .str(e.reason(), "negative-cache reason").str(e.path(), "negative-cache path").finish();
    }

    public static NegativeEntry decode(byte[] key, byte[] value) throws StashException {
        if (key.length != StashLayout.NEG_KEY_SIZE) {
            throw new StashException(StashException.Kind.CORRUPT, "negative-cache key of " + key.length + " bytes");
        }
        ByteBuffer k = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN);
        long dev = k.getLong(StashLayout.NEG_KEY_OFF_DEV);
        long ino = k.getLong(StashLayout.NEG_KEY_OFF_INO);
        String what = "negative entry " + dev + ":" + ino;
        RecordInput in = RecordInput.open(value, StashLayout.KIND_NEGATIVE, what);
        if (in.version() != 1) {
            in.requireVersion(StashLayout.NEGATIVE_VERSION);
        }
        long size = in.u64();
        long mtime = in.u64();
        long at = in.u64();
        int w = in.u8();
        Verdict v = Verdict.fromWire(w);
        if (v == null) {
            throw new StashException(StashException.Kind.CORRUPT, what + ": unknown verdict " + w);
        }
        String reason = in.str();
        String path = in.version() == 1 ? "" : in.str();
        in.end();
        return new NegativeEntry(dev, ino, size, mtime, v, reason, at, path);
    }
}
