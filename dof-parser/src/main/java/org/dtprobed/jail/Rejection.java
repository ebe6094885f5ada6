package org.dtprobed.jail;

import org.dtprobed.dof.wire.WireReader;
import org.dtprobed.dof.wire.WireWriter;
import org.dtprobed.dof.wire.WireFormatException;
import org.dtprobed.dof.wire.ParsedDofCodec;
import java.nio.ByteBuffer;
import org.dtprobed.dof.DofFormatException;
import org.dtprobed.dof.DofRule;

/**
 * Body of {@link FrameType#REJECTED}: the parser's verdict on bad DOF, carried as data (the child's
 * {@code DIT_ERR}). Layout: string rule name, i32 errno, i32 section, i32 probe, string message.
 *
 * @param section section index or {@link DofFormatException#NONE}
 * @param probe   probe index or {@link DofFormatException#NONE}
 * @param message the exception's message, one log line
 */
public record Rejection(DofRule rule, int errno, int section, int probe, String message) {
    public static Rejection of(DofFormatException e) {
        return new Rejection(e.rule(), e.errno(), e.section(), e.probe(), e.getMessage());
    }

    public byte[] encode() {
        return new WireWriter(64 + message.length()).string(rule.name()).i32(errno).i32(section).i32(probe)
                .string(message).toByteArray();
    }

    public static Rejection decode(ByteBuffer body) throws WireFormatException {
        WireReader r = new WireReader(body);
        DofRule rule = ParsedDofCodec.rule(r, "rejection rule");
        Rejection x = new Rejection(rule, r.i32("errno"), r.i32("section"), r.i32("probe"),
                ParsedDofCodec.nonNull(r.string("message"), "message"));
        r.end("rejection");
        return x;
    }
}
