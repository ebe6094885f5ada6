package org.dtprobed.jail;

import org.dtprobed.dof.wire.WireReader;
import org.dtprobed.dof.wire.WireWriter;
import org.dtprobed.dof.wire.WireFormatException;
import org.dtprobed.dof.wire.ParsedDofCodec;
import java.nio.ByteBuffer;
import org.dtprobed.linux.Errno;

/**
 * Body of {@link FrameType#FAULT}: the child, not the DOF, failed on a request (out of memory, a
 * parser bug). Layout: string kind (exception class), i32 errno, string message. The child exits
 * after sending it, since its state is no longer trusted.
 */
public record ChildFault(String kind, int errno, String message) {

    public static ChildFault of(Throwable t) {
        return new ChildFault(t.getClass().getName(), t instanceof OutOfMemoryError ? Errno.ENOMEM : Errno.EIO,
                String.valueOf(t.getMessage()));
    }

    public byte[] encode() {
        return new WireWriter(64).string(kind).i32(errno).string(message).toByteArray();
    }

    public static ChildFault decode(ByteBuffer body) throws WireFormatException {
        WireReader r = new WireReader(body);
        ChildFault f = new ChildFault(ParsedDofCodec.nonNull(r.string("kind"), "kind"), r.i32("errno"),
                ParsedDofCodec.nonNull(r.string("message"), "message"));
        r.end("fault");
        return f;
    }
}
