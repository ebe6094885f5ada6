package org.dtprobed.jail;

import org.dtprobed.dof.wire.WireReader;
import org.dtprobed.dof.wire.WireWriter;
import org.dtprobed.dof.wire.WireFormatException;
import org.dtprobed.dof.wire.ParsedDofCodec;
import java.nio.ByteBuffer;

/**
 * Body of {@link FrameType#READY}, sent once when the child is warm and jailed. Layout: u8 jailed,
 * i32 uid, i32 gid, i64 pid, i64 nanoseconds from main to ready, string Java version.
 */
public record ChildReady(boolean jailed, int uid, int gid, long pid, long startupNanos, String javaVersion) {
    public byte[] encode() {
        return new WireWriter(64).bool(jailed).i32(uid).i32(gid).i64(pid).i64(startupNanos).string(javaVersion)
                .toByteArray();
    }

    public static ChildReady decode(ByteBuffer body) throws WireFormatException {
        WireReader r = new WireReader(body);
        ChildReady c = new ChildReady(r.bool("jailed"), r.i32("uid"), r.i32("gid"), r.i64("pid"),
                r.i64("startup nanos"), ParsedDofCodec.nonNull(r.string("java version"), "java version"));
        r.end("ready");
        return c;
    }
}
