package org.dtprobed.stash;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import net.openhft.chronicle.map.ChronicleMap;

/**
 * Per-pid state: a generation at or above the next one to hand out (the stash reserves some ahead,
 * {@link Stash#GENERATIONS_RESERVED}) and the identity of the process life that owns it. Written
 * before a registration it does not cover yet (so a generation is never handed out twice, even
 * across a crash), deleted when the pid is removed or pruned. Stored in two slots written alternately
 * (slot = next generation mod 2): Chronicle's recovery deletes an entry whose in-place update a
 * crash interrupted (bad checksum), and the other slot then still holds the previous value.
 */
record PidRecord(long nextGeneration, ProcessIdentity identity) {
    byte[] encode() {
        return new RecordOutput(StashLayout.KIND_PID, StashLayout.PID_VERSION, StashLayout.PID_VALUE_SIZE)
                .u64(nextGeneration).u64(identity.startTime()).u64(identity.execDev()).u64(identity.execInode())
                .finish();
    }

    static PidRecord decode(byte[] value, String what) throws StashException {
        RecordInput in = RecordInput.open(value, StashLayout.KIND_PID, what).requireVersion(StashLayout.PID_VERSION);
        PidRecord r = new PidRecord(in.u64(), new ProcessIdentity(in.u64(), in.u64(), in.u64()));
        in.end();
        return r;
    }

    static byte[] key(int pid, int slot) {
        ByteBuffer b = ByteBuffer.allocate(StashLayout.PID_KEY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(StashLayout.PID_KEY_OFF_PID, pid);
        b.putInt(StashLayout.PID_KEY_OFF_SLOT, slot);
        return b.array();
    }

    static int pidOf(byte[] key) throws StashException {
        if (key.length != StashLayout.PID_KEY_SIZE) {
            throw new StashException(StashException.Kind.CORRUPT, "pid key of " + key.length + " bytes");
        }
        return ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).getInt(StashLayout.PID_KEY_OFF_PID);
    }

    /** The current record of the pid: the valid slot with the higher next generation; null if none. */
    static PidRecord read(ChronicleMap<byte[], byte[]> pids, int pid) {
        PidRecord best = null;
        for (int slot = 0; slot < 2; slot++) {
            byte[] v = pids.get(key(pid, slot));
            if (v == null) {
                continue;
            }
            try {
                PidRecord r = decode(v, "pid " + pid + " slot " + slot);
                if (best == null || r.nextGeneration() > best.nextGeneration()) {
                    best = r;
                }
            } catch (StashException e) {
                // the other slot holds the previous value; the repair pass rewrites this one
            }
        }
        return best;
    }

    /** Writes the record into the slot the previous value is not in. */
    void write(ChronicleMap<byte[], byte[]> pids, int pid) {
        pids.put(key(pid, (int) (nextGeneration & 1)), encode());
    }

    static void delete(ChronicleMap<byte[], byte[]> pids, int pid) {
        pids.remove(key(pid, 0));
        pids.remove(key(pid, 1));
    }
}
