package org.dtprobed.jail;

import org.dtprobed.dof.wire.WireReader;
import org.dtprobed.dof.wire.WireWriter;
import org.dtprobed.dof.wire.WireFormatException;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.dtprobed.dof.DofHelper;

/**
 * Body of {@link FrameType#PARSE_REQUEST}: i64 pid, the helper (string module, i64 load base,
 * i64 DOF address), u32 DOF length, the DOF bytes.
 */
public record ParseRequest(long pid, DofHelper helper, byte[] dof) {
    /** Bytes a request adds around the DOF, not counting the module name's bytes. */
    static final int FIXED_SIZE = 8 + 4 + 8 + 8 + 4;

    public ParseRequest {
        Objects.requireNonNull(helper, "helper");
        Objects.requireNonNull(dof, "dof");
    }

    /**
     * Largest body a request for DOF of at most {@code maxDof} bytes can have, allowing a module
     * name of up to 4 × 64 bytes (a {@code dofhp_mod} is at most 63).
     */
    public static int maxBodyLength(long maxDof) {
        long max = maxDof + FIXED_SIZE + 4L * org.dtprobed.dof.DofHelper.MODULE_SIZE;
        return (int) Math.min(max, Integer.MAX_VALUE - 8);
    }

    /** The body in two parts (fields, DOF) so that the DOF is written without a copy. */
    public byte[][] encode() {
        byte[] head = new WireWriter(64)
                .i64(pid).string(helper.module()).i64(helper.loadBase()).i64(helper.dofAddress())
                .i32(dof.length).toByteArray();
        return new byte[][] {head, dof};
    }

    public static ParseRequest decode(ByteBuffer body) throws WireFormatException {
        WireReader r = new WireReader(body);
        long pid = r.i64("pid");
        String module = r.string("helper module");
        if (module == null) {
            throw new WireFormatException("helper module is null");
        }
        DofHelper helper = new DofHelper(module, r.i64("helper load base"), r.i64("helper DOF address"));
        int n = r.count("DOF length", 1);
        byte[] dof = r.bytes(n, "DOF");
        r.end("parse request");
        return new ParseRequest(pid, helper, dof);
    }
}
