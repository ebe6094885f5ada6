package org.dtprobed.stash;

/**
 * Raw DOF values, {@link StashLayout#RAW_DOF_VERSION} 1: the common header, u32 length, the DOF
 * bytes exactly as the client handed them over (unrelocated, {@code loadsz} bytes). Raw DOF is
 * the source of truth every parsed record can be rebuilt from.
 */
final class RawDofCodec {
    private RawDofCodec() {
    }

    static byte[] encode(byte[] dof) {
        return new RecordOutput(StashLayout.KIND_RAW_DOF, StashLayout.RAW_DOF_VERSION, dof.length + 16)
                .u32(dof.length).bytes(dof).finish();
    }

    static byte[] decode(byte[] value, String what) throws StashException {
        RecordInput in = RecordInput.open(value, StashLayout.KIND_RAW_DOF, what).requireVersion(StashLayout.RAW_DOF_VERSION);
        long n = in.u32();
        if (n > value.length) {
            throw new StashException(StashException.Kind.CORRUPT, what + ": length " + n + " exceeds the value");
        }
        byte[] dof = in.bytes((int) n);
        in.end();
        return dof;
    }
}
