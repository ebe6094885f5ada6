package org.dtprobed.stash;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Per-pid state: the next generation to hand out and the identity of the process life that owns
 * it. Written before a registration (so a generation is never handed out twice, even across a
 * crash), deleted when the pid is removed or pruned.
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

    static byte[] key(int pid) {
        ByteBuffer b = ByteBuffer.allocate(StashLayout.PID_KEY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(StashLayout.PID_KEY_OFF_PID, pid);
        return b.array();
    }

    static int pidOf(byte[] key) throws StashException {
        if (key.length != StashLayout.PID_KEY_SIZE) {
            throw new StashException(StashException.Kind.CORRUPT, "pid key of " + key.length + " bytes");
        }
        return ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).getInt(StashLayout.PID_KEY_OFF_PID);
    }
}
